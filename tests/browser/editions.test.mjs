// Browser test of the book's two editions: English at the root, Chinese under zh_CN/. Every page
// of each says its language, links to the same page in the other edition (and the link, clicked,
// gets there), loads every image, and asks nothing of any other machine. Every Chinese page reads
// in Chinese: its title, its text and the parts of the table of contents beside it, and its search
// finds Chinese words. (Links and anchors are checked on every page of both by
// book.test.mjs, the explorers by explorers.test.mjs, accessibility by accessibility.test.mjs.)
//
// Run after building the book (make book; quick mode is enough):  cd tests/browser && npm test
// Env: see book.mjs.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { assertImagesLoad, bookDir, htmlPages, openPage, startBook } from "./book.mjs";

const ZH = "zh_CN/";
const CJK = /[\u4e00-\u9fff]/;
const english = htmlPages({redirects: false}).filter((p) => !p.startsWith(ZH)).sort();

// The API appendix's reference is generated from vaecore's docstrings and stays in English (the
// page says so, in Chinese, in the paragraph before it).
const API = "chapters/appendix-api.html";

/** Paragraphs, list items, headings, captions and table headers of the page's prose that hold
 * three English words in a row (not an acronym like "CC BY-SA") and no Chinese. Not prose to translate: what the code prints or
 * displays, code, citations and the bibliography's entries, and (with `apiReference`) the API
 * reference below its introduction. */
function untranslatedProse(page, apiReference) {
  return page.evaluate(([cjk, api]) => {
    const skip = ".cell_output, pre, code, .citation-list, .bibtex-citation"
      + (api ? ", section section" : "");
    const prose = "p, li, h2, h3, figcaption, th".split(", ").map((t) => `article.bd-article ${t}`);
    const words = (el) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let text = "";
      while (walker.nextNode()) {
        if (!walker.currentNode.parentElement.closest(skip)) text += walker.currentNode.textContent;
      }
      return text.trim();
    };
    return [...document.querySelectorAll(prose.join(", "))]
      .filter((el) => !el.closest(skip))
      .map(words)
      .filter((text) => /[A-Za-z][a-z]+[ -][A-Za-z]?[a-z]+[ -][A-Za-z]?[a-z]+/.test(text))
      .filter((text) => !new RegExp(cjk).test(text));
  }, [CJK.source, apiReference]);
}

let book;
before(async () => { book = await startBook(); });
after(async () => { await book?.close(); });

test("both editions hold the same pages", () => {
  assert.ok(english.length >= 10, `only ${english.length} English pages`);
  const missing = english.filter((p) => !existsSync(join(bookDir, ZH, p)));
  assert.deepEqual(missing, [], "English pages without a Chinese edition");
  const chinese = htmlPages({redirects: false}).filter((p) => p.startsWith(ZH));
  assert.equal(chinese.length, english.length, "the Chinese edition has pages the English lacks");
});

