/* Place autocomplete for inputs with data-place-autocomplete (the admin's organisation form and
   the partner search): suggestions from /api/v1/places show district and state, so that places
   of one name can be told apart. An ARIA 1.2 combobox: arrow keys move, Enter picks, Escape
   closes; without JavaScript the server resolves the typed text (with a choice step). */
(function () {
  "use strict";
  var counter = 0;

  function describe(item) {
    var where = [item.district && item.district.name, item.state && item.state.name].filter(Boolean).join(", ");
    return item.name + (item.designation ? ", " + item.designation : "") + (where ? " – " + where : "") + " (" + item.key + ")";
  }

  function attach(input) {
    var url = input.getAttribute("data-place-autocomplete");
    var form = input.form;
    var hidden = form && form.querySelector("input[type=hidden][name=schluessel]");
    var id = "place-options-" + (++counter);
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var items = [], active = -1, timer = null, last = "";
    list.id = id;
    list.className = "place-picker__options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      if (form && form.getAttribute("role") === "search") {
        input.value = item.name;
        if (!hidden) {
          hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "schluessel";
          form.appendChild(hidden);
        }
        hidden.value = item.key;
      } else {
        input.value = item.key;
      }
      status.textContent = describe(item) + " gewählt";
      close();
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = (index + options.length) % options.length;
      options.forEach(function (option, n) { option.setAttribute("aria-selected", n === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    function show(found) {
      items = found;
      list.innerHTML = "";
      found.forEach(function (item, n) {
        var option = document.createElement("li");
        option.id = id + "-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = describe(item);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(n); });
        list.appendChild(option);
      });
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      status.textContent = found.length ? found.length + " Orte gefunden" : "Kein Ort gefunden";
    }

    input.addEventListener("input", function () {
      if (hidden) hidden.value = "";
      var text = input.value.trim();
      clearTimeout(timer);
      if (text.length < 2 || text === last) { if (text.length < 2) close(); return; }
      timer = setTimeout(function () {
        last = text;
        fetch(url + "?limit=10&q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { items: [] }; })
          .then(function (body) { if (input.value.trim() === text) show(body.items || []); })
          .catch(function () { close(); });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-place-autocomplete]").forEach(attach);
  });
})();
