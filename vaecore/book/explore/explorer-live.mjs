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

/** The explorer `root`'s model, ready: `{show(a, b, control), decode(codes)}`. */
export async function attach(root, data, base) {
  const ort = await loadRuntime(base);
  const live = data.live;
  const session = await ort.InferenceSession.create(`${base}models/${live.model}`,
    {executionProviders: ["wasm"]});
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

  // The images in one row, 2 pixels apart, black ink on white, as Frames.frame draws them.
  const canvas = document.createElement("canvas");
  canvas.width = n * (w + 2) - 2;
  canvas.height = h;
  const context = canvas.getContext("2d");
  const pixels = context.createImageData(canvas.width, h);
  function paint(x) {
    pixels.data.fill(255);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          const grey = Math.round(255 * (1 - x[(i * h + r) * w + c]));
          const at = 4 * (r * canvas.width + i * (w + 2) + c);
          pixels.data[at] = pixels.data[at + 1] = pixels.data[at + 2] = grey;
        }
      }
    }
    context.putImageData(pixels, 0, 0);
    img.src = canvas.toDataURL();
  }

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
  return {show, decode};
}
