// Progressive enhancement for the editing area. Everything works without this file:
// organisations are matched by name on the server, keywords come from a native <datalist>,
// and the "add" buttons round-trip to the server.
(function () {
  "use strict";

  var status = null;

  // One polite live region for the whole page: suggestion counts and "added" messages.
  function announce(text) {
    if (!status) {
      status = document.createElement("div");
      status.className = "visually-hidden";
      status.setAttribute("aria-live", "polite");
      status.id = "admin-status";
      document.body.appendChild(status);
    }
    status.textContent = text;
  }

  // An ARIA 1.2 combobox (WAI-ARIA Authoring Practices, "list autocomplete") on an existing
  // text input: the input keeps its label, name, error description and free text; ArrowDown
  // and ArrowUp move through the suggestions, Enter takes one, Escape closes the list.
  // A native <datalist> cannot be reached this way by every screen reader or be tested.
  function combobox(input, source, choose) {
    var listbox = document.createElement("ul");
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    listbox.id = input.id + "-vorschlaege";
    listbox.className = "combobox__list";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Vorschläge");
    listbox.hidden = true;
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("autocomplete", "off");
    input.insertAdjacentElement("afterend", listbox);
    input.parentNode.classList.add("combobox");

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.children;
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      Array.prototype.forEach.call(options, function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function show(found) {
      items = found;
      listbox.textContent = "";
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        if (item.detail) {
          var detail = document.createElement("span");
          detail.className = "combobox__detail";
          detail.textContent = " " + item.detail;
          option.appendChild(detail);
        }
        listbox.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!found.length) { close(); return; }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      announce(found.length === 1 ? "1 Vorschlag, mit Pfeil nach unten auswählen."
        : found.length + " Vorschläge, mit Pfeil nach unten auswählen.");
    }

    function take(index) {
      var item = items[index];
      input.value = item.label;
      close();
      if (choose) { choose(item); }
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) { close(); return; }
      var ticket = ++asked;
      timer = window.setTimeout(function () {
        source(query, function (found) {
          if (ticket === asked) { show(found); }  // an older, slower answer must not win
        });
      }, 150);
    });

    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        if (!open) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(active + 1);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();  // take the suggestion; do not submit the form
        take(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });

    // Keep the focus in the input while a suggestion is clicked.
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { take(Array.prototype.indexOf.call(listbox.children, option)); }
    });
    input.addEventListener("blur", close);
  }

  // Partners: suggestions from the organisations already in the catalogue; choosing one
  // fills the row's AGS, kind, state and district with that organisation's facts.
  function enhanceOrganisationInputs(form) {
    var url = form.getAttribute("data-suggest-url");
    if (!url) { return; }

    function source(query, done) {
      fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) {
          done(found.map(function (organisation) {
            return {
              label: organisation.name, organisation: organisation,
              detail: [organisation.ags, organisation.district].filter(Boolean).join(" · "),
            };
          }));
        })
        .catch(function () { done([]); });  // suggestions are optional
    }

    Array.prototype.forEach.call(form.querySelectorAll("[data-organisation]"), function (input) {
      var prefix = input.id.replace(/-name$/, "");
      combobox(input, source, function (item) {
        ["ags", "kind", "state", "district"].forEach(function (name) {
          var field = document.getElementById(prefix + "-" + name);
          if (field && field !== input) { field.value = item.organisation[name] || ""; }
        });
        announce("„" + item.label + "“ gewählt; AGS, Art, Land und Kreis übernommen.");
      });
    });
  }

  // Keywords: the picker suggests the existing keywords (the server-rendered datalist);
  // taking one, "Hinzufügen" or Enter adds it to the comma-separated field.
  function enhanceKeywordPicker(form) {
    var picker = form.querySelector("[data-keyword-pick]");
    var button = form.querySelector("[data-add-keyword]");
    var target = form.querySelector("#keywords");
    var list = document.getElementById("keyword-suggestions");
    if (!picker || !button || !target) { return; }
    var names = list ? Array.prototype.map.call(list.options, function (option) { return option.value; }) : [];

    function add() {
      var picked = picker.value.trim();
      if (!picked) { return; }
      var present = target.value.split(/[,;\n]/).map(function (name) { return name.trim(); })
        .filter(function (name) { return name; });
      var known = present.some(function (name) { return name.toLowerCase() === picked.toLowerCase(); });
      if (!known) { present.push(picked); }
      target.value = present.join(", ");
      picker.value = "";
      announce(known ? "„" + picked + "“ ist schon eingetragen." : "„" + picked + "“ hinzugefügt.");
      picker.focus();
    }

    combobox(picker, function (query, done) {
      var needle = query.toLowerCase();
      done(names.filter(function (name) { return name.toLowerCase().indexOf(needle) !== -1; })
        .slice(0, 10).map(function (name) { return { label: name }; }));
    }, add);
    button.addEventListener("click", function (event) { event.preventDefault(); add(); });
    picker.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.defaultPrevented) { event.preventDefault(); add(); }
    });
  }

  // The error summary takes the focus; its links put the focus into the field they name
  // (a plain fragment link would only scroll); a row or list anchor focuses its first control.
  function enhanceErrorSummary(summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      var control = target.matches("input, select, textarea, button") ? target
        : target.querySelector("input:not([type=hidden]), select, textarea, button");
      if (control) {
        event.preventDefault();
        control.focus();
        control.scrollIntoView({ block: "center" });
      }
    });
  }

  // The sticky save bar must not hide the field that has the focus (WCAG 2.4.11). The CSS
  // scroll padding covers fields the browser scrolls to; one already partly on screen is not
  // scrolled, so move the page by what the bar covers of it.
  function keepFocusClearOfSaveBar(form) {
    var bar = form.querySelector(".form-actions");
    if (!bar) { return; }
    form.addEventListener("focusin", function (event) {
      if (bar.contains(event.target)) { return; }
      var field = event.target.getBoundingClientRect();
      var top = bar.getBoundingClientRect().top;
      if (field.bottom > top - 8) {
        window.scrollBy(0, Math.min(field.bottom - top + 16, field.top - 16));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form .form-actions"), function (bar) { keepFocusClearOfSaveBar(bar.closest("form")); });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest-url]"), enhanceOrganisationInputs);
    Array.prototype.forEach.call(document.querySelectorAll("form.admin-form"), enhanceKeywordPicker);
    var summary = document.getElementById("fehler");
    if (summary) { enhanceErrorSummary(summary); }
  });
})();
