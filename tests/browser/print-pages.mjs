// Print pages of the built book to PDF, one file each, as the browser prints them (the theme's
// print style: no sidebars, no buttons), with the maths typeset. tools/book_pdf.py gives the
// pages in reading order and binds the files into one book per edition; it is not a test.
//
// Run: node print-pages.mjs OUT_DIR PAGE...   (PAGE relative to the built site: chapters/vae.html)
// Env: BOOK_DIR (default ../../_build/html), CHROMIUM (see chromium.mjs).

import { join } from "node:path";
import { startBook } from "./book.mjs";

const [outDir, ...pages] = process.argv.slice(2);
const book = await startBook();
try {
  const context = await book.browser.newContext();
  const page = await context.newPage();
  for (const [i, path] of pages.entries()) {
    const response = await page.goto(`${book.origin}/${path}`, {waitUntil: "load"});
    if (response.status() !== 200) throw new Error(`${path}: HTTP ${response.status()}`);
    await page.evaluate(() => window.MathJax?.startup?.promise);  // every formula typeset
    await page.pdf({path: join(outDir, `${i}.pdf`), format: "A4", printBackground: true,
      margin: {top: "15mm", bottom: "15mm", left: "12mm", right: "12mm"}});
  }
} finally {
  await book.close();
}
