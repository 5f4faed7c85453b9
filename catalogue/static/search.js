// As-you-type suggestions for the search box. Progressive: without this file the form simply submits.
(function () {
  "use strict";
  var form = document.querySelector("form.site-search[data-suggest-url]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "site-search__suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-autocomplete", "list");
  var kinds = { project: "Projekt", keyword: "Stichwort", organisation: "Organisation" };
  var timer = null, latest = 0;

  function clear() { list.hidden = true; list.textContent = ""; input.setAttribute("aria-expanded", "false"); }

  function show(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.label;  // textContent: labels are never parsed as HTML
      var kind = document.createElement("span");
      kind.className = "site-search__kind";
      kind.textContent = " · " + (kinds[item.kind] || item.kind);
      a.appendChild(kind);
      li.setAttribute("role", "option");
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var value = input.value.trim();
    if (value.length < 2) { clear(); return; }
    timer = setTimeout(function () {
      var ticket = ++latest;  // answers that arrive out of order are dropped
      fetch(form.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (data) { if (ticket === latest) { show(Array.isArray(data) ? data : (data.items || [])); } })
        .catch(clear);
    }, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { clear(); }
    if (event.key === "ArrowDown" && !list.hidden) { event.preventDefault(); list.querySelector("a").focus(); }
  });
  list.addEventListener("keydown", function (event) {
    var current = document.activeElement.parentNode;
    if (event.key === "ArrowDown" && current.nextSibling) { event.preventDefault(); current.nextSibling.firstChild.focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (current.previousSibling ? current.previousSibling.firstChild : input).focus(); }
    if (event.key === "Escape") { clear(); input.focus(); }
  });
  document.addEventListener("click", function (event) { if (!form.contains(event.target)) { clear(); } });
}());
