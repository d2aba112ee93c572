// Selection on the map of leads: drag a rectangle, or click corners and send the shape.
// The server decides which leads fall inside (points in map pixels); htmx shows the list.
(function () {
  "use strict";
  var svg = document.getElementById("map-svg");
  var form = document.getElementById("map-select");
  if (!svg || !form) { return; }
  var field = form.querySelector("input[name=shape]");
  var outline = document.getElementById("map-shape");
  var done = document.getElementById("map-polygon");
  var clear = document.getElementById("map-clear");
  var corners = [];
  var start = null;
  var dragging = false;

  function at(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX;
    p.y = event.clientY;
    var q = p.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.round(q.x * 10) / 10, Math.round(q.y * 10) / 10];
  }
  function text(points) {
    return points.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
  }
  function show(points) {
    outline.setAttribute("points", text(points));
    done.disabled = corners.length < 3;
  }
  function send(points) {
    field.value = text(points);
    if (window.htmx) { window.htmx.trigger(form, "submit"); } else { form.submit(); }
  }
  function box(a, b) {
    return [[a[0], a[1]], [b[0], a[1]], [b[0], b[1]], [a[0], b[1]]];
  }
  svg.addEventListener("pointerdown", function (event) {
    if (event.target.closest && event.target.closest("a")) { return; }
    start = at(event);
    dragging = false;
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!start) { return; }
    var p = at(event);
    if (Math.abs(p[0] - start[0]) + Math.abs(p[1] - start[1]) > 6) { dragging = true; }
    if (dragging) { corners = []; show(box(start, p)); }
  });
  svg.addEventListener("pointerup", function (event) {
    if (!start) { return; }
    var p = at(event);
    if (dragging) {
      corners = [];
      var rectangle = box(start, p);
      show(rectangle);
      send(rectangle);
    } else {
      corners.push(start);
      show(corners);
    }
    start = null;
    dragging = false;
  });
  done.addEventListener("click", function () {
    if (corners.length >= 3) { send(corners); corners = []; done.disabled = true; }
  });
  // A refusal (purpose, area, a bad shape) comes back as a 4xx fragment: show it too.
  form.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  clear.addEventListener("click", function () {
    corners = [];
    show([]);
    document.getElementById("selection").textContent = "";
  });
}());
