// Headless Chromium for the browser tests: Debian's /usr/bin/chromium, a fresh temporary profile
// per launch, and no background traffic (updates, sync, first-run pages).
import { type Browser, chromium } from "playwright-core";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}
