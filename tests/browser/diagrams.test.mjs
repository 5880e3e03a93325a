// Browser test of the schematic figures (tools/diagrams.py draws them into chapters/diagrams):
// in both editions and both themes, every diagram is on some chapter's page, decodes, is shown
// at a readable size, keeps its white card (no filter that inverts or hides it in the dark
// theme), and has alt text; the Chinese edition shows the Chinese drawing, with Chinese alt text.
//
// Run after building the book (make book; quick mode is enough):  cd tests/browser && npm test
// Env: see book.mjs.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bookDir, htmlPages, openPage, repoDir, startBook, switchTheme } from "./book.mjs";

const ZH = "zh_CN/";
const CJK = /[\u4e00-\u9fff]/;
const NAMES = readdirSync(join(repoDir, "chapters", "diagrams"))
  .filter((f) => f.endsWith(".svg") && !f.endsWith(".zh_CN.svg"))
  .map((f) => f.replace(/\.svg$/, ""));
// The chapters whose English page names a diagram's file (opening only those keeps the test short;
// a diagram on no page fails below all the same).
const CHAPTERS = htmlPages({redirects: false})
  .filter((p) => p.startsWith("chapters/"))
  .filter((p) => NAMES.some((n) => readFileSync(join(bookDir, p), "utf8").includes(`/${n}.svg"`)));

let book;
before(async () => { book = await startBook(); });
after(async () => { await book?.close(); });

test("there are diagrams to test", () => {
  assert.ok(NAMES.length >= 10, `only ${NAMES.length} diagrams in chapters/diagrams`);
});

// Each page is loaded once per edition and checked in the light theme, then in the dark one
// (book.mjs, switchTheme).
for (const edition of ["", ZH]) {
  test(`every diagram renders in the ${edition ? "Chinese" : "English"} edition, light and dark theme`, async () => {
    const seen = new Map();
    const seenThemes = new Set();  // the page backgrounds met: one per theme
    const failures = [];
    for (const path of CHAPTERS) {
      const {page, context, problems} = await openPage(book, edition + path, "light");
      try {
        for (const theme of ["light", "dark"]) {
          const background = await switchTheme(page, theme);
          const found = await page.evaluate(async (names) => {
            const out = [];
            for (const img of document.querySelectorAll("article img")) {
              const file = decodeURIComponent(img.src.split("/").pop());
              const name = names.find((n) => file === `${n}.svg` || file === `${n}.zh_CN.svg`);
              if (!name) continue;
              img.scrollIntoView();
              let decoded = true;
              try { await img.decode(); } catch { decoded = false; }
              const style = getComputedStyle(img);
              out.push({name, file, decoded, natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                alt: img.alt, filter: style.filter, opacity: style.opacity, visibility: style.visibility});
            }
            return out;
          }, NAMES);
          for (const d of found) {
            const where = `${edition}${path} (${theme} theme): ${d.name}`;
            seen.set(d.name, where);
            if (!d.decoded || d.natural === 0) failures.push(`${where}: does not decode`);
            if (d.shown < 300) failures.push(`${where}: shown ${d.shown} px wide`);
            if (/invert/.test(d.filter) || d.opacity !== "1" || d.visibility !== "visible") {
              failures.push(`${where}: hidden or inverted (${d.filter}, opacity ${d.opacity})`);
            }
            if (d.alt.split(/\s+/).length < 5 && !(edition && d.alt.length >= 20)) {
              failures.push(`${where}: alt text ${JSON.stringify(d.alt)}`);
            }
            if (edition) {
              if (d.file !== `${d.name}.zh_CN.svg`) failures.push(`${where}: shows ${d.file}, not the Chinese drawing`);
              if (!CJK.test(d.alt)) failures.push(`${where}: alt text not in Chinese`);
            } else if (d.file !== `${d.name}.svg`) {
              failures.push(`${where}: shows ${d.file}`);
            }
          }
          seenThemes.add(background);
        }
        failures.push(...problems.map((p) => `${edition}${path}: ${p}`));
      } finally {
        await context.close();
      }
    }
    const missing = NAMES.filter((n) => !seen.has(n));
    assert.deepEqual(missing, [], "diagrams on no chapter's page");
    assert.equal(seenThemes.size, 2, "the dark theme did not take");
    assert.deepEqual(failures, []);
  });
}
