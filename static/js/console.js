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

// Live fragments (console.live). A page keeps one EventSource that follows the accounts of
// its fragments' signed tokens; a "change" event names an account and its counter after the
// change, and makes the fragments showing that account ask for news at once (a 204 when theirs
// is still current). While the stream is open, their own polls run only every
// data-live-fallback-ms (a safety net); while it is not (not yet open, refused, Redis away),
// they poll at their usual pace.
//
// A fragment's token says which counters its rows were read at. One that answers with a token
// older than a change the page has already heard of (its request was out when the event came,
// or it was not yet live then, as the lab panel's first load) shows rows read before that
// change: it asks again at once.
window.consoleLive = (function () {
  var source = null, following = "", timer = null;
  var heard = {};   // account -> the newest counter an event of this stream named
  var asked = {};   // fragment URLs (with their token) already sent again because of heard
  var body = function () { return document.body; };
  function fallbackMs() { return Number(body().dataset.liveFallbackMs) || 25000; }
  function fragments() { return document.querySelectorAll("[hx-trigger*='consoleLive']"); }
  function tokenOf(el) {
    var match = /[?&]live=([^&]+)/.exec(el.getAttribute("hx-get") || "");
    return match ? decodeURIComponent(match[1]) : "";
  }
  // A token is "<accounts>-<counters>-<issued>-<mac>", accounts and counters dot-separated.
  function countersOf(token) {
    var parts = token ? token.split("-") : [], counters = {};
    if (parts.length < 2) return counters;
    var versions = parts[1].split(".");
    parts[0].split(".").forEach(function (account, i) { counters[account] = Number(versions[i]); });
    return counters;
  }
  function open() { return source !== null && source.readyState === EventSource.OPEN; }
  function busy(el) { return el.classList.contains("htmx-request"); } // htmx drops a second ask
  function ask(el) {
    el._liveAt = Date.now();
    htmx.trigger(el, "live");
  }
  function behind(token) {
    var counters = countersOf(token);
    return Object.keys(counters).some(function (a) { return heard[a] > counters[a]; });
  }

  // The fragments showing ``account`` from before its counter reached ``counter`` ask for
  // news. One whose rows were read at that counter or later (its answer came before the
  // event) already shows the change. One that is asking now is looked at again when it has
  // answered (catchUp).
  function refresh(account, counter) {
    fragments().forEach(function (el) {
      var token = tokenOf(el), counters = countersOf(token);
      if (token && !(account in counters)) return;
      if (token && counters[account] >= counter) return;
      if (!busy(el)) ask(el);
    });
  }
  // Fragments whose rows were read before a change the page heard of ask again, each at most
  // once per token. Keyed by the whole URL: two fragments read in the same request (rows of
  // one list, the lab panel beside them) carry the same token and each must ask.
  function catchUp() {
    fragments().forEach(function (el) {
      var token = tokenOf(el), url = el.getAttribute("hx-get");
      if (token && !busy(el) && !asked[url] && behind(token)) {
        asked[url] = true;
        ask(el);
      }
    });
  }
  function changed(data) {
    var parts = String(data).split(" "), account = parts[0], counter = Number(parts[1]);
    if (counter > (heard[account] || 0)) heard[account] = counter;
    refresh(account, counter);
  }

  function stop() {
    if (source !== null) { source.close(); source = null; }
  }

  function connect() {
    var url = body() && body().dataset.liveEvents;
    if (!url || typeof EventSource === "undefined") return;
    // For each account, the token of the fragment that showed it oldest: the stream first
    // names every account whose counter moved since (its change went out before it listened).
    var oldest = {};
    fragments().forEach(function (el) {
      var token = tokenOf(el), counters = countersOf(token);
      Object.keys(counters).forEach(function (a) {
        if (!(a in oldest) || counters[a] < countersOf(oldest[a])[a]) oldest[a] = token;
      });
    });
    var accounts = Object.keys(oldest).sort().join(".");
    if (accounts === following && source !== null) return;
    stop();
    following = accounts;
    heard = {};
    asked = {};
    if (!accounts) return;
    var tokens = [];
    Object.keys(oldest).sort().forEach(function (a) {
      if (tokens.indexOf(oldest[a]) < 0) tokens.push(oldest[a]);
    });
    source = new EventSource(url + "?" + tokens.slice(0, 8).map(function (t) {
      return "live=" + encodeURIComponent(t);
    }).join("&"));
    source.addEventListener("change", function (event) { changed(event.data); });
    source.addEventListener("error", function () {
      // Reopen with the page's current tokens (the server ends a stream now and then).
      stop();
      following = "";
      clearTimeout(timer);
      timer = setTimeout(connect, 3000);
    });
  }

  document.addEventListener("DOMContentLoaded", connect);
  document.addEventListener("htmx:afterSettle", function () {
    connect();
    catchUp();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // A 204 or a failed request swaps nothing (no settle follows): the fragment keeps its
    // token, and asks again if that is behind (once per token).
    var xhr = event.detail.xhr;
    if (xhr && (xhr.status === 204 || !event.detail.successful)) setTimeout(catchUp, 0);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.elt._liveAt = Date.now();
  });
  window.addEventListener("pagehide", stop);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { following = ""; connect(); }
  });

  return {
    // Whether the page's event stream is open (then fragments poll only as a safety net).
    streaming: open,
    // Whether a fragment's own poll should run now (see console_tags.live_trigger).
    due: function (el) {
      if (!open() || !tokenOf(el)) return true;
      if (!el._liveAt) el._liveAt = Date.now();
      return Date.now() - el._liveAt >= fallbackMs();
    },
  };
})();
