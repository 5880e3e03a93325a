// Browser test of the explorers' models in the built book (vaecore/book/explore/web.py exports
// them, explorer-live.mjs runs them with ONNX Runtime Web). For every explorer whose page carries
// a model, in both editions:
// - before the reader moves anything, the page fetches neither the runtime nor a model, and what
//   the live explorers add to the page (their data and script) stays under PAGE_BUDGET bytes;
// - the first move loads them, from this machine only, the runtime once per page, each model at
//   most MODEL_BUDGET bytes; the readout then says it is live;
// - the page's decoder gives the PyTorch outputs saved at build time for the same codes, each
//   pixel within 1e-4;
// - a slider (or the pad) decodes values between the grid's points, and the time from a move to
//   the new image has a median of at most LATENCY_MS;
// - where the reader can draw a digit, the page makes a drawing into the MNIST digit Python
//   makes of it, its encoder gives PyTorch's outputs, and a digit drawn with the mouse or the
//   keyboard is encoded and shown.
// The frames without WebAssembly are explorers.test.mjs's.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bookDir, openPage, startBook } from "./book.mjs";

const PAGE_BUDGET = 50_000;
const MODEL_BUDGET = 1_500_000;
const TOLERANCE = 1e-4;
const LATENCY_MS = 50;
const MOVES = 25;

const editions = ["", "zh_CN/"].filter((prefix) => existsSync(join(bookDir, prefix, "chapters")));
const pages = readdirSync(join(bookDir, "chapters")).filter((f) => f.endsWith(".html")
  && readFileSync(join(bookDir, "chapters", f), "utf8").includes('"live":{')).sort();

let book;
before(async () => { book = await startBook(); });
after(async () => { await book?.close(); });

test("some chapter carries a model", () => {
  assert.ok(pages.length > 0, "no page of the built book has an explorer with a model: "
    + "was the book built with `make book`?");
});

/** The median of `values`. */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b), mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The drawing pad: the page makes the check's drawing into the same MNIST digit as Python
 * (drawing.mnist_box), its encoder gives PyTorch's outputs, and the mouse and the keyboard draw a
 * digit whose code, reconstruction (and spread) the explorer then shows. */
async function exerciseDrawing(t, page, explorer, data, web, i) {
  const encoder = data.live.encoder;
  const opener = explorer.locator("button.vx-draw-open");
  assert.ok(await opener.isVisible(), `explorer ${i}: no button to draw with`);
  await opener.click();
  const canvas = explorer.locator("canvas.vx-canvas");
  assert.ok(await canvas.isVisible(), `explorer ${i}: the drawing pad did not open`);
  const checked = await explorer.evaluate(async (root, url) => {
    const check = await (await fetch(url)).json();
    const {height, width, ink, digit} = check.drawing;
    const mine = root.vxLive.mnistBox(Float32Array.from(ink), height, width);
    const box = Math.max(...digit.map((v, j) => Math.abs(v - mine[j])));
    const found = await root.vxLive.encode(check.images);
    let codes = 0;
    for (const [name, values] of Object.entries(check.outputs)) {
      values.flat().forEach((v, j) => { codes = Math.max(codes, Math.abs(v - found[name][j])); });
    }
    return {box, codes};
  }, `${web}models/${encoder.model.replace(".onnx", ".check.json")}`);
  t.diagnostic(`explorer ${i}: drawing made into a digit within ${checked.box.toExponential(2)} `
    + `of Python's; encoder within ${checked.codes.toExponential(2)} of PyTorch's`);
  assert.ok(checked.box <= 1e-6, `explorer ${i}: the page's MNIST digit differs by ${checked.box}`);
  assert.ok(checked.codes <= TOLERANCE, `explorer ${i}: a code differs from PyTorch's by ${checked.codes}`);
  const empty = await explorer.locator(".vx-draw-readout").textContent();
  // Count the pad's answers ("vx-drawn": it shows the drawing as it is now), from before the
  // first stroke, and wait for one more than before each stroke.
  await explorer.evaluate((root) => {
    root.vxDrawn = 0;
    root.addEventListener("vx-drawn", () => { root.vxDrawn += 1; });
  });
  const handle = await explorer.elementHandle();
  const answered = async (before) => page.waitForFunction(([root, n]) => root.vxDrawn > n,
    [handle, before], {timeout: 30_000});
  // The mouse: a stroke down the middle of the pad.
  const box = await canvas.boundingBox();
  let before = await explorer.evaluate((root) => root.vxDrawn);
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.8, {steps: 8});
  await page.mouse.up();
  await answered(before);
  const text = await explorer.locator(".vx-draw-readout").textContent();
  const numbers = text.match(/-?\d+\.\d\d/g) ?? [];
  const k = data.live.centre.length, vae = encoder.outputs.includes("log_var");
  assert.equal(numbers.length, vae ? 2 * k : k, `explorer ${i}: the drawing's readout ${text}`);
  const width = await explorer.locator("img.vx-drawn").evaluate(async (img) => {
    await img.decode();
    return img.naturalWidth;
  });
  assert.equal(width, (vae ? 6 : 2) * 30 - 2, `explorer ${i}: the drawing's row of images`);
  if (k === 2) {
    const marks = await explorer.locator("svg.vx-pad ellipse[visibility=visible]").count();
    assert.equal(marks, vae ? 2 : 1, `explorer ${i}: the drawing's code on the pad`);
  }
  // The keyboard: clear, then the pen down, a stroke to the right, the pen up.
  await canvas.focus();
  await page.keyboard.press("Backspace");
  assert.equal(await explorer.locator(".vx-draw-readout").textContent(), empty);
  before = await explorer.evaluate((root) => root.vxDrawn);
  await page.keyboard.press(" ");
  for (let step = 0; step < 6; step++) await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press(" ");
  await answered(before);
  assert.notEqual(await explorer.locator(".vx-draw-readout").textContent(), empty);
}

