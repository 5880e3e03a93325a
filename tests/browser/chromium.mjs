// Debian's chromium, headless, driven by playwright-core (which downloads no browser).
import { chromium } from "playwright-core";

/** Launch the system's chromium ($CHROMIUM, else /usr/bin/chromium) with the flags CI uses. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run"],
  });
}