// Each page is opened in English, checked, switched to Chinese by its link, checked there, and
// switched back: three page loads for the pair, and every check of each edition on each page.
test("every page says its language in each edition and switches to the same page in the other", async () => {
  const failures = [];
  for (const path of english) {
    const {page, context, problems} = await openPage(book, path);
    try {
      for (const [edition, lang, other] of [["", "en", "zh-CN"], [ZH, "zh-CN", "en"]]) {
        const here = edition + path;
        const there = edition ? path : ZH + path;
        assert.equal(await page.getAttribute("html", "lang"), lang, `${here}: html lang`);
        await assertImagesLoad(page);
        if (edition === ZH) {
          assert.match(await page.title(), CJK, `${here}: the title is not in Chinese`);
          const heading = await page.evaluate(
            () => [...document.querySelectorAll("h1")].map((h) => h.innerText.trim()).find(Boolean));
          assert.match(heading, CJK, `${here}: heading`);
          const parts = await page.locator(".bd-sidebar-primary .caption-text").allInnerTexts();
          assert.ok(parts.length >= 5 && parts.every((t) => CJK.test(t)), `${here}: parts ${parts}`);
          const english = await untranslatedProse(page, path === API);
          assert.deepEqual(english, [], `${here}: prose left in English`);
        }
        const links = page.locator("a.language-switch");
        assert.equal(await links.count(), 1, `${here}: ${await links.count()} language switches`);
        const link = links.first();
        assert.equal(await link.getAttribute("hreflang"), other, `${here}: the switch's hreflang`);
        await Promise.all([page.waitForURL(`**/${there}`), link.click()]);
        assert.equal(await page.getAttribute("html", "lang"), other, `${there}: html lang after the switch`);
      }
      assert.deepEqual(problems, [], `problems on ${path} or ${ZH + path}`);
    } catch (error) {
      failures.push(error.message);
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(failures, [], "pages that fail");
});

test("the Chinese edition's explorers speak Chinese, with the English edition's frames", async () => {
  const {page, context, problems} = await openPage(book, `${ZH}chapters/vae.html`);
  const en = await openPage(book, "chapters/vae.html");
  try {
    const zh = page.locator(".vaecore-explorer");
    const eng = en.page.locator(".vaecore-explorer");
    assert.ok((await zh.count()) >= 1 && (await zh.count()) === (await eng.count()));
    for (let i = 0; i < (await zh.count()); i++) {
      const texts = await zh.nth(i).locator(".vx-title, label, button, .vx-note, .vx-readout").allInnerTexts();
      for (const text of texts.filter((t) => /[a-z]{3}/i.test(t.replace(/\b(VAE|KL|RMS|GAN|PCA)\b/g, "")))) {
        assert.match(text, CJK, `explorer ${i}: "${text}" is not translated`);
      }
      const frames = (x) => x.nth(i).locator("script.vx-data").textContent()
        .then((t) => JSON.parse(t)).then((d) => JSON.stringify(d.frames ?? d.dims.map((e) => e.frames)));
      assert.equal(await frames(zh), await frames(eng), `explorer ${i}: the frames differ`);
    }
    assert.deepEqual([...problems, ...en.problems], []);
  } finally {
    await context.close();
    await en.context.close();
  }
});

// Sphinx segments Chinese text into words with jieba (requirements.txt): without it, the Chinese
// edition's index holds no Chinese word and a reader's search for one finds nothing.
test("the Chinese edition's search finds Chinese words", async () => {
  const index = readFileSync(join(bookDir, ZH, "searchindex.js"), "utf8");
  const terms = Object.keys(JSON.parse(index.replace(/^[^(]*\(/, "").replace(/\);?\s*$/, "")).terms);
  assert.ok(terms.filter((t) => CJK.test(t)).length >= 500, "few Chinese words in the index");
  const {page, context, problems} = await openPage(book, `${ZH}search.html?q=${encodeURIComponent("后验")}`);
  try {
    const results = page.locator("#search-results ul.search li a");
    await results.first().waitFor({timeout: 30000});
    const found = await results.evaluateAll((links) => links.map((a) => new URL(a.href).pathname));
    assert.ok(found.some((p) => p.endsWith(`/${ZH}chapters/vae.html`)), `found ${found}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The theme's own Chinese catalog lacks several of its labels, and a few of its components
// hard-code English ones (tools/book_i18n.py THEME_LABELS and tools/templates fill them in): every
// label, tooltip and placeholder around the chapter, what the buttons and screen readers say, is
// Chinese. The notebooks the buttons open are the English ones, and the edit button edits the
// page's catalog, where its Chinese text lives.
test("a Chinese chapter's buttons speak Chinese, say the notebooks are English, edit its catalog", async () => {
  const {page, context, problems} = await openPage(book, `${ZH}chapters/vae.html`);
  try {
    // A tooltip's text moves from title to data-bs-original-title once Bootstrap sets it up. Not
    // read: the chapter itself (the other tests read its prose), what only the print shows, and
    // the switch to English, which says in English where it goes.
    const labels = await page.evaluate(() => {
      const said = [];
      for (const e of document.querySelectorAll("body *")) {
        if (e.closest("article.bd-article, .onlyprint, .language-switch, script, style")) continue;
        for (const name of ["title", "aria-label", "data-bs-title", "data-bs-original-title", "placeholder"]) {
          if (e.getAttribute(name)) said.push(e.getAttribute(name));
        }
        if (e.matches("button, .btn, .dropdown-item")) said.push(e.innerText.trim());
      }
      return said;
    });
    assert.ok(labels.length >= 20, `only ${labels.length} labels found`);
    const english = labels.filter((t) => t && /[A-Za-z]{3}/.test(t.replace(/Binder|Colab|Thebe|pdf|ipynb|Ctrl/gi, ""))
      && !CJK.test(t));
    assert.deepEqual(english, [], "labels left in English");
    const tooltip = (e) => e.getAttribute("title") || e.getAttribute("data-bs-original-title");
    for (const name of ["Binder", "Colab"]) {
      const item = page.locator(".article-header-buttons .dropdown-item", {hasText: name});
      assert.match(`${await item.getAttribute("title")} ${await item.innerText()}`, /英文/, `${name} does not say English`);
    }
    const download = page.locator(".article-header-buttons .btn-download-source-button");
    assert.match(await download.evaluate(tooltip), /英文/, "the download does not say English");
    const edit = await page.locator(".btn-source-edit-button").getAttribute("href");
    assert.match(edit, /\/edit\/main\/locales\/zh_CN\/LC_MESSAGES\/chapters\/vae\.po$/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
