// Small behaviours that need no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // After htmx swaps in a form with errors, move focus to the first invalid field
  // (the swapped-out element is detached by then, so look in the document).
  document.addEventListener("htmx:afterSettle", function () {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid && document.activeElement !== invalid) invalid.focus();
  });

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
})();

// The papers' 「印刷する」 button (templates/paper_base.html).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
