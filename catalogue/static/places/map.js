/* Interactive maps (Leaflet, served from /static/vendor): the same GeoJSON the server drew as
   SVG. No tile layer unless the operator configured one (MAP_TILE_URL): by default no request
   leaves the site. Keyboard: the map takes focus (arrow keys pan, + and - zoom), every marker is
   a focusable button whose Enter opens its link; the text list below the map stays. */
(function () {
  "use strict";

  var STYLE = {
    focus: { color: "#1d4f91", weight: 2, fillColor: "#b9d3ee", fillOpacity: 0.7 },
    context: { color: "#7a808a", weight: 0.8, fillColor: "#e3e7ec", fillOpacity: 0.8 }
  };

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement(properties.url ? "a" : "strong");
    title.textContent = properties.label;
    if (properties.url) title.href = properties.url;
    box.appendChild(title);
    if (properties.note) box.appendChild(document.createTextNode(" (" + properties.note + ")"));
    return box;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-map"));
    var figure = canvas.closest("figure");
    var svg = canvas.querySelector("svg");
    var data = JSON.parse(source.textContent);
    var holder = document.createElement("div");
    holder.className = "place-map__leaflet";
    holder.setAttribute("role", "region");
    holder.setAttribute("aria-label", (svg.querySelector("title") || {}).textContent + " – interaktiv: Pfeiltasten verschieben, Plus und Minus zoomen, Tab führt zu den Orten");
    canvas.appendChild(holder);
    svg.setAttribute("hidden", "");
    canvas.classList.add("is-interactive");

    var map = L.map(holder, { zoomSnap: 0.25, keyboard: true, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    var credit = document.createElement("span");
    credit.innerHTML = '<a href="https://www.bkg.bund.de">© GeoBasis-DE / BKG 2021 (Daten verändert)</a>, © Statistisches Bundesamt (Destatis)';
    map.attributionControl.addAttribution(credit.innerHTML);
    var tiles = figure.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: figure.getAttribute("data-tiles-attribution") || "", maxZoom: 18 }).addTo(map);
    }
    var shapes = data.features.filter(function (f) { return f.geometry.type !== "Point"; });
    var points = data.features.filter(function (f) { return f.geometry.type === "Point"; });
    var areas = L.geoJSON({ type: "FeatureCollection", features: shapes }, {
      style: function (f) { return STYLE[f.properties.role] || STYLE.context; },
      onEachFeature: function (f, layer) { if (f.properties.label) layer.bindTooltip(f.properties.label, { sticky: true }); }
    });
    // The view first: Leaflet projects circles and markers only on a map that has one.
    var bounds = areas.getLayers().length ? areas.getBounds() : L.latLngBounds([]);
    if (data.circle) bounds.extend(L.latLng(data.circle.lat, data.circle.lon).toBounds(data.circle.radius_km * 2000));
    points.forEach(function (f) { bounds.extend([f.geometry.coordinates[1], f.geometry.coordinates[0]]); });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 12 });
    else map.setView([51.2, 10.4], 5);
    areas.addTo(map);
    if (data.circle) {
      L.circle([data.circle.lat, data.circle.lon], { radius: data.circle.radius_km * 1000, color: "#1d4f91", weight: 1.5, dashArray: "6 4", fill: false }).addTo(map);
    }
    points.forEach(function (f) {
      var p = f.properties, lat = f.geometry.coordinates[1], lon = f.geometry.coordinates[0];
      var size = p.count ? Math.min(40, 12 + 5 * Math.sqrt(p.count)) : 16;
      var icon = L.divIcon({ className: "place-map__pin place-map__pin--" + p.role, iconSize: [size, size],
                             html: p.count ? "<span>" + p.count + "</span>" : "" });
      var label = p.label + (p.note ? " (" + p.note + ")" : "");
      L.marker([lat, lon], { icon: icon, title: label, alt: label, keyboard: true }).bindPopup(popup(p)).addTo(map);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) return;  // the SVG map stays
    document.querySelectorAll(".place-map__canvas[data-map]").forEach(draw);
  });
})();
