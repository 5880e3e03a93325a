// The static explorer's behaviour (vaecore/book/explore/static.py): show the precomputed
// frame for the controls' setting. Runs once per explorer, from a <script> inside it.
// In the built book, where the chapter's decoder was exported (vaecore/book/explore/web.py), the
// reader's first move loads explorer-live.mjs, which from then on decodes every setting in the
// page, between the grid's points too; until it answers, and without WebAssembly, frames.
(function (root) {
  var data = JSON.parse(root.querySelector("script.vx-data").textContent);
  var img = root.querySelector("img.vx-image"), out = root.querySelector(".vx-readout");
  var reset = root.querySelector("button.vx-reset"), mid = (data.steps - 1) / 2, last = data.steps - 1;
  var live = null;  // the page's own decoder, once loaded: live.show(a, b, control)
  function paint(frame, text, control) {
    img.src = "data:image/png;base64," + frame;
    out.textContent = text;
    control.setAttribute("aria-valuetext", text);
  }
  // Show setting (a, b): (chooser entry, slider position) or (x, y) on the pad, in grid steps.
  function show(a, b, control) {
    if (live) { live.show(a, b, control); return; }
    a = Math.round(a); b = Math.round(b);
    if (data.mode === "dims") { paint(data.dims[a].frames[b], data.dims[a].readouts[b], control); }
    else { paint(data.frames[b * data.steps + a], data.readouts[b * data.steps + a], control); }
  }
  var grid = function (value) { return live ? value : Math.round(value); };
  var refresh;
  if (data.mode === "dims") {
    var dim = root.querySelector("select.vx-dim"), val = root.querySelector("input.vx-value");
    refresh = function () { show(+dim.value, +val.value, val); };
    dim.addEventListener("change", function () { val.value = mid; refresh(); });
    val.addEventListener("input", refresh);
    reset.addEventListener("click", function () { dim.value = 0; val.value = mid; refresh(); });
  } else {
    var xs = root.querySelector("input.vx-x"), ys = root.querySelector("input.vx-y");
    var pad = root.querySelector("svg.vx-pad"), marker = pad.querySelector(".vx-marker");
    refresh = function () {
      marker.setAttribute("cx", +xs.value / last);
      marker.setAttribute("cy", 1 - +ys.value / last);
      show(+xs.value, +ys.value, pad);
    };
    var moveTo = function (e) {
      var r = pad.getBoundingClientRect();
      xs.value = grid(Math.min(Math.max((e.clientX - r.left) / r.width, 0), 1) * last);
      ys.value = grid(Math.min(Math.max(1 - (e.clientY - r.top) / r.height, 0), 1) * last);
      refresh();
    };
    xs.addEventListener("input", refresh);
    ys.addEventListener("input", refresh);
    pad.addEventListener("pointerdown", function (e) { pad.setPointerCapture(e.pointerId); moveTo(e); });
    pad.addEventListener("pointermove", function (e) { if (e.buttons) { moveTo(e); } });
    pad.addEventListener("keydown", function (e) {
      var step = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[e.key];
      if (!step) { return; }
      e.preventDefault();
      xs.value = grid(+xs.value) + step[0];
      ys.value = grid(+ys.value) + step[1];
      refresh();
    });
    reset.addEventListener("click", function () { xs.value = mid; ys.value = mid; refresh(); });
  }
  var web = document.querySelector('meta[name="vaecore-web"]');
  if (data.live && web && typeof WebAssembly === "object") {
    var words = data.live.phrases, mode = root.querySelector(".vx-mode");
    var note = root.querySelector(".vx-note span"), opener = root.querySelector(".vx-draw-open");
    var drawing = false;  // the reader asked for the drawing pad before the models had loaded
    if (opener) {
      opener.hidden = false;
      opener.addEventListener("click", function () {
        if (live) { live.openDrawing(); } else { drawing = true; }
      });
    }
    var wake = function () {
      ["pointerdown", "keydown", "input"].forEach(function (e) { root.removeEventListener(e, wake, true); });
      mode.textContent = words["mode loading"];
      var base = new URL(web.content, document.baseURI).href;  // the module resolves from its own URL
      import(base + "explorer-live.mjs")
        .then(function (m) { return m.attach(root, data, base); })
        .then(function (model) {
          live = root.vxLive = model;
          root.querySelectorAll("input[type=range]").forEach(function (s) { s.step = "any"; });
          mode.textContent = words["mode live"];
          note.textContent = words["live now"];
          note.nextElementSibling.hidden = true;  // "move a control to run the model": done
          root.setAttribute("data-live", "true");
          refresh();
          if (drawing) { live.openDrawing(); }
        })
        .catch(function (error) {
          mode.textContent = words["mode frames"];
          note.textContent = words["no live"];
          root.setAttribute("data-live", "false");
          if (opener) { opener.hidden = true; }
          console.warn("vaecore explorer: the model could not run in this page", error);
        });
    };
    ["pointerdown", "keydown", "input"].forEach(function (e) { root.addEventListener(e, wake, true); });
  }
  root.setAttribute("data-ready", "true");
})(document.currentScript.parentElement);
