// As-you-type suggestions for the search box, as an ARIA 1.2 combobox (WAI-ARIA Authoring
// Practices, "list autocomplete"), like the editing area's fields: the focus stays in the input,
// ArrowDown/ArrowUp move through the suggestions (aria-activedescendant), Enter opens the chosen
// one, Escape and leaving the field close the list, and the number of suggestions is announced.
// The page's texts come from data attributes, so English pages get English labels.
// Progressive: without this file the form simply submits.
(function () {
  "use strict";
  var form = document.querySelector("form.site-search[data-suggest-url]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var data = form.dataset;
  var listbox = document.createElement("ul");
  var status = document.createElement("div");
  var items = [], active = -1, timer = null, asked = 0;

  listbox.id = "site-search-suggestions";
  listbox.className = "site-search__suggestions";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", data.listboxLabel || "Vorschläge");
  listbox.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(listbox);
  form.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

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
      option.textContent = item.label;  // textContent: labels are never parsed as HTML
      option.lang = "de";  // names and titles are German content, also on English pages
      var kind = document.createElement("span");
      kind.className = "site-search__kind";
      kind.lang = document.documentElement.lang;
      kind.textContent = " · " + (data["kind" + item.kind.charAt(0).toUpperCase() + item.kind.slice(1)] || item.kind);
      option.appendChild(kind);
      listbox.appendChild(option);
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!found.length) { close(); status.textContent = ""; return; }
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = found.length === 1 ? data.countOne : (data.countMany || "{n}").replace("{n}", found.length);
  }

  function go(index) {
    var item = items[index];
    close();
    if (item && item.url) { window.location.href = item.url; }
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var value = input.value.trim();
    if (value.length < 2) { close(); return; }
    timer = window.setTimeout(function () {
      var ticket = ++asked;  // answers that arrive out of order are dropped
      fetch(form.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (ticket === asked) { show(Array.isArray(found) ? found : (found.items || [])); } })
        .catch(close);
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
      event.preventDefault();  // open the suggestion instead of searching for the typed text
      go(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  // Keep the focus in the input while a suggestion is clicked, then open it.
  listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
  listbox.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (option) { go(Array.prototype.indexOf.call(listbox.children, option)); }
  });
  input.addEventListener("blur", close);
}());
