// Browser test of the built book: every chapter page loads with no broken image, no console error
// and no request off this machine, and every latent explorer answers the keyboard and the mouse
// with the precomputed frame for the new setting. No kernel is involved: this is the static book.
//
// Run after building the book (quick mode is enough):  cd tests/browser && npm ci && npm test
// Env: BOOK_DIR (default ../../_build/html), CHROMIUM (default /usr/bin/chromium),
//      SCREENSHOT_DIR (optional: save each explorer, light and dark theme, as PNG).

import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, dirname } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bookDir = resolve(process.env.BOOK_DIR ?? join(here, "../../_build/html"));
const screenshotDir = process.env.SCREENSHOT_DIR;
// Console messages that are known and harmless (sphinx-thebe declares this constant twice).
const HARMLESS = [/THEBE_JS_URL.*already been declared/];
const TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
  ".png": "image/png", ".svg": "image/svg+xml", ".json": "application/json",
  ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".txt": "text/plain"};

assert.ok(existsSync(join(bookDir, "index.html")), `no built book at ${bookDir}: build it first`);
const pages = readdirSync(join(bookDir, "chapters")).filter((f) => f.endsWith(".html")).sort();
// Every chapter has a latent space to explore, except the appendices.
const needsExplorer = (page) => !page.startsWith("appendix");

let server, browser, origin;

before(async () => {
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(bookDir, path.endsWith("/") ? join(path, "index.html") : path);
    if (!file.startsWith(bookDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {"content-type": TYPES[extname(file)] ?? "application/octet-stream"});
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Open a page, recording console errors, page errors and any request off 127.0.0.1. */
async function open(path, theme = "light") {
  const context = await browser.newContext({viewport: {width: 1200, height: 900}});
  await context.addInitScript((t) => localStorage.setItem("mode", t), theme);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !HARMLESS.some((re) => re.test(m.text()))) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => {
    if (!HARMLESS.some((re) => re.test(e.message))) problems.push(`page error: ${e.message}`);
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) {
      return route.continue();
    }
    problems.push(`request off this machine: ${url}`);
    return route.abort();
  });
  page.on("requestfailed", (r) => {
    if (r.url().startsWith(origin)) problems.push(`failed request: ${r.url()}`);
  });
  const response = await page.goto(`${origin}/${path}`, {waitUntil: "load"});
  assert.equal(response.status(), 200, path);
  return {page, context, problems};
}

/** Every <img> on the page decodes (broken or missing images fail). */
async function assertImagesLoad(page) {
  const broken = await page.evaluate(async () => {
    const bad = [];
    for (const img of document.querySelectorAll("img")) {
      img.loading = "eager";
      try {
        await img.decode();
        if (img.naturalWidth === 0) bad.push(img.src.slice(0, 80));
      } catch {
        bad.push(img.src.slice(0, 80));
      }
    }
    return bad;
  });
  assert.deepEqual(broken, [], "broken images");
}

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

for (const name of pages) {
  test(`chapters/${name}`, async () => {
    const {page, context, problems} = await open(`chapters/${name}`);
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
        if (screenshotDir) {
          mkdirSync(screenshotDir, {recursive: true});
          await explorer.screenshot({path: join(screenshotDir, `${name}-${i}-light.png`)});
        }
      }
      if (screenshotDir && count > 0) {
        const dark = await open(`chapters/${name}`, "dark");
        await dark.page.locator(".vaecore-explorer").first().screenshot(
          {path: join(screenshotDir, `${name}-0-dark.png`)});
        await dark.context.close();
        problems.push(...dark.problems);
      }
      assert.deepEqual(problems, [], `problems on ${name}`);
    } finally {
      await context.close();
    }
  });
}
