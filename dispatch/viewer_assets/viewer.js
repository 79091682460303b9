/* The plan viewer's script (dispatch/viewer.py inlines it; it loads nothing else).
 *
 * Reads the plan from the JSON element #plan-data, draws streets, routes, stops and places
 * in SVG (frame metres, y down), builds the side panel (KPIs, routes, stops of the
 * selected route, unassigned orders) and handles selection, zoom (wheel) and pan (drag).
 * Every text from the data goes in through textContent, never as markup.
 */
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("plan-data").textContent);
  var mapBox = document.getElementById("map");
  var panel = document.getElementById("panel");
  var selected = -1;

  function html(tag, attrs, text) {
    var node = document.createElement(tag);
    setAll(node, attrs);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAll(node, attrs);
    return node;
  }
  function setAll(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  }
  function swatch(colour) {
    // Through the CSSOM, not a style attribute: the page's CSP allows no inline styles.
    var span = html("span", { class: "swatch" });
    span.style.background = colour;
    return span;
  }
  function titled(node, text) {
    var t = svgEl("title");
    t.textContent = text;
    node.appendChild(t);
    return node;
  }
  function polyline(flat) {
    if (flat.length < 2) return "";
    var parts = ["M", flat[0], flat[1]];
    for (var i = 2; i < flat.length; i += 2) parts.push("L", flat[i], flat[i + 1]);
    return parts.join(" ");
  }

  // --- bounds of everything drawn --------------------------------------------------
  var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  function grow(flat) {
    for (var i = 0; i + 1 < flat.length; i += 2) {
      if (flat[i] < minX) minX = flat[i];
      if (flat[i] > maxX) maxX = flat[i];
      if (flat[i + 1] < minY) minY = flat[i + 1];
      if (flat[i + 1] > maxY) maxY = flat[i + 1];
    }
  }
  Object.keys(data.streets).forEach(function (k) { data.streets[k].forEach(grow); });
  data.routes.forEach(function (r) { grow(r.line); });
  data.places.forEach(function (p) { grow(p.xy); });
  data.unassigned.forEach(function (u) { if (u.xy) grow(u.xy); });
  if (!isFinite(minX)) { minX = -500; minY = -500; maxX = 500; maxY = 500; }
  var pad = Math.max(50, 0.03 * Math.max(maxX - minX, maxY - minY));
  var home = { x: minX - pad, y: minY - pad, w: maxX - minX + 2 * pad, h: maxY - minY + 2 * pad };
  var view = { x: home.x, y: home.y, w: home.w, h: home.h };

  // --- the map ----------------------------------------------------------------------
  var svg = svgEl("svg", { id: "map-svg", role: "img", "aria-label": "plan map",
    preserveAspectRatio: "xMidYMid meet" });
  var streets = svgEl("g", { class: "streets" });
  ["footpath", "street", "arterial"].forEach(function (k) {
    var lines = data.streets[k] || [];
    if (!lines.length) return;
    streets.appendChild(svgEl("path", { class: k, d: lines.map(polyline).join(" ") }));
  });
  var placesLayer = svgEl("g", { class: "places" });
  var routesLayer = svgEl("g", { class: "routes" });
  var stopsLayer = svgEl("g", { class: "stops" });
  var labelsLayer = svgEl("g", { class: "labels" });
  svg.appendChild(streets);
  svg.appendChild(placesLayer);
  svg.appendChild(routesLayer);
  svg.appendChild(stopsLayer);
  svg.appendChild(labelsLayer);

  // Markers are drawn in screen pixels around (0, 0) and placed with a transform that
  // undoes the zoom, so they keep their size.
  var SHAPES = {
    "micro-warehouse": "M-6-6H6V6H-6Z",
    "store": "M0-5L5 4H-5Z",
    "depot": "M-5 0L0-5L5 0L0 5Z",
    "pickup point": "M-4.5 0A4.5 4.5 0 1 0 4.5 0A4.5 4.5 0 1 0-4.5 0Z",
    "stop": "M-3.5 0A3.5 3.5 0 1 0 3.5 0A3.5 3.5 0 1 0-3.5 0Z",
    "unassigned": "M-4-4L4 4M-4 4L4-4"
  };
  var markers = [];
  function marker(layer, kind, xy, cls, title) {
    var node = svgEl("path", { d: SHAPES[kind], class: "marker " + cls });
    node.__xy = xy;
    titled(node, title);
    layer.appendChild(node);
    markers.push(node);
    return node;
  }
  data.places.forEach(function (p) {
    var cls = p.kind.replace(/ /g, "-") + (p.used ? " used" : "");
    marker(placesLayer, p.kind, p.xy, cls, p.kind + " " + p.id + (p.note ? " (" + p.note + ")" : ""));
  });
  data.unassigned.forEach(function (u) {
    if (!u.xy) return;
    marker(placesLayer, "unassigned", u.xy, "unassigned",
      "unassigned " + u.order + ": " + u.reason + " (" + u.detail + ")");
  });
  var routePaths = data.routes.map(function (r, i) {
    var path = svgEl("path", { class: "route", d: polyline(r.line), stroke: r.colour,
      "data-route": String(i), "data-courier": r.courier });
    titled(path, r.courier + " · " + r.flow + " · " + r.stops.length + " stops · " +
      r.start + "–" + r.end + " · " + r.km + " km");
    path.addEventListener("click", function (e) { e.stopPropagation(); select(i); });
    routesLayer.appendChild(path);
    return path;
  });
  var stopMarkers = data.routes.map(function (r, i) {
    return r.stops.map(function (s) {
      var node = marker(stopsLayer, "stop", s.xy, "stop",
        r.courier + " #" + s.seq + " " + s.eta + " " + s.action + " " + s.place);
      node.setAttribute("fill", r.colour);
      node.setAttribute("data-route", String(i));
      node.addEventListener("click", function (e) { e.stopPropagation(); select(i); });
      return node;
    });
  });
  mapBox.appendChild(svg);

  function unitsPerPixel() {
    var rect = svg.getBoundingClientRect();
    if (!rect.width || !rect.height) return view.w / 800;
    return Math.max(view.w / rect.width, view.h / rect.height);
  }
  function place(node, xy, u) {
    node.setAttribute("transform", "translate(" + xy[0] + " " + xy[1] + ") scale(" + u + ")");
  }
  function redraw() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    var u = unitsPerPixel();
    markers.forEach(function (m) { place(m, m.__xy, u); });
    Array.prototype.forEach.call(labelsLayer.childNodes, function (t) { place(t, t.__xy, u); });
  }

  // Zoom on the wheel around the pointer; drag to pan; double-click to reset.
  function toUser(clientX, clientY) {
    var rect = svg.getBoundingClientRect();
    var u = unitsPerPixel();
    var cx = view.x + view.w / 2 + (clientX - rect.left - rect.width / 2) * u;
    var cy = view.y + view.h / 2 + (clientY - rect.top - rect.height / 2) * u;
    return [cx, cy];
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var at = toUser(e.clientX, e.clientY);
    var k = Math.exp(Math.max(-1, Math.min(1, e.deltaY / 300)));
    var w = Math.min(home.w * 4, Math.max(20, view.w * k));
    k = w / view.w;
    view.x = at[0] - (at[0] - view.x) * k;
    view.y = at[1] - (at[1] - view.y) * k;
    view.w *= k;
    view.h *= k;
    redraw();
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) { drag.moved = true; svg.classList.add("panning"); }
    var u = unitsPerPixel();
    view.x = drag.vx - dx * u;
    view.y = drag.vy - dy * u;
    redraw();
  });
  var justDragged = false;
  window.addEventListener("pointerup", function () {
    if (drag && drag.moved) {
      // A drag is not a click: the click that follows it (same task) is swallowed.
      justDragged = true;
      window.setTimeout(function () { justDragged = false; }, 0);
    }
    drag = null;
    svg.classList.remove("panning");
  });
  svg.addEventListener("click", function (e) {
    if (justDragged) e.stopPropagation();
  }, true);
  svg.addEventListener("click", function () { select(-1); });
  svg.addEventListener("dblclick", function () {
    view = { x: home.x, y: home.y, w: home.w, h: home.h };
    redraw();
  });
  window.addEventListener("resize", redraw);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") select(-1); });

  // --- the panel ----------------------------------------------------------------------
  function table(headers, rows, numeric) {
    var t = html("table");
    var head = html("tr");
    headers.forEach(function (h, i) { head.appendChild(html("th", numeric && numeric[i] ? { class: "num" } : null, h)); });
    t.appendChild(html("thead")).appendChild(head);
    var body = html("tbody");
    rows.forEach(function (row) {
      var tr = html("tr");
      row.forEach(function (cell, i) { tr.appendChild(html("td", numeric && numeric[i] ? { class: "num" } : null, cell)); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function legendItem(kind, cls, label) {
    var span = html("span");
    var icon = svgEl("svg", { width: "14", height: "14", viewBox: "-7 -7 14 14" });
    icon.appendChild(svgEl("path", { d: SHAPES[kind], class: "marker " + cls }));
    span.appendChild(icon);
    span.appendChild(document.createTextNode(label));
    return span;
  }

  panel.appendChild(html("h1", null, data.title));
  var served = data.kpis.length ? data.kpis[0][1] : "";
  panel.appendChild(html("p", { class: "sub" }, data.routes.length + " routes · " + served + " orders served"));
  var legend = html("div", { class: "legend" });
  legend.appendChild(legendItem("micro-warehouse", "micro-warehouse", "micro-warehouse"));
  legend.appendChild(legendItem("store", "store", "store"));
  legend.appendChild(legendItem("pickup point", "pickup-point used", "pickup point with orders"));
  legend.appendChild(legendItem("pickup point", "pickup-point", "pickup point"));
  legend.appendChild(legendItem("depot", "depot", "depot"));
  legend.appendChild(legendItem("unassigned", "unassigned", "unassigned order"));
  panel.appendChild(legend);
  panel.appendChild(html("p", { class: "hint" },
    "Click a route on the map or in the list to see its stops; wheel to zoom, drag to pan, double-click to reset."));

  panel.appendChild(html("h2", null, "Routes"));
  var routeTable = table(["courier", "flow", "stops", "start", "end", "km", "late"], [],
    [false, false, true, true, true, true, true]);
  routeTable.id = "route-list";
  var routeRows = data.routes.map(function (r, i) {
    var tr = html("tr", { class: "route-row", "data-route": String(i) });
    var first = html("td");
    first.appendChild(swatch(r.colour));
    first.appendChild(document.createTextNode(r.courier));
    tr.appendChild(first);
    tr.appendChild(html("td", null, r.flow));
    [r.stops.length, r.start, r.end, r.km.toFixed(1), r.late].forEach(function (v) {
      tr.appendChild(html("td", { class: "num" }, v));
    });
    tr.addEventListener("click", function () { select(i); });
    routeTable.tBodies[0].appendChild(tr);
    return tr;
  });
  panel.appendChild(routeTable);
  if (!data.routes.length) panel.appendChild(html("p", { class: "hint" }, "No routes in this plan."));

  var stopsBox = html("section", { id: "stops" });
  stopsBox.hidden = true;
  panel.appendChild(stopsBox);

  panel.appendChild(html("h2", null, "Key figures"));
  panel.appendChild(table(["", ""], data.kpis));
  panel.appendChild(html("h2", null, "Orders by flow"));
  panel.appendChild(table(data.flows.headers, data.flows.rows,
    data.flows.headers.map(function (_, i) { return i > 0; })));

  panel.appendChild(html("h2", null, "Unassigned orders (" + data.unassigned.length + ")"));
  if (data.unassigned.length) {
    var unTable = table(["order", "flow", "reason", "detail"],
      data.unassigned.map(function (u) { return [u.order, u.flow, u.reason, u.detail]; }));
    unTable.id = "unassigned-list";
    panel.appendChild(unTable);
  } else {
    panel.appendChild(html("p", { class: "hint" }, "Every order is served."));
  }

  function showStops(i) {
    stopsBox.textContent = "";
    while (labelsLayer.firstChild) labelsLayer.removeChild(labelsLayer.firstChild);
    if (i < 0) { stopsBox.hidden = true; return; }
    var r = data.routes[i];
    var h = html("h2");
    h.appendChild(swatch(r.colour));
    h.appendChild(document.createTextNode("Stops of " + r.courier + " (" + r.flow + ", " +
      r.start + "–" + r.end + ", " + r.km.toFixed(1) + " km)"));
    var close = html("button", { type: "button", id: "clear-selection" }, "show all");
    close.addEventListener("click", function () { select(-1); });
    h.appendChild(close);
    stopsBox.appendChild(h);
    var t = table(["#", "ETA", "action", "place", "orders", "late"], [],
      [true, true, false, false, false, true]);
    t.id = "stop-list";
    r.stops.forEach(function (s) {
      var tr = html("tr", { class: "stop-row" + (s.late_min > 0 ? " late" : "") });
      // A trunk stop hands over every order of a pickup point: the first few, and the
      // whole list on hover.
      var shown = s.orders.length > 4
        ? s.orders.slice(0, 3).join(" ") + " +" + (s.orders.length - 3) + " more"
        : s.orders.join(" ");
      [s.seq, s.eta, s.action, s.kind + " " + s.place, shown,
        s.late_min > 0 ? s.late_min + " min" : ""].forEach(function (v, k) {
        var td = html("td", k === 0 || k === 1 || k === 5 ? { class: "num" } : null, v);
        if (k === 4 && s.orders.length > 4) td.title = s.orders.join(" ");
        tr.appendChild(td);
      });
      t.tBodies[0].appendChild(tr);
    });
    // One label per place: the sequence numbers of every stop there ("3,4,5").
    var byPlace = {};
    r.stops.forEach(function (s) {
      var key = s.xy[0] + "," + s.xy[1];
      if (!byPlace[key]) {
        byPlace[key] = { xy: s.xy, seqs: [] };
        var label = svgEl("text", { class: "stop-label", x: "5", y: "-5" });
        label.__xy = s.xy;
        labelsLayer.appendChild(label);
        byPlace[key].label = label;
      }
      byPlace[key].seqs.push(s.seq);
      byPlace[key].label.textContent = byPlace[key].seqs.join(",");
    });
    stopsBox.appendChild(t);
    stopsBox.hidden = false;
  }

  function select(i) {
    if (i === selected && i >= 0) i = -1;
    selected = i;
    svg.classList.toggle("has-selection", i >= 0);
    routePaths.forEach(function (p, k) { p.classList.toggle("selected", k === i); });
    routeRows.forEach(function (tr, k) { tr.classList.toggle("selected", k === i); });
    stopMarkers.forEach(function (list, k) {
      list.forEach(function (m) { m.classList.toggle("selected", k === i); });
    });
    if (i >= 0) routesLayer.appendChild(routePaths[i]);  // draw it on top
    showStops(i);
    redraw();
    if (i >= 0 && stopsBox.scrollIntoView) stopsBox.scrollIntoView({ block: "nearest" });
  }

  redraw();
  document.body.setAttribute("data-ready", "true");
})();
