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
