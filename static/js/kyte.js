// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dismiss]");
    if (close) { close.parentElement.remove(); return; }
    // Close open menus when clicking elsewhere.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        menu.querySelector("summary").focus();
      });
    }
  });
  // After an HTMX swap, move focus to the first field with an error so screen readers announce it.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.detail.target.querySelector(".has-error input, .has-error select");
    if (invalid) { invalid.focus(); }
  });
  // HTMX swaps 2xx only by default; our forms answer 422 with the form and its errors.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
})();
