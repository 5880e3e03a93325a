// The static explorer's behaviour (vaecore/book/explore/static.py): show the precomputed
// frame for the controls' setting. Runs once per explorer, from a <script> inside it.
(function (root) {
  var data = JSON.parse(root.querySelector("script.vx-data").textContent);
  var img = root.querySelector("img.vx-image"), out = root.querySelector(".vx-readout");
  var reset = root.querySelector("button.vx-reset"), mid = (data.steps - 1) / 2, last = data.steps - 1;
  function paint(frame, text, control) {
    img.src = "data:image/png;base64," + frame;
    out.textContent = text;
    control.setAttribute("aria-valuetext", text);
  }
  if (data.mode === "dims") {
    var dim = root.querySelector("select.vx-dim"), val = root.querySelector("input.vx-value");
    var showDim = function () {
      var d = data.dims[+dim.value], i = +val.value;
      paint(d.frames[i], d.readouts[i], val);
    };
    dim.addEventListener("change", function () { val.value = mid; showDim(); });
    val.addEventListener("input", showDim);
    reset.addEventListener("click", function () { dim.value = 0; val.value = mid; showDim(); });
  } else {
    var xs = root.querySelector("input.vx-x"), ys = root.querySelector("input.vx-y");
    var pad = root.querySelector("svg.vx-pad"), marker = pad.querySelector(".vx-marker");
    var showPad = function () {
      var i = +xs.value, j = +ys.value, k = j * data.steps + i;
      marker.setAttribute("cx", i / last);
      marker.setAttribute("cy", 1 - j / last);
      paint(data.frames[k], data.readouts[k], pad);
    };
    var moveTo = function (e) {
      var r = pad.getBoundingClientRect();
      xs.value = Math.round((e.clientX - r.left) / r.width * last);
      ys.value = Math.round((1 - (e.clientY - r.top) / r.height) * last);
      showPad();
    };
    xs.addEventListener("input", showPad);
    ys.addEventListener("input", showPad);
    pad.addEventListener("pointerdown", function (e) { pad.setPointerCapture(e.pointerId); moveTo(e); });
    pad.addEventListener("pointermove", function (e) { if (e.buttons) { moveTo(e); } });
    pad.addEventListener("keydown", function (e) {
      var step = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[e.key];
      if (!step) { return; }
      e.preventDefault();
      xs.value = +xs.value + step[0];
      ys.value = +ys.value + step[1];
      showPad();
    });
    reset.addEventListener("click", function () { xs.value = mid; ys.value = mid; showPad(); });
  }
  root.setAttribute("data-ready", "true");
})(document.currentScript.parentElement);
