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
})();
