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
// Invoice editor: pick a product while typing a line; a VAT case brings its usual rate.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-pick]");
    if (!pick) { return; }
    var i = pick.dataset.target;
    var set = function (name, value) {
      var input = document.getElementById("id_line-" + i + "-" + name);
      if (input && value !== undefined) { input.value = value; }
    };
    set("description", pick.dataset.description);
    set("unit", pick.dataset.unit);
    set("unit_price", pick.dataset.price);
    set("vat_case", pick.dataset.vatCase);
    set("vat_rate", pick.dataset.vatRate);
    pick.parentElement.innerHTML = "";
    var field = document.getElementById("id_line-" + i + "-quantity");
    if (field) { field.focus(); field.dispatchEvent(new Event("change", { bubbles: true })); }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.id || !/^id_line-\d+-vat_case$/.test(select.id)) { return; }
    var rate = document.getElementById(select.id.replace("vat_case", "vat_rate"));
    if (rate) { rate.value = select.value === "standard" ? "21" : "0"; }
  }, true);
})();
// Autosave feedback: "not saved yet" while a line is incomplete; hidden again after the next save.
document.body.addEventListener("kyte-unsaved", function () {
  var note = document.getElementById("unsaved");
  if (note) { note.hidden = false; }
});
document.body.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target && event.detail.target.id === "totals") {
    var note = document.getElementById("unsaved");
    if (note) { note.hidden = true; }
  }
});
