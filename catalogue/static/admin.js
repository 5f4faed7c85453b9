// Progressive enhancement for the editing area. Everything works without this file:
// organisations are matched by name on the server, and "add entry" buttons round-trip.
(function () {
  "use strict";

  // Autocomplete: fill the shared <datalist> with organisations matching what is typed,
  // and when an existing one is chosen, fill the row's AGS, kind, state and district.
  function enhanceOrganisationInputs(form) {
    var url = form.getAttribute("data-suggest-url");
    var list = document.getElementById("organisation-suggestions");
    if (!url || !list) { return; }
    var known = {};
    var timer = null;

    function fillRow(input) {
      var match = known[input.value];
      if (!match) { return; }
      var prefix = input.id.replace(/-name$/, "");
      ["ags", "kind", "state", "district"].forEach(function (name) {
        var field = document.getElementById(prefix + "-" + name);
        if (field && !field.value) { field.value = match[name] || ""; }
        if (field && field.tagName === "SELECT" && match[name]) { field.value = match[name]; }
      });
    }

    form.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.hasAttribute("data-organisation")) { return; }
      fillRow(input);
      window.clearTimeout(timer);
      if (input.value.trim().length < 2) { return; }
      timer = window.setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(input.value.trim()), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (item) {
              known[item.name] = item;
              var option = document.createElement("option");
              option.value = item.name;
              option.label = [item.ags, item.district].filter(Boolean).join(" · ");
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest-url]"), enhanceOrganisationInputs);
    var summary = document.getElementById("fehler");
    if (summary) { summary.focus(); }
  });
})();
