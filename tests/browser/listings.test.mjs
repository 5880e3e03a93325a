// Browser test of the code on the page: in the light and the dark theme, every chapter shows each
// package listing its notebook asks for, visible, numbered and highlighted in colours that can be
// read on the listing's background; every labelled equation renders with its tag; and long
// figure code and exercise solutions stay folded until their toggle is clicked.
//
// Run after building the book (quick mode is enough):  cd tests/browser && npm ci && npm test
// Env: see book.mjs.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openPage, repoDir, startBook, switchTheme } from "./book.mjs";

// Every chapter notebook (not the appendices), read from chapters/: a new chapter is checked too.
const CHAPTERS = readdirSync(join(repoDir, "chapters"))
  .filter((f) => f.endsWith(".ipynb") && !f.startsWith("appendix"))
  .map((f) => f.replace(/\.ipynb$/, ""))
  .sort();
// vaecore/book/source.py's listing backgrounds.
const BACKGROUND = {light: "rgb(246, 248, 250)", dark: "rgb(30, 34, 40)"};

let book;
before(async () => { book = await startBook(); });
after(async () => { await book?.close(); });

const text = (cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/** What a chapter's notebook asks the page to hold: listings, equation tags, folded cells. */
function expected(name) {
  const nb = JSON.parse(readFileSync(join(repoDir, "chapters", `${name}.ipynb`), "utf8"));
  const code = nb.cells.filter((c) => c.cell_type === "code");
  const markdown = nb.cells.filter((c) => c.cell_type === "markdown").map(text).join("\n");
  return {
    listings: code.filter((c) => /^show_code\(/m.test(text(c))).length,
    tags: [...markdown.matchAll(/\\tag\{([^}]+)\}/g)].map((m) => m[1]),
    folded: code.filter((c) => (c.metadata.tags ?? []).includes("hide-input")).length,
  };
}

/** Run `check(page, name, expected(name))` on every chapter's page, then require no problems. */
async function onEachChapter(theme, check) {
  for (const name of CHAPTERS) {
    const {page, context, problems} = await openPage(book, `chapters/${name}.html`, theme);
    try {
      await check(page, name, expected(name));
      assert.deepEqual(problems, [], `problems on ${name}`);
    } finally {
      await context.close();
    }
  }
}

// Each page is loaded once and checked in the light theme, then in the dark one (book.mjs,
// switchTheme); the listing's background, which each theme sets, shows the switch took.
test("every chapter's listings are visible, numbered and highlighted (light and dark theme)", async () => {
  await onEachChapter("light", async (page, name, want) => {
    assert.ok(want.listings >= 1, `${name}: its notebook shows no package code`);
    for (const theme of ["light", "dark"]) {
      await switchTheme(page, theme);
      const listings = page.locator(".vx-code");
      assert.equal(await listings.count(), want.listings, `${name}: listings on the page`);
      for (let i = 0; i < want.listings; i++) {
        const listing = listings.nth(i);
        await listing.scrollIntoViewIfNeeded();
        assert.ok(await listing.isVisible(), `${name}: listing ${i + 1} is not visible`);
        const look = await listing.evaluate((el) => {
          const rgb = (c) => c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
          const luminance = (c) => {
            const [r, g, b] = rgb(c).map((v) => {
              const s = v / 255;
              return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const contrast = (a, b) => {
            const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
            return (hi + 0.05) / (lo + 0.05);
          };
          const background = getComputedStyle(el).backgroundColor;
          const pre = el.querySelector("pre");
          const tokens = [...pre.querySelectorAll("span")].filter(
            (s) => !s.classList.contains("linenos") && !s.classList.contains("hll") && s.textContent.trim());
          const colours = [...new Set([getComputedStyle(pre).color,
            ...tokens.map((s) => getComputedStyle(s).color)])];
          return {
            background,
            colours: colours.length,
            worst: Math.min(...colours.map((c) => contrast(c, background))),
            numbers: pre.querySelectorAll(".linenos").length,
            where: el.querySelector(".vx-where")?.textContent ?? "",
            height: el.getBoundingClientRect().height,
          };
        });
        const what = `${name} (${theme} theme), listing ${i + 1} (${look.where})`;
        assert.equal(look.background, BACKGROUND[theme], `${what}: background`);
        assert.match(look.where, /^vaecore\/\S+\.py: \S+$/, `${what}: does not say where it lives`);
        assert.ok(look.numbers >= 2 && look.height > 40, `${what}: no numbered lines`);
        assert.ok(look.colours >= 4, `${what}: not highlighted (${look.colours} colours)`);
        assert.ok(look.worst >= 4.5, `${what}: contrast ${look.worst.toFixed(2)} < 4.5 (WCAG AA)`);
      }
    }
  });
});

test("every labelled equation renders with its tag, and no formula fails", async () => {
  await onEachChapter("light", async (page, name, want) => {
    await page.waitForFunction(() => window.MathJax?.startup?.promise);
    await page.evaluate(() => window.MathJax.startup.promise);
    const found = await page.evaluate(() => ({
      errors: document.querySelectorAll("mjx-merror").length,
      // each \tag is typeset as a labelled row; its label is the tag's text
      tags: [...document.querySelectorAll("mjx-container mjx-labels")].length,
      formulas: document.querySelectorAll("mjx-container").length,
    }));
    assert.ok(found.formulas > 10, `${name}: only ${found.formulas} formulas typeset`);
    assert.equal(found.errors, 0, `${name}: a formula failed to typeset`);
    assert.equal(found.tags, want.tags.length, `${name}: tags ${want.tags.join(", ")}`);
  });
});

test("long figure code and exercise solutions are folded until their toggle is clicked", async () => {
  await onEachChapter("light", async (page, name, want) => {
    const folded = page.locator(".cell.tag_hide-input");
    assert.equal(await folded.count(), want.folded, `${name}: folded cells`);
    const cell = folded.last();  // the exercise's solution, which the build ran
    await cell.scrollIntoViewIfNeeded();
    const code = cell.locator(".cell_input pre").first();
    assert.equal(await code.isVisible(), false, `${name}: the solution is visible before the toggle`);
    assert.match(await cell.locator(".cell_output").textContent(), /agrees with \w/);
    await cell.locator("details summary").first().click();
    await code.waitFor({state: "visible", timeout: 5000});
    assert.match(await code.textContent(), /def \w+\(/);
  });
});
