// The latent explorer's decoder, run in the reader's browser. The chapter exported it to ONNX
// when it ran (vaecore/book/explore/web.py); ONNX Runtime Web runs it on WebAssembly, on one
// thread (a static host gives no cross-origin isolation, which threads need). explorer.js loads
// this module on the reader's first move and hands it the controls: every setting, between the
// grid's points too, is decoded here as Frames.codes_at and Frames.frame do in Python.

let runtime = null;  // one runtime per page, whichever explorer wakes first

function loadRuntime(base) {
  runtime ??= import(`${base}ort/ort.wasm.min.mjs`).then((ort) => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = `${base}ort/`;
    return ort;
  });
  return runtime;
}

/** Python's str.format for the readout templates ("z{d} = {values}"). */
const fill = (template, fields) => template.replace(/\{(\w+)\}/g, (_, name) => fields[name]);
const fixed = (v) => v.toFixed(2);
const signed = (v) => (v >= 0 ? "+" : "") + v.toFixed(2);

/** The weights of input pixel k in output pixel i's interval [start + i size, start + (i + 1)
 * size), as vaecore/book/explore/drawing.py's _weights: `[[k, weight], ...]` per output pixel. */
function weights(start, size, nIn, nOut) {
  const rows = [];
  for (let i = 0; i < nOut; i++) {
    const lo = start + i * size, hi = start + (i + 1) * size, row = [];
    for (let k = Math.max(0, Math.floor(lo)); k < Math.min(nIn, Math.ceil(hi)); k++) {
      row.push([k, (Math.min(hi, k + 1) - Math.max(lo, k)) / size]);
    }
    rows.push(row);
  }
  return rows;
}

/** A drawing `ink: (height * width)` in [0, 1] made into an MNIST digit, `(28 * 28)`, step for
 * step as vaecore.book.explore.drawing.mnist_box: the ink's box scaled by area averaging to fit
 * 20 x 20, its centre of mass (in pixel indices) put at pixel (14, 14). */
export function mnistBox(ink, height, width) {
  const FIELD = 28, BOX = 20, out = new Float64Array(FIELD * FIELD);
  let top = height, bottom = -1, left = width, right = -1;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (ink[r * width + c] > 0) {
        top = Math.min(top, r); bottom = Math.max(bottom, r);
        left = Math.min(left, c); right = Math.max(right, c);
      }
    }
  }
  if (bottom < 0) return out;
  const h = bottom - top + 1, w = right - left + 1, size = Math.max(h, w) / BOX;
  const outH = Math.max(1, Math.floor(h / size + 0.5)), outW = Math.max(1, Math.floor(w / size + 0.5));
  const wy = weights(top + (h - outH * size) / 2, size, height, outH);
  const wx = weights(left + (w - outW * size) / 2, size, width, outW);
  const box = new Float64Array(outH * outW);
  let total = 0, my = 0, mx = 0;
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      let v = 0;
      for (const [r, a] of wy[i]) for (const [c, b] of wx[j]) v += a * b * ink[r * width + c];
      box[i * outW + j] = v;
      total += v; my += i * v; mx += j * v;
    }
  }
  const dy = Math.floor(FIELD / 2 - my / total + 0.5), dx = Math.floor(FIELD / 2 - mx / total + 0.5);
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      if (i + dy >= 0 && i + dy < FIELD && j + dx >= 0 && j + dx < FIELD) {
        out[(i + dy) * FIELD + j + dx] = box[i * outW + j];
      }
    }
  }
  return out;
}

/** Draw `images` (each `(h * w)` in [0, 1]) in one row into `img`, 2 pixels apart, black ink on
 * white, as Frames.frame does. */
function paintRow(img, images, h, w) {
  const canvas = document.createElement("canvas");
  canvas.width = images.length * (w + 2) - 2;
  canvas.height = h;
  const context = canvas.getContext("2d"), pixels = context.createImageData(canvas.width, h);
  pixels.data.fill(255);
  images.forEach((x, i) => {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const grey = Math.round(255 * (1 - x[r * w + c]));
        const at = 4 * (r * canvas.width + i * (w + 2) + c);
        pixels.data[at] = pixels.data[at + 1] = pixels.data[at + 2] = grey;
      }
    }
  });
  context.putImageData(pixels, 0, 0);
  img.width = canvas.width * 3;
  img.height = h * 3;
  img.src = canvas.toDataURL();
}

