// Browser test of the built book: every chapter page loads with no broken image, no console error
// and no request off this machine, and every latent explorer answers the keyboard and the mouse
// with the precomputed frame for the new setting. No kernel is involved: this is the static book,
// in a browser without WebAssembly, where no explorer's model can run in the page and the frames
// are all a reader gets (live-explorers.test.mjs runs the models).
//
// Run after building the book (quick mode is enough):  cd tests/browser && npm ci && npm test
// Env: see book.mjs; SCREENSHOT_DIR (optional: save each explorer, light and dark theme, as PNG).

import assert from "node:assert/strict";
import { readdirSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { assertImagesLoad, bookDir, openPage, repoDir, startBook } from "./book.mjs";

const screenshotDir = process.env.SCREENSHOT_DIR;
const pages = readdirSync(join(bookDir, "chapters")).filter((f) => f.endsWith(".html")).sort();
// Both editions: the Chinese one (zh_CN/) shows the same frames with its phrases translated.
const editions = ["", "zh_CN/"].filter((prefix) => existsSync(join(bookDir, prefix, "chapters")));
// Every chapter notebook has a latent space to explore; the appendices and the Markdown pages
// (how to use the book, glossary, bibliography) have none, nor has the GAN chapter on 2-D points,
// whose noise space is the plane the animation shows (its image generator is explored in
// "GANs on images").
const WITHOUT_EXPLORER = new Set(["gan.html"]);
const needsExplorer = (page) => !page.startsWith("appendix") && !WITHOUT_EXPLORER.has(page)
  && existsSync(join(repoDir, "chapters", page.replace(/\.html$/, ".ipynb")));

let book;
before(async () => { book = await startBook(); });
after(async () => { await book?.close(); });
const open = (path, theme) => openPage(book, path, theme, {webAssembly: false});

const src = (explorer) => explorer.locator("img.vx-image").getAttribute("src");
const frame = (b64) => `data:image/png;base64,${b64}`;

/** Check the shown image is `expected` (base64) and that it decodes. */
async function assertShows(explorer, expected, what) {
  assert.equal(await src(explorer), frame(expected), what);
  const ok = await explorer.locator("img.vx-image").evaluate(async (img) => {
    await img.decode();
    return img.naturalWidth > 0;
  });
  assert.ok(ok, `${what}: the frame does not decode`);
}

async function exerciseDims(page, explorer, data) {
  const mid = (data.steps - 1) / 2;
  const slider = explorer.locator("input.vx-value");
  const dims = data.dims;
  await assertShows(explorer, dims[0].frames[mid], "initial frame");
  // Keyboard: focus the slider and press the arrow keys, Home and End.
  await slider.focus();
  await page.keyboard.press("ArrowRight");
  await assertShows(explorer, dims[0].frames[mid + 1], "ArrowRight");
  assert.notEqual(dims[0].frames[mid + 1], dims[0].frames[mid], "the slider's frames all look alike");
  await page.keyboard.press("End");
  await assertShows(explorer, dims[0].frames[data.steps - 1], "End");
  await page.keyboard.press("Home");
  await assertShows(explorer, dims[0].frames[0], "Home");
  assert.equal(await explorer.locator(".vx-readout").textContent(), dims[0].readouts[0]);
  // Mouse: click near the slider's right end.
  const box = await slider.boundingBox();
  await page.mouse.click(box.x + box.width * 0.85, box.y + box.height / 2);
  const index = Number(await slider.inputValue());
  assert.ok(index > mid, `a click at 85% of the slider set step ${index}`);
  await assertShows(explorer, dims[0].frames[index], "mouse click on the slider");
  // Another dimension: the offset goes back to 0, then the keyboard moves it.
  if (dims.length > 1) {
    await explorer.locator("select.vx-dim").selectOption("1");
    await assertShows(explorer, dims[1].frames[mid], "changing dimension");
    await slider.focus();
    await page.keyboard.press("ArrowLeft");
    await assertShows(explorer, dims[1].frames[mid - 1], "ArrowLeft on the second dimension");
  }
  await explorer.locator("button.vx-reset").click();
  await assertShows(explorer, dims[0].frames[mid], "reset");
}

async function exercisePad(page, explorer, data) {
  const n = data.steps, last = n - 1, mid = last / 2;
  const at = (ix, iy) => data.frames[iy * n + ix];
  await assertShows(explorer, at(mid, mid), "initial frame");
  // Keyboard on the pad.
  const pad = explorer.locator("svg.vx-pad");
  await pad.focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await assertShows(explorer, at(mid + 1, mid + 2), "arrow keys on the pad");
  assert.notEqual(at(mid + 1, mid + 2), at(mid, mid), "the pad's frames all look alike");
  // Keyboard on the first coordinate's slider.
  await explorer.locator("input.vx-x").focus();
  await page.keyboard.press("Home");
  await assertShows(explorer, at(0, mid + 2), "Home on the z1 slider");
  // Mouse: a click, then a drag, on the pad (up on the page is up in z2).
  const box = await pad.boundingBox();
  await page.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.25);
  await assertShows(explorer, at(Math.round(0.25 * last), Math.round(0.75 * last)), "click on the pad");
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.8, {steps: 5});
  await page.mouse.up();
  await assertShows(explorer, at(Math.round(0.9 * last), Math.round(0.2 * last)), "drag on the pad");
  const marker = explorer.locator(".vx-marker");
  assert.equal(Number(await marker.getAttribute("cx")), Math.round(0.9 * last) / last, "marker x");
  await explorer.locator("button.vx-reset").click();
  await assertShows(explorer, at(mid, mid), "reset");
}

