// Accessibility of the built book: axe-core (from npm, no network at test time) checks every
// built page against WCAG 2 A and AA, in the light and the dark theme, and the test fails on
// any violation, naming the rule and the elements. It is the longest browser check, so each
// edition has its own test file (accessibility-english.test.mjs, accessibility-chinese.test.mjs),
// and `npm test` runs the two side by side.
//
// Run after building the book (quick mode is enough):  cd tests/browser && npm ci && npm test
// Env: see book.mjs.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { htmlPages, openPage, startBook, switchTheme } from "./book.mjs";

// The Chinese edition's pages, beside the English edition's.
const CHINESE = "zh_CN/";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

// Each page is loaded once, judged in the light theme, then switched to the dark one as the
// theme's own button does (book.mjs, switchTheme) and judged again: half the page loads of a
// load per theme, the same checks.
async function violationsNow(page) {
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
      // Only violations are read: axe then skips gathering the passes (faster, same checks).
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      count: v.nodes.length,
    }));
  });
}

/** The test that judges every page of one edition ("English" or "Chinese"). */
export function judgeEdition(edition) {
  let book;
  before(async () => { book = await startBook(); });
  after(async () => { await book?.close(); });
  test(`no page of the ${edition} edition breaks WCAG 2 A or AA, in the light theme or the dark`, async () => {
    const chinese = edition === "Chinese";
    const all = htmlPages({redirects: false}).filter((p) => p.startsWith(CHINESE) === chinese);
    assert.ok(all.length >= 10, `only ${all.length} pages built`);
    await judge(book, all);
  });
}

/** Judge each of the pages `all` in both themes; fail naming every violation found. */
async function judge(book, all) {
  const found = [];
  for (const path of all) {
    const {page, context} = await openPage(book, path, "light");
    try {
      await page.waitForFunction(() => !window.MathJax?.startup || window.MathJax.startup.promise);
      await page.evaluate(() => window.MathJax?.startup?.promise);
      await page.addScriptTag({path: axePath});
      const backgrounds = [];
      for (const theme of ["light", "dark"]) {
        // Judge the colours the page settles on: switchTheme leaves none mid-fade, which would
        // fail at random.
        backgrounds.push(await switchTheme(page, theme));
        for (const v of await violationsNow(page)) {
          found.push(`${path} (${theme} theme): ${v.id} (${v.help}) on ${v.count} element(s), e.g. ${v.nodes.join(", ")}`);
        }
      }
      assert.notEqual(backgrounds[0], backgrounds[1], `${path}: the dark theme did not take`);
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(found, [], "accessibility violations");
}
