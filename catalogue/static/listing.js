// List pages: the filters are folded by default so that on a phone the results come first;
// on a wide screen, where they sit beside the results, they start unfolded. Without this file
// the <details> simply starts folded everywhere and opens with a click.
(function () {
  "use strict";
  var panel = document.getElementById("filter-panel");
  if (panel && window.matchMedia && window.matchMedia("(min-width: 52rem)").matches) { panel.open = true; }
  // Empty boxes (the year range) stay out of the address: a shared link carries only choices.
  var form = panel ? panel.closest("form") : null;
  if (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (element) {
        if (element.name && (element.type === "number" || element.type === "search") && !element.value.trim()) { element.disabled = true; }
      });
    });
    // Coming back through the browser's history shows the page as it was left: enable them again.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (element) { element.disabled = false; });
    });
  }
}());
