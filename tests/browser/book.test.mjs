// Browser test of the built book as a whole: no broken internal link anywhere, the launch and
// download buttons of every notebook page point at this repository's file (or its plain copy), the bibliography
// holds every cited work, the API appendix documents every public vaecore function and class,
// and an exercise's solution opens from its toggle.
//
// Run after building the book (quick mode is enough):  cd tests/browser && npm ci && npm test
// Env: see book.mjs; JUPYTER (the venv's jupyter: its python lists vaecore's public names).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { assertImagesLoad, bookDir, htmlPages, openPage, repoDir, startBook } from "./book.mjs";

let book;
before(async () => { book = await startBook(); });
after(async () => { await book?.close(); });

const idsCache = new Map();
/** The ids (anchors) defined in a built page. */
function idsOf(file) {
  if (!idsCache.has(file)) {
    const html = readFileSync(file, "utf8");
    idsCache.set(file, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
  }
  return idsCache.get(file);
}

/** The repository, branch and book folder named in _config.yml. */
function repository() {
  const config = readFileSync(join(repoDir, "_config.yml"), "utf8");
  const block = config.split(/^repository:\s*$/m)[1];
  const field = (name) => block.match(new RegExp(`^\\s+${name}:\\s*"?([^"\\n]*)"?`, "m"))[1].trim();
  return {url: field("url"), branch: field("branch"), path: field("path_to_book")};
}

test("no internal link is broken, on any page", () => {
  const pages = htmlPages();
  assert.ok(pages.length >= 10, `only ${pages.length} pages built`);
  const broken = [];
  let checked = 0;
  for (const page of pages) {
    const file = join(bookDir, page);
    const html = readFileSync(file, "utf8");
    for (const [, href] of html.matchAll(/<a\s[^>]*href="([^"]*)"/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href === "#" || href === "") continue;  // external
      const [path, anchor] = href.split("#");
      const target = path ? resolve(dirname(file), decodeURI(path)) : file;
      checked += 1;
      if (!target.startsWith(bookDir) || !existsSync(target)) {
        broken.push(`${page}: ${href} (no such file)`);
      } else if (anchor && target.endsWith(".html") && !idsOf(target).has(decodeURIComponent(anchor))) {
        broken.push(`${page}: ${href} (no such anchor)`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} internal links found`);
  assert.deepEqual(broken, [], "broken internal links");
});

// Binder, Colab and the download button give the chapter's plain copy (tools/plain_notebooks.py),
// from the branch `notebooks` and from the site.
test("every notebook page launches this repository's notebook in Binder and Colab, and downloads it", async () => {
  const repo = repository();
  const [, owner, name] = repo.url.match(/github\.com\/([^/]+)\/([^/]+?)\/?$/);
  const notebooks = readdirSync(join(repoDir, "chapters")).filter((f) => f.endsWith(".ipynb"));
  assert.ok(notebooks.length >= 5);
  for (const nb of notebooks) {
    const path = [repo.path, "chapters", nb].filter(Boolean).join("/");
    const {page, context, problems} = await openPage(book, `chapters/${nb.replace(".ipynb", ".html")}`);
    try {
      const hrefs = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      const binder = `https://mybinder.org/v2/gh/${owner}/${name}/notebooks?urlpath=lab/tree/chapters/${nb}`;
      const colab = `https://colab.research.google.com/github/${owner}/${name}/blob/notebooks/chapters/${nb}`;
      assert.ok(hrefs.includes(binder), `${nb}: no Binder link ${binder}`);
      assert.ok(hrefs.includes(colab), `${nb}: no Colab link ${colab}`);
      assert.ok(await page.locator("button.btn-launch-thebe, .btn-launch-thebe").count() >= 1, `${nb}: no live-code button`);
      assert.ok(hrefs.some((h) => h.includes("edit/") && h.endsWith(path)), `${nb}: no edit-this-page link`);
      const download = hrefs.find((h) => !h.includes(":") && h.endsWith(`notebooks/chapters/${nb}`));
      assert.ok(download, `${nb}: no .ipynb download link`);
      const response = await page.request.get(new URL(download, page.url()).href);
      assert.equal(response.status(), 200, `${nb}: the download link is broken`);
      const plain = (await response.json()).cells.filter((c) => c.cell_type === "markdown");
      assert.ok(plain.length > 0 && !plain.some((c) => /\{admonition\}|\{term\}`/.test(c.source)),
        `${nb}: the downloaded notebook is not the plain copy`);
      assert.ok(existsSync(join(repoDir, "chapters", nb)), `${nb}: not in the repository`);
      assert.deepEqual(problems, [], `problems on ${nb}`);
    } finally {
      await context.close();
    }
  }
});

test("the bibliography lists every cited work, and citations link to it", async () => {
  const sources = [join(repoDir, "intro.md"), ...readdirSync(join(repoDir, "chapters"))
    .filter((f) => /\.(md|ipynb)$/.test(f)).map((f) => join(repoDir, "chapters", f))];
  const keys = new Set(sources.flatMap((f) => [...readFileSync(f, "utf8")
    .matchAll(/\{cite:[pt]\}`([^`]+)`/g)].flatMap((m) => m[1].split(",").map((k) => k.trim()))));
  assert.ok(keys.size >= 15, `only ${keys.size} works cited`);
  const {page, context, problems} = await openPage(book, "chapters/bibliography.html");
  try {
    const entries = await page.locator(".citation, dl.citation > dt, div[role='list'] > .citation").count();
    const text = await page.locator("main").textContent();
    assert.ok(entries >= keys.size, `${entries} entries for ${keys.size} cited works`);
    for (const needle of ["Auto-Encoding Variational", "Importance Weighted Autoencoders",
      "A Recurrent Latent Variable Model for Sequential Data", "PacGAN", "VEEGAN"]) {
      assert.ok(text.toLowerCase().includes(needle.toLowerCase()), `the bibliography lacks "${needle}"`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // A citation in a chapter is a link into the bibliography.
  const vrnn = await openPage(book, "chapters/vrnn.html");
  try {
    const cites = vrnn.page.locator("a[href*='bibliography.html#']");
    assert.ok(await cites.count() >= 3, "the VRNN chapter's citations do not link to the bibliography");
  } finally {
    await vrnn.context.close();
  }
});

test("the API appendix documents every public vaecore function and class", async () => {
  const python = process.env.JUPYTER ? join(dirname(process.env.JUPYTER), "python")
    : join(repoDir, ".venv/bin/python");
  const names = JSON.parse(execFileSync(python, ["-c", `
import importlib, inspect, json, pkgutil, vaecore
names = []
for info in pkgutil.walk_packages(vaecore.__path__, "vaecore."):
    module = importlib.import_module(info.name)
    for name, obj in vars(module).items():
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj)) \\
                and obj.__module__ == module.__name__:
            names.append(f"{module.__name__}.{name}")
print(json.dumps(names))`], {encoding: "utf8"}));
  assert.ok(names.length >= 60, `only ${names.length} public names found`);
  const {page, context, problems} = await openPage(book, "chapters/appendix-api.html");
  try {
    const ids = new Set(await page.locator("[id]").evaluateAll((els) => els.map((e) => e.id)));
    const missing = names.filter((n) => !ids.has(n));
    assert.deepEqual(missing, [], "public names missing from the API appendix");
    await assertImagesLoad(page);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("an exercise's solution is hidden until its toggle is clicked", async () => {
  const {page, context, problems} = await openPage(book, "chapters/vrnn.html");
  try {
    const solution = page.locator(".admonition.dropdown").first();
    await solution.scrollIntoViewIfNeeded();
    const body = solution.locator("p").last();
    assert.equal(await body.isVisible(), false, "the solution is visible before the toggle");
    await solution.locator(".toggle-button, summary, .admonition-title").first().click();
    await body.waitFor({state: "visible", timeout: 5000});
    assert.ok((await body.textContent()).length > 20);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
