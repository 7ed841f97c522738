// Small behaviours that need no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // -- After an htmx form post: focus its result and bring it into view ------------------
  // The answer of a form (its errors, a confirmation step, 「採点を保存しました」, a panel
  // saying what happened) may be far from where the button was. Once it is settled, focus
  // the first invalid field, else the first role=alert, else the first role=status in what
  // was swapped in (made focusable with tabindex=-1), and scroll it to the middle. Only for
  // requests made by a form (or its buttons): hints and the autosave line, which update
  // while someone types, never take the focus.
  var focusAfterSettle = false;

  function fromForm(elt) {
    return !!elt && (elt.tagName === "FORM" || (elt.form && elt.type === "submit"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (fromForm(event.detail.elt)) focusAfterSettle = true;
  });
  document.addEventListener("htmx:sendError", function () {
    focusAfterSettle = false;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 204) focusAfterSettle = false; // nothing swapped (a redirect)
  });

  function resultIn(container) {
    return (
      container.querySelector("[aria-invalid='true']") ||
      container.querySelector("[role='alert']") ||
      container.querySelector("[role='status']")
    );
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusAfterSettle) return;
    var settled = event.target;
    // The swapped-out element may be detached by now: then look in the document.
    var container = settled && settled.isConnected ? settled : document;
    var result =
      (container.matches && container.matches("[role='alert'], [role='status']") && container) ||
      resultIn(container);
    if (!result) return;
    focusAfterSettle = false;
    if (result.getAttribute("aria-invalid") !== "true" && !result.hasAttribute("tabindex")) {
      result.setAttribute("tabindex", "-1");
    }
    result.focus({ preventScroll: true });
    result.scrollIntoView({ block: "center" });
  });

  // After a post that led to a new page (a redirect, or htmx's HX-Redirect), its message
  // at the top of the page (role=status) takes the focus, so that it is read out.
  var flash = document.querySelector("#flash .flash");
  if (flash && (!document.activeElement || document.activeElement === document.body)) {
    flash.setAttribute("tabindex", "-1");
    flash.focus();
  }

  // -- A confirmation step loaded into a <dialog> (htmx) ---------------------------------
  // Without JavaScript the button is a link to the step's own page; with htmx the step's
  // form is loaded into the page's dialog and shown modal (Escape closes it, and its
  // 「やめる」 link, data-close-dialog, closes it instead of leaving the page).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.tagName === "DIALOG" && !target.open) {
      target.showModal();
      var status = target.querySelector("[role='status']");
      if (status) status.focus();
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-close-dialog]");
    var dialog = link && link.closest("dialog[open]");
    if (!dialog) return;
    event.preventDefault();
    dialog.close();
  });
  document.addEventListener(
    "close",
    function (event) {
      // Empty the dialog when it closes, so a stale step is never shown or posted again.
      if (event.target.id === "confirm-dialog") event.target.textContent = "";
    },
    true
  );

  // Plain forms may ask for confirmation with data-confirm="...".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // The main menu: on a phone it folds behind its メニュー button; a group (事務局, 管理)
  // closes when another opens, on Escape, and on a click elsewhere.
  function setUpMenu() {
    var nav = document.querySelector(".site-nav");
    if (!nav || nav.classList.contains("is-collapsible")) return;
    var toggle = nav.querySelector(".site-nav__toggle");
    if (toggle) {
      toggle.hidden = false;
      nav.classList.add("is-collapsible");
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    var groups = nav.querySelectorAll(".site-nav__group details");
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) return;
        groups.forEach(function (other) { if (other !== group) other.open = false; });
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) { if (!group.contains(event.target)) group.open = false; });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      groups.forEach(function (group) {
        if (group.open) { group.open = false; group.querySelector("summary").focus(); }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpMenu);
  else setUpMenu();

  // -- Unsaved changes ------------------------------------------------------------------
  // A form marked data-unsaved-warning asks before the page is left while it holds changes
  // not yet saved: beforeunload is listened to only while one does. Its own submit and a
  // successful autosave (data-autosave, unless more was typed meanwhile) count as saved.
  var edits = {}; // form id -> changes typed so far
  var unsaved = {}; // form id -> true while changes are not saved

  function warn(event) {
    event.preventDefault();
    event.returnValue = "";
  }

  function update() {
    var any = Object.keys(unsaved).some(function (id) {
      return unsaved[id];
    });
    if (any) window.addEventListener("beforeunload", warn);
    else window.removeEventListener("beforeunload", warn);
  }

  function guardedForm(elt) {
    var form = elt && (elt.form || (elt.closest && elt.closest("form")));
    return form && form.id && form.hasAttribute("data-unsaved-warning") ? form : null;
  }

  function changed(event) {
    var form = guardedForm(event.target);
    if (!form) return;
    edits[form.id] = (edits[form.id] || 0) + 1;
    unsaved[form.id] = true;
    update();
  }
  document.addEventListener("input", changed); // typing, and choosing in selects and boxes

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-unsaved-warning")) return;
    // Leaving now is the save itself (htmx has prevented the plain post by now and sends
    // it itself; a refusal marks the form unsaved again below).
    unsaved[form.id] = false;
    update();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.hasAttribute("data-autosave")) return;
    if (elt.querySelector("[data-autosave-stopped]")) {
      event.preventDefault(); // after a conflict: no more autosaves on this page
      return;
    }
    var form = guardedForm(elt);
    elt.dataset.sentAt = form ? String(edits[form.id] || 0) : "";
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var form = guardedForm(elt);
    if (!form) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var saved = status >= 200 && status < 300;
    if (elt.hasAttribute("data-autosave")) {
      if (saved && elt.dataset.sentAt === String(edits[form.id] || 0)) unsaved[form.id] = false;
    } else if (elt === form && !saved) {
      unsaved[form.id] = true; // the save was refused: what was typed is still unsaved
    }
    update();
  });
})();

// The papers' 「印刷する」 button (templates/paper_base.html).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