for (const [prefix, name] of editions.flatMap((e) => pages.map((p) => [e, p]))) {
  test(`${prefix}chapters/${name}`, async () => {
    const {page, context, problems} = await open(`${prefix}chapters/${name}`);
    try {
      await assertImagesLoad(page);
      const explorers = page.locator(".vaecore-explorer");
      const count = await explorers.count();
      if (needsExplorer(name)) assert.ok(count >= 1, `${name} has no latent explorer`);
      for (let i = 0; i < count; i++) {
        const explorer = explorers.nth(i);
        await explorer.scrollIntoViewIfNeeded();
        assert.equal(await explorer.getAttribute("data-ready"), "true", `explorer ${i}: script did not run`);
        const data = JSON.parse(await explorer.locator("script.vx-data").textContent());
        const labels = await explorer.locator("input, select").evaluateAll(
          (els) => els.map((el) => (el.labels?.length ?? 0) > 0));
        assert.ok(labels.every(Boolean), `explorer ${i}: a control has no label`);
        if (data.mode === "dims") await exerciseDims(page, explorer, data);
        else await exercisePad(page, explorer, data);
        // Without WebAssembly the explorer never leaves its frames, and says so.
        assert.equal(await explorer.getAttribute("data-live"), null, `explorer ${i} went live`);
        if (data.live) {
          assert.equal(await explorer.locator(".vx-mode").textContent(),
            data.live.phrases["mode frames"], `explorer ${i}: the readout's mode`);
        }
        if (screenshotDir) {
          mkdirSync(screenshotDir, {recursive: true});
          await explorer.screenshot(
            {path: join(screenshotDir, `${prefix.replace("/", "-")}${name}-${i}-light.png`)});
        }
      }
      if (screenshotDir && count > 0) {
        const dark = await open(`${prefix}chapters/${name}`, "dark");
        await dark.page.locator(".vaecore-explorer").first().screenshot(
          {path: join(screenshotDir, `${prefix.replace("/", "-")}${name}-0-dark.png`)});
        await dark.context.close();
        problems.push(...dark.problems);
      }
      assert.deepEqual(problems, [], `problems on ${name}`);
    } finally {
      await context.close();
    }
  });
}