for (const [prefix, name] of editions.flatMap((e) => pages.map((p) => [e, p]))) {
  test(`${prefix}chapters/${name}: the models run in the page`, {timeout: 300_000}, async (t) => {
    const {page, context, problems} = await openPage(book, `${prefix}chapters/${name}`);
    const requests = [], warnings = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
    try {
      const web = await page.locator('meta[name="vaecore-web"]').getAttribute("content");
      assert.ok(web, "the page does not say where the models are");
      const explorers = page.locator(".vaecore-explorer");
      const added = await explorers.evaluateAll((roots) => roots.reduce((sum, root) => {
        const data = JSON.parse(root.querySelector("script.vx-data").textContent);
        const script = root.querySelector("script:not([type])").textContent;
        return sum + (data.live ? JSON.stringify(data.live).length + script.length : 0);
      }, 0));
      t.diagnostic(`the live explorers add ${added} bytes to the page`);
      assert.ok(added <= PAGE_BUDGET, `${added} bytes added to the page`);
      await page.waitForTimeout(200);
      assert.deepEqual(requests.filter((u) => u.includes("vaecore-web")), [],
        "the runtime or a model loads before the reader moves anything");
      for (let i = 0; i < await explorers.count(); i++) {
        const explorer = explorers.nth(i);
        const data = JSON.parse(await explorer.locator("script.vx-data").textContent());
        if (!data.live) continue;
        await explorer.scrollIntoViewIfNeeded();
        // The first move: the keyboard on the slider, or on the pad.
        const control = explorer.locator(data.mode === "pad" ? "svg.vx-pad" : "input.vx-value");
        await control.focus();
        await page.keyboard.press("ArrowRight");
        await page.waitForFunction((el) => el.dataset.live, await explorer.elementHandle(),
          {timeout: 60_000});
        assert.equal(await explorer.getAttribute("data-live"), "true",
          `explorer ${i} did not go live: ${warnings.join("; ")}`);
        assert.equal(await explorer.locator(".vx-mode").textContent(), data.live.phrases["mode live"]);
        // The model's size, as served.
        const model = await page.evaluate(async (url) => (await (await fetch(url)).arrayBuffer())
          .byteLength, `${web}models/${data.live.model}`);
        t.diagnostic(`explorer ${i}: model ${data.live.model}, ${model} bytes`);
        assert.ok(model <= MODEL_BUDGET, `explorer ${i}: the model takes ${model} bytes`);
        // The page's decoder against PyTorch's outputs for the same codes.
        const gap = await explorer.evaluate(async (root, url) => {
          const check = await (await fetch(url)).json();
          const x = await root.vxLive.decode(check.codes);
          let worst = 0;
          check.outputs.flat().forEach((v, j) => { worst = Math.max(worst, Math.abs(v - x[j])); });
          return x.length === check.outputs.flat().length ? worst : Infinity;
        }, `${web}models/${data.live.model.replace(".onnx", ".check.json")}`);
        t.diagnostic(`explorer ${i}: largest pixel difference from PyTorch ${gap.toExponential(2)}`);
        assert.ok(gap <= TOLERANCE, `explorer ${i}: a pixel differs from PyTorch's by ${gap}`);
        // Moves between the grid's points, timed from the move to the new image, decoded.
        const times = await explorer.evaluate(async (root, moves) => {
          const img = root.querySelector("img.vx-image");
          const sliders = [...root.querySelectorAll("input[type=range]")];
          const out = [];
          for (let m = 0; m < moves; m++) {
            const shown = new Promise((ok) => root.addEventListener("vx-shown", ok, {once: true}));
            const start = performance.now();
            const slider = sliders[m % sliders.length];
            slider.value = (m * 0.37 + 0.5) % +slider.max;
            slider.dispatchEvent(new Event("input", {bubbles: true}));
            await shown;
            await img.decode();
            out.push(performance.now() - start);
          }
          return out;
        }, MOVES);
        const typical = median(times);
        t.diagnostic(`explorer ${i}: a move to its image takes ${typical.toFixed(1)} ms (median of ${MOVES})`);
        assert.ok(typical <= LATENCY_MS, `explorer ${i}: median ${typical} ms from a move to the image`);
        const value = await explorer.locator("input[type=range]").first().inputValue();
        assert.ok(!Number.isInteger(Number(value)), `a slider between grid points reads ${value}`);
        const readout = await explorer.locator(".vx-readout").textContent();
        const frames = data.mode === "pad" ? data.readouts : data.dims.flatMap((d) => d.readouts);
        assert.ok(!frames.includes(readout), `the readout ${readout} is a grid point's`);
        if (data.live.encoder) await exerciseDrawing(t, page, explorer, data, web, i);
      }
      const runtimes = requests.filter((u) => u.endsWith(".wasm"));
      assert.equal(runtimes.length, 1, `the runtime loaded ${runtimes.length} times`);
      assert.deepEqual(problems, [], `problems on ${name}`);
    } finally {
      await context.close();
    }
  });
}
