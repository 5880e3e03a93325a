// What the browser tests share: the built book served on 127.0.0.1, and pages opened in
// headless Chromium with every console error, page error and off-machine request recorded.
// Env: BOOK_DIR (default ../../_build/html), CHROMIUM (default /usr/bin/chromium).

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

export const here = dirname(fileURLToPath(import.meta.url));
export const repoDir = resolve(here, "../..");
export const bookDir = resolve(process.env.BOOK_DIR ?? join(here, "../../_build/html"));
// Console messages that are known and harmless (sphinx-thebe declares this constant twice).
const HARMLESS = [/THEBE_JS_URL.*already been declared/];
const TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
  ".png": "image/png", ".svg": "image/svg+xml", ".json": "application/json",
  ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".txt": "text/plain",
  ".ipynb": "application/json", ".md": "text/markdown", ".mjs": "text/javascript",
  ".wasm": "application/wasm", ".onnx": "application/octet-stream"};

assert.ok(existsSync(join(bookDir, "index.html")), `no built book at ${bookDir}: build it first`);

/** Serve the built book on 127.0.0.1 and start Chromium: `{origin, browser, close}`. */
export async function startBook() {
  const server = createServer((req, res) => {
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
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  return {origin, browser, close: async () => { await browser.close(); server.close(); }};
}

/** Open a page, recording console errors, page errors and any request off 127.0.0.1. With
 * `webAssembly: false` the page runs as in a browser without WebAssembly. */
export async function openPage(book, path, theme = "light", {webAssembly = true} = {}) {
  const {browser, origin} = book;
  const context = await browser.newContext({viewport: {width: 1200, height: 900}});
  await context.addInitScript((t) => localStorage.setItem("mode", t), theme);
  if (!webAssembly) await context.addInitScript(() => { delete globalThis.WebAssembly; });
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

/** Switch a loaded page to `theme`, as the theme's own button does (its colours hang on <html
 * data-theme>), with no colour left mid-fade; returns the page's background colour then, so that
 * a caller can check the switch took. One load then serves both themes. */
export async function switchTheme(page, theme) {
  await page.addStyleTag({content: "*, *::before, *::after { transition: none !important; }"});
  return page.evaluate((t) => {
    document.documentElement.dataset.mode = t;
    document.documentElement.dataset.theme = t;
    document.getAnimations().forEach((a) => a.finish());
    return getComputedStyle(document.body).backgroundColor;
  }, theme);
}

/** Every <img> on the page decodes (broken or missing images fail). */
export async function assertImagesLoad(page) {
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

/** Every built HTML page, as paths relative to the book's root; with `redirects: false`, not a
 * page that only redirects (the root's index.html), whose target is a page of its own. */
export function htmlPages({redirects = true} = {}, dir = bookDir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return name.startsWith("_") ? [] : htmlPages({redirects}, path);
    }
    if (!name.endsWith(".html")) return [];
    const redirect = /http-equiv="refresh"/i.test(readFileSync(path, "utf8").slice(0, 2000));
    return redirects || !redirect ? [relative(bookDir, path)] : [];
  });
}