/** A seeded uniform generator in [0, 1) (mulberry32), for the draws from q(z | x). */
function uniform(seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The explorer `root`'s models, ready: `{show(a, b, control), decode(codes), encode(images),
 * mnistBox, openDrawing()}`. */
export async function attach(root, data, base) {
  const ort = await loadRuntime(base);
  const live = data.live;
  const load = (name) => ort.InferenceSession.create(`${base}models/${name}`,
    {executionProviders: ["wasm"]});
  const session = await load(live.model);
  const encoder = live.encoder ? await load(live.encoder.model) : null;
  const [h, w] = live.shape, k = live.centre.length, last = data.steps - 1;
  const img = root.querySelector("img.vx-image"), out = root.querySelector(".vx-readout");
  const n = data.mode === "pad" ? 1 : live.base.length;
  // A grid position g in [0, last] is the offset linspace(-span, span, steps)[g], continued.
  const offset = (g) => live.span * (2 * g / last - 1);

  /** The codes for setting (a, b), as Frames.codes_at: `(m, K)` arrays. */
  function codes(a, b) {
    if (data.mode === "pad") {
      return [[offset(a), offset(b)].map((o, d) => live.centre[d] + o * live.scale[d])];
    }
    const d = data.dims[a].dim;
    return live.base.map((z) => z.map((v, j) => (j === d ? v + offset(b) * live.scale[d] : v)));
  }

  /** Decode `(m, K)` codes: `(m * h * w)` intensities in [0, 1], row after row. */
  async function decode(z) {
    const input = new ort.Tensor("float32", Float32Array.from(z.flat()), [z.length, k]);
    const result = await session.run({z: input});
    return result.x.data;
  }

  function readout(a, b, z) {
    if (data.mode === "pad") return fill(live.readout, {x: fixed(z[0][0]), y: fixed(z[0][1])});
    const d = data.dims[a].dim;
    return fill(live.readout, {d: d + 1, offset: signed(offset(b)), scale: fixed(live.scale[d]),
      values: z.map((code) => fixed(code[d])).join(", ")});
  }

  const split = (x, m) => Array.from({length: m}, (_, i) => x.subarray(i * h * w, (i + 1) * h * w));
  const paint = (x) => paintRow(img, split(x, n), h, w);

  // Moves come faster than the model answers: decode the latest setting, drop those between.
  let next = null, busy = false;
  async function drain() {
    busy = true;
    try {
      while (next) {
        const [a, b, control] = next;
        next = null;
        const z = codes(a, b);
        paint(await decode(z));
        const text = readout(a, b, z);
        out.textContent = text;
        control.setAttribute("aria-valuetext", text);
        root.dispatchEvent(new CustomEvent("vx-shown"));
      }
    } finally {
      busy = false;
    }
  }
  function show(a, b, control) {
    next = [a, b, control];
    if (!busy) drain().catch((error) => console.warn("vaecore explorer: decoding failed", error));
  }

  /** Encode `(m, 784)` images: `{code}` or `{mean, log_var}`, each `(m * K)`. */
  async function encode(images) {
    const input = new ort.Tensor("float32", Float32Array.from(images.flat()), [images.length, 784]);
    const result = await encoder.run({x: input});
    return Object.fromEntries(live.encoder.outputs.map((name) => [name, result[name].data]));
  }
  const drawing = encoder ? drawingPad(root, data, encode, decode, split) : null;
  return {show, decode, encode, mnistBox, openDrawing: () => drawing?.open()};
}

/** The drawing pad: the reader's ink, made into an MNIST digit, encoded; its code on a 2-D pad,
 * and its reconstruction (and for a VAE four draws from q(z | x)) beside it. */
function drawingPad(root, data, encode, decode, split) {
  const live = data.live, k = live.centre.length, last = data.steps - 1;
  const SIZE = 112, SCALE = 2, RADIUS = 6;  // cells of ink; pixels per cell; the pen's radius
  const panel = root.querySelector(".vx-draw"), canvas = root.querySelector("canvas.vx-canvas");
  // The drawing, its reconstruction (and draws): an image made on the first drawing, so that
  // the page holds no image without a picture before it.
  const row = root.querySelector(".vx-drawn-row"), image = document.createElement("img");
  image.className = "vx-drawn dark-light";
  image.alt = row.dataset.alt;
  const out = root.querySelector(".vx-draw-readout");
  const context = canvas.getContext("2d");
  canvas.style.touchAction = "none";  // a finger on the pad draws, and does not scroll the page
  const ink = new Float32Array(SIZE * SIZE);
  const vae = live.encoder.outputs.includes("log_var");
  let pen = [SIZE / 2, SIZE / 2], down = false, last_at = null;

  function redraw() {
    const pixels = context.createImageData(SIZE, SIZE);
    ink.forEach((v, i) => {
      const grey = Math.round(255 * (1 - v));
      pixels.data.set([grey, grey, grey, 255], 4 * i);
    });
    const cell = document.createElement("canvas");
    cell.width = cell.height = SIZE;
    cell.getContext("2d").putImageData(pixels, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(cell, 0, 0, SIZE * SCALE, SIZE * SCALE);
    context.strokeStyle = down ? "#D55E00" : "#0072B2";  // the pen, for the keyboard's reader
    context.beginPath();
    context.arc(pen[1] * SCALE, pen[0] * SCALE, RADIUS * SCALE, 0, 2 * Math.PI);
    context.stroke();
  }
  function stamp([y, x]) {  // a round pen with a soft edge
    for (let r = Math.max(0, Math.floor(y - RADIUS - 1)); r <= Math.min(SIZE - 1, y + RADIUS + 1); r++) {
      for (let c = Math.max(0, Math.floor(x - RADIUS - 1)); c <= Math.min(SIZE - 1, x + RADIUS + 1); c++) {
        const v = Math.min(1, Math.max(0, RADIUS + 0.5 - Math.hypot(r + 0.5 - y, c + 0.5 - x)));
        ink[r * SIZE + c] = Math.max(ink[r * SIZE + c], v);
      }
    }
  }
  function line(from, to) {
    const steps = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1])));
    for (let s = 0; s <= steps; s++) {
      stamp([from[0] + (to[0] - from[0]) * s / steps, from[1] + (to[1] - from[1]) * s / steps]);
    }
  }

  // The drawing's code, shown on a 2-D pad with the spread of q(z | x) (one and two standard
  // deviations), in the pad's units: position g in [0, last] along each axis.
  const svg = root.querySelector("svg.vx-pad"), NS = "http://www.w3.org/2000/svg";
  const marks = svg ? [2, 1].map((sd) => {
    const e = document.createElementNS(NS, "ellipse");
    e.setAttribute("fill", "none");
    e.setAttribute("stroke", "#009E73");
    e.setAttribute("stroke-width", sd === 1 ? "0.012" : "0.006");
    e.setAttribute("visibility", "hidden");
    svg.appendChild(e);
    return e;
  }) : [];
  const unit = (z, d) => ((z - live.centre[d]) / live.scale[d] / live.span + 1) / 2;

  let pending = false, busy = false, cleared = 0;  // cleared: how many times, so far
  async function read() {
    busy = true;
    try {
      while (pending) {
        pending = false;
        const digit = Float32Array.from(mnistBox(ink, SIZE, SIZE)), since = cleared;
        if (!digit.some((v) => v > 0)) continue;
        const found = await encode([Array.from(digit)]);
        const mean = Array.from(found.mean ?? found.code);
        const sd = vae ? Array.from(found.log_var, (v) => Math.exp(v / 2)) : null;
        const codes = [mean];
        if (vae) {
          const u = uniform(7);  // the same draws for the same drawing
          const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
          for (let i = 0; i < 4; i++) codes.push(mean.map((m, d) => m + sd[d] * normal()));
        }
        const x = await decode(codes);
        if (since !== cleared) continue;  // the reader cleared the pad meanwhile
        paintRow(image, [digit, ...split(x, codes.length)], 28, 28);
        if (!image.isConnected) row.appendChild(image);
        const fixed = (v) => v.toFixed(2);
        out.textContent = vae
          ? live["readout draw"].replace("{means}", mean.map(fixed).join(", "))
            .replace("{sds}", sd.map(fixed).join(", "))
          : live["readout draw"].replace("{values}", mean.map(fixed).join(", "));
        if (svg && k === 2) {
          marks.forEach((e, i) => {
            const times = 2 - i;  // two standard deviations, then one
            e.setAttribute("cx", unit(mean[0], 0));
            e.setAttribute("cy", 1 - unit(mean[1], 1));
            e.setAttribute("rx", vae ? times * sd[0] / live.scale[0] / live.span / 2 : 0.02);
            e.setAttribute("ry", vae ? times * sd[1] / live.scale[1] / live.span / 2 : 0.02);
            e.setAttribute("visibility", vae || i === 1 ? "visible" : "hidden");
          });
        }
      }
      root.dispatchEvent(new CustomEvent("vx-drawn"));  // what it shows is the drawing's now
    } finally {
      busy = false;
    }
  }
  function changed() {
    redraw();
    pending = true;
    if (!busy) read().catch((error) => console.warn("vaecore explorer: encoding failed", error));
  }
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientY - r.top) / r.height * SIZE, (e.clientX - r.left) / r.width * SIZE];
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    last_at = pen = at(e);
    stamp(pen);
    changed();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!e.buttons || !last_at) return;
    pen = at(e);
    line(last_at, pen);
    last_at = pen;
    changed();
  });
  canvas.addEventListener("pointerup", () => { last_at = null; });
  canvas.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 12 : 4;
    const move = {ArrowLeft: [0, -step], ArrowRight: [0, step], ArrowUp: [-step, 0],
      ArrowDown: [step, 0]}[e.key];
    if (move) {
      const to = [Math.min(SIZE - 1, Math.max(0, pen[0] + move[0])),
        Math.min(SIZE - 1, Math.max(0, pen[1] + move[1]))];
      if (down) line(pen, to);
      pen = to;
    } else if (e.key === " ") {
      down = !down;
      if (down) stamp(pen);
    } else if (e.key === "Backspace" || e.key === "Delete") {
      clear();
      return e.preventDefault();
    } else {
      return undefined;
    }
    e.preventDefault();
    return changed();
  });
  function clear() {
    cleared += 1;
    ink.fill(0);
    redraw();
    image.remove();
    out.textContent = live.phrases["draw empty"];
    marks.forEach((e) => e.setAttribute("visibility", "hidden"));
  }
  root.querySelector("button.vx-clear").addEventListener("click", clear);
  redraw();
  return {open: () => { panel.hidden = false; canvas.focus(); }};
}
