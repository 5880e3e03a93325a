import { createRequire } from "node:module";
import { htmlPages, openPage, startBook } from "./book.mjs";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const book = await startBook();
const rulesets = {all: null, colours: ["color-contrast", "link-in-text-block"]};
for (const theme of ["light", "dark"]) {
  for (const path of htmlPages({redirects: false})) {
    const t0 = Date.now();
    const {page, context} = await openPage(book, path, theme);
    await page.evaluate(() => window.MathJax?.startup?.promise);
    await page.addStyleTag({content: "*, *::before, *::after { transition: none !important; }"});
    await page.addScriptTag({path: axePath});
    const t1 = Date.now();
    const times = {};
    for (const [name, rules] of Object.entries(rulesets)) {
      const s = Date.now();
      await page.evaluate(async (rules) => {
        const opts = rules ? {runOnly: {type: "rule", values: rules}, resultTypes: ["violations"]}
          : {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]};
        await window.axe.run(document, opts);
      }, rules);
      times[name] = Date.now() - s;
    }
    console.log(theme, path, "load", t1 - t0, JSON.stringify(times));
    await context.close();
  }
}
await book.close();
