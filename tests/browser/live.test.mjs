// Browser test of the live face: in JupyterLab with a real kernel, the explorer is the ipywidgets
// view (not the static fallback), and moving its slider with the keyboard makes the kernel decode
// and redraw the image.
//
// Run: cd tests/browser && npm ci && JUPYTER=../../.venv/bin/jupyter node --test live.test.mjs
// Env: JUPYTER (default ../../.venv/bin/jupyter), CHROMIUM (default /usr/bin/chromium),
//      SCREENSHOT_DIR (optional).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const jupyter = resolve(process.env.JUPYTER ?? join(here, "../../.venv/bin/jupyter"));
const token = "vaecore-live-test";
const cell = [
  "import torch\n",
  "from vaecore.book.explore import explore\n",
  "from vaecore.models.vae import VAE\n",
  "torch.manual_seed(0)\n",
  "model = VAE(4).eval()\n",
  "explore(model.decode, torch.randn(200, 4), title='live test')",
];
const notebook = {
  nbformat: 4, nbformat_minor: 5,
  metadata: {kernelspec: {name: "python3", display_name: "Python 3", language: "python"}},
  cells: [{cell_type: "code", id: "explorer", metadata: {}, source: cell, outputs: [],
    execution_count: null}],
};

let lab, browser, root, url, log = "";

const freePort = () => new Promise((ok) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const {port} = s.address();
    s.close(() => ok(port));
  });
});

before(async () => {
  root = mkdtempSync(join(tmpdir(), "vaecore-live-"));
  writeFileSync(join(root, "live.ipynb"), JSON.stringify(notebook));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  lab = spawn(jupyter, ["lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", `--port=${port}`,
    `--ServerApp.root_dir=${root}`, `--IdentityProvider.token=${token}`,
    "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly"],
  {cwd: root, stdio: ["ignore", "ignore", "pipe"], env: {...process.env, VAECORE_PROGRESS: "0"}});
  lab.stderr.on("data", (d) => { log += d; });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/api/status?token=${token}`)).ok) break;
    } catch { /* not up yet */ }
    assert.ok(i < 120 && lab.exitCode === null, `JupyterLab did not start:\n${log.slice(-2000)}`);
    await new Promise((ok) => setTimeout(ok, 500));
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  lab?.kill("SIGTERM");
  if (root) rmSync(root, {recursive: true, force: true});
});

/** Wait until the kernel has redrawn `locator` with text matching `pattern`. */
async function waitForText(locator, pattern) {
  await locator.page().waitForFunction(([el, re]) => new RegExp(re).test(el.textContent),
    [await locator.elementHandle(), pattern.source], {timeout: 30_000});
}

test("the explorer drives the real decoder in JupyterLab", {timeout: 180_000}, async () => {
  const context = await browser.newContext({viewport: {width: 1300, height: 900}});
  const page = await context.newPage();
  // JupyterLab itself may look for news or extensions online: keep everything on this machine.
  await page.route("**/*", (route) => (route.request().url().startsWith(url)
    ? route.continue() : route.abort()));
  await page.goto(`${url}/lab/tree/live.ipynb?token=${token}&reset`);
  const editor = page.locator(".jp-Notebook .jp-Cell .cm-content").first();
  await editor.waitFor({timeout: 60_000});
  // Wait until the kernel is up (the status bar says so), then run the cell.
  await page.getByText(/Python 3 \(ipykernel\) \| Idle/).first().waitFor({timeout: 60_000});
  await editor.click();
  await page.keyboard.press("Shift+Enter");

  const widget = page.locator(".jp-OutputArea-output .vaecore-explorer.widget-vbox");
  try {
    await widget.waitFor({timeout: 90_000});
  } catch (err) {
    const output = await page.locator(".jp-OutputArea").first().innerText().catch(() => "none");
    if (process.env.SCREENSHOT_DIR) {
      await page.screenshot({path: join(process.env.SCREENSHOT_DIR, "jupyterlab-failed.png")});
    }
    throw new Error(`no live explorer appeared; the cell's output reads:\n${output}\n`
      + `JupyterLab's log ends:\n${log.slice(-3000)}`, {cause: err});
  }
  // Only the live face is shown; the static fallback's script never ran here.
  assert.equal(await page.locator(".vaecore-explorer[data-ready]").count(), 0);
  const image = widget.locator("img").first();
  const readout = widget.locator(".vx-readout");
  await image.waitFor();
  const before = await image.getAttribute("src");
  const textBefore = await readout.textContent();
  assert.match(textBefore, /moved by \+0\.00/);

  // Keyboard: focus the offset slider's handle and press the right arrow twice.
  const handle = widget.locator(".widget-slider .noUi-handle").first();
  await handle.focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await waitForText(readout, /moved by \+1\.00/);
  await page.waitForFunction(([el, old]) => el.getAttribute("src") !== old,
    [await image.elementHandle(), before], {timeout: 30_000});
  assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth > 0), "image broken");

  // Reset: the kernel puts the slider back and redraws the starting codes.
  await widget.locator("button", {hasText: "Reset"}).click();
  await waitForText(readout, /moved by \+0\.00/);

  if (process.env.SCREENSHOT_DIR) {
    mkdirSync(process.env.SCREENSHOT_DIR, {recursive: true});
    await handle.focus();
    await page.keyboard.press("ArrowLeft");
    await waitForText(readout, /moved by -0\.50/);
    await widget.screenshot({path: join(process.env.SCREENSHOT_DIR, "jupyterlab-live.png")});
  }
  await context.close();
});
