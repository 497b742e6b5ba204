// Small behaviours of the console shell. htmx does the rest.
(function () {
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  // A tab loaded by htmx becomes the current one.
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("nav.tabs a");
    if (!tab) return;
    tab.parentNode.querySelectorAll("a").forEach(function (a) {
      a.classList.remove("current");
      a.removeAttribute("aria-current");
    });
    tab.classList.add("current");
    tab.setAttribute("aria-current", "page");
  });
  // Dialogs loaded by htmx open as modal dialogs; Cancel and Escape close them.
  document.addEventListener("htmx:afterSwap", function () {
    var dialog = document.querySelector("#dialog-slot dialog[data-modal]:not([open])");
    if (dialog) dialog.showModal();
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog");
    if (dialog) { event.preventDefault(); dialog.close(); dialog.remove(); }
  });
  // Wide tables scroll in their own box: mark the sides where columns are hidden (a shadow).
  function markOverflow(wrap) {
    var left = wrap.scrollLeft, room = wrap.scrollWidth - wrap.clientWidth;
    wrap.classList.toggle("more-left", left > 1);
    wrap.classList.toggle("more-right", room - left > 1);
  }
  function markAll() { document.querySelectorAll(".table-wrap").forEach(markOverflow); }
  document.addEventListener("scroll", function (event) {
    if (event.target.classList && event.target.classList.contains("table-wrap")) markOverflow(event.target);
  }, true);
  window.addEventListener("resize", markAll);
  document.addEventListener("DOMContentLoaded", markAll);
  document.addEventListener("htmx:afterSettle", markAll);
  // The lab panel stays as the trainee left it (open or collapsed) from page to page.
  document.addEventListener("toggle", function (event) {
    if (!event.target.matches(".lab-panel > details")) return;
    try { localStorage.setItem("lab-panel", event.target.open ? "open" : "closed"); } catch (e) { /* private mode */ }
    markAll();
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () {
      button.classList.add("copied");
      button.setAttribute("title", "Copied");
      setTimeout(function () { button.classList.remove("copied"); }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); } catch (e) { /* ignored */ }
      document.body.removeChild(area); done();
    }
  });
})();
