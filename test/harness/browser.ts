// Headless Chromium for the browser tests: Debian's /usr/bin/chromium, a fresh temporary profile
// per launch, and no background traffic (updates, sync, first-run pages); and a served console to
// point it at (a real `serve` process on a throwaway embedded database).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { type ServerProcess, startServe } from "./proc.ts";

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

export interface ServedConsole {
  server: ServerProcess;
  browser: Browser;
  /** A context on the server's URL, 1280 × 860. */
  ctx: BrowserContext;
  /** Closes the browser, stops the server (SIGTERM) and removes its data directory. */
  close(): Promise<void>;
}

/**
 * A `serve` process on a new embedded data directory, without the demo, whose application admin
 * is `admin`, and Chromium with a context on it.
 */
export async function serveConsole(admin: { email: string; password: string }): Promise<ServedConsole> {
  const dataDir = mkdtempSync(join(tmpdir(), "hs-browser-data-"));
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    server?.proc.kill("SIGTERM");
    await server?.proc.exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    server = await startServe({
      env: {
        DATA_DIR: dataDir,
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        DEMO: "false",
        LOG_LEVEL: "warn",
      },
      timeoutMs: 90_000,
    });
    browser = await launchChromium();
    const ctx = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 860 } });
    return { server, browser, ctx, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Signs `ctx` in through the login page (its cookie then serves every page of the context). */
export async function signIn(ctx: BrowserContext, email: string, password: string): Promise<void> {
  const page = await ctx.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  await page.close();
}
