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
  // Dialogs and side panels loaded by htmx into #dialog-slot open modally over their page:
  // focus moves in, Tab cycles inside, Escape or Cancel closes, focus returns to the opener.
  // Forms and links inside load into the same slot (hx-boost on the dialog); a response that
  // is a whole page (a wizard going back to its page) is followed as a navigation.
  var slot = function () { return document.getElementById("dialog-slot"); };
  var opener = null;
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
  function focusables(dialog) {
    return Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0;
    });
  }
  function firstField(dialog) {
    var all = focusables(dialog);
    return dialog.querySelector("[aria-invalid='true'], .has-error input, .has-error select, .has-error textarea") ||
      all.filter(function (el) { return el.matches("input, select, textarea"); })[0] || all[0];
  }
  function rememberOpener(el) {
    opener = { el: el, hxGet: el.getAttribute("hx-get"), href: el.getAttribute("href") };
  }
  function returnFocus() {
    if (!opener) return;
    var el = opener.el;
    // A polled table may have re-rendered the opener meanwhile: find its successor.
    if (!el.isConnected && opener.hxGet) el = document.querySelector("[hx-get='" + opener.hxGet + "']");
    if ((!el || !el.isConnected) && opener.href) el = document.querySelector("a[href='" + opener.href + "']");
    opener = null;
    if (el && el.isConnected) el.focus();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target === slot() && !target.querySelector("dialog[open]")) rememberOpener(event.detail.elt);
  });
  // A dependent field's "?fragment=form" belongs to the dialog's page, not the page under it.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("#dialog-slot form[action]");
    if (form && event.detail.path.charAt(0) === "?") {
      event.detail.path = form.getAttribute("action").split("?")[0] + event.detail.path;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (event.detail.target !== slot() || !event.detail.shouldSwap) return;
    if (/<html[\s>]/i.test(xhr.responseText.slice(0, 500))) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    var dialog = document.querySelector("#dialog-slot dialog[data-modal]:not([open])");
    if (!dialog) return;
    dialog.showModal();
    var field = firstField(dialog);
    if (field) field.focus();
  });
  document.addEventListener("close", function (event) {
    if (!event.target.matches || !event.target.matches("#dialog-slot dialog")) return;
    event.target.remove();
    returnFocus();
  }, true);
  // Capture phase: Cancel closes before a boosted link would load its page into the dialog.
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog");
    if (!dialog) return;
    event.preventDefault();
    event.stopPropagation();
    dialog.close();
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var dialog = document.querySelector("#dialog-slot dialog[open]");
    if (!dialog) return;
    var all = focusables(dialog);
    if (!all.length) return;
    var first = all[0], last = all[all.length - 1], active = document.activeElement;
    var outside = !dialog.contains(active);
    if (outside || (event.shiftKey && active === first) || (!event.shiftKey && active === last)) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
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
