// The console in headless Chromium against the real server (a throwaway embedded database): sign
// in, create a simulator from a template, live updates over SSE on the dashboard and activity
// pages, explorer filter → chart, API token create/revoke, tag text shown as text, sign out.
// Screenshots at desktop and phone widths go to a temporary directory (printed), never committed.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { type ServedConsole, serveConsole } from "../harness/browser.ts";

const EMAIL = "admin@browser.test";
const PASSWORD = "browser test password";
let served: ServedConsole;
let ctx: BrowserContext;
export const shots = mkdtempSync(join(tmpdir(), "hs-screens-"));

beforeAll(async () => {
  served = await serveConsole({ email: EMAIL, password: PASSWORD });
  ctx = served.ctx;
  console.log(`screenshots: ${shots}`);
}, 120_000);

afterAll(async () => {
  await served?.close();
});

async function shoot(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
}

let simId = 0;

test("sign in, create a simulator from a template, and see it live", async () => {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // expected failures (the 422 of the validation round) are not errors; script and CSP problems are
    if (m.type() === "error" && /Content Security Policy|Uncaught|is not defined/.test(m.text()))
      errors.push(m.text());
  });
  await page.goto("/");
  expect(new URL(page.url()).pathname).toBe("/login");
  await shoot(page, "login");
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  await expect(page.locator("h1").textContent()).resolves.toBe("Dashboard");

  await page.goto("/simulators/new");
  await page.getByLabel("Name").fill("Browser <script>alert(1)</script> tower");
  await page.getByLabel("Key").fill("bt");
  await page.getByLabel("Backfill (days)").fill("1");
  await page.locator('input[name="template"]').first().check();
  // a server-side validation error is shown next to its field
  await page.getByLabel("Interval (minutes)").fill("7");
  await page.getByRole("button", { name: "Create simulator" }).click();
  await page.locator(".field .error, pre.error").first().waitFor();
  await shoot(page, "simulator-new-error");
  await page.getByLabel("Interval (minutes)").fill("15");
  await page.getByRole("button", { name: "Create simulator" }).click();
  await page.waitForURL(/\/simulators\/\d+$/);
  simId = Number(new URL(page.url()).pathname.split("/").pop());
  // the name is shown as text, never run as markup
  await expect(page.locator("h1").textContent()).resolves.toBe("Browser <script>alert(1)</script> tower");
  expect(await page.evaluate("document.querySelectorAll('h1 script').length")).toBe(0);

  // live: the status panel fills in over SSE as the backfill writes intervals (no reload)
  await page.locator(`#simd-${simId} dd`).nth(4).filter({ hasNotText: /^0$/ }).waitFor({ timeout: 60_000 });
  await shoot(page, "simulator-detail");

  // the edit page: a bad value is refused next to its field, then the page saves
  await page.goto(`/simulators/${simId}/edit`);
  const config = page.getByLabel("Configuration (YAML or JSON)");
  const doc = await config.inputValue();
  await config.fill(`${doc}notAKey: 1\n`);
  await page.getByRole("button", { name: "Save configuration" }).click();
  await page.locator("#f-config-err", { hasText: "notAKey" }).waitFor();
  await shoot(page, "simulator-edit-error");
  await page.getByLabel("Configuration (YAML or JSON)").fill(doc);
  await page.getByLabel("Stale values (%)").fill("4");
  await page.getByRole("button", { name: "Save configuration" }).click();
  await page.waitForURL(new RegExp(`/simulators/${simId}$`));
  await page.goto("/simulators/new");
  await shoot(page, "simulator-new");
  await page.goto("/simulators/999999");
  // (the application admin sees every org: an unknown id is "not found" for them)
  await expect(page.locator("h1").textContent()).resolves.toMatch(/^Not (allowed|found)$/);
  await shoot(page, "error-page");
  expect(errors).toEqual([]);
  await page.close();
}, 120_000);

test("a new simulator's page shows its finished backfill without a reload", async () => {
  // the backfill of one day finishes within a second, often before the page's event stream is
  // open: the page re-syncs when the stream opens instead of waiting for an event it missed
  const page = await ctx.newPage();
  await page.goto("/simulators/new");
  // the Name and Key labels sit on one line although only Key has a hint below it
  const [nameBox, keyBox] = await Promise.all(
    ["f-name", "f-key"].map((f) => page.locator(`label[for="${f}"]`).boundingBox()),
  );
  expect(nameBox?.y).toBe(keyBox?.y ?? -1);
  await page.getByLabel("Name").fill("Browser retail");
  await page.getByLabel("Key").fill("br");
  await page.getByLabel("Backfill (days)").fill("1");
  await page.locator('input[name="template"][value="retail-rtu"]').check();
  await page.getByRole("button", { name: "Create simulator" }).click();
  await page.waitForURL(/\/simulators\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  const live = page.locator(`#simd-${id}`);
  await live.locator(".badge", { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
  await live.locator("dd").nth(4).filter({ hasNotText: /^0$/ }).waitFor({ timeout: 30_000 });
  // the backfill is shown finished (96 of 96 intervals), or no longer shown
  await page.waitForFunction(
    `(() => { const b = document.querySelector("#simd-${id} .progress-box progress");
      return b === null || (b.max > 0 && b.value === b.max); })()`,
    undefined,
    { timeout: 30_000 },
  );
  await page.locator(`#key-points-${id} figure[data-chart]`).waitFor({ timeout: 30_000 });
  // the weather files are one click away from the simulator's page
  await page.getByRole("link", { name: /Weather files/ }).click();
  await page.waitForURL(new RegExp(`/simulators/${id}/weather$`));
  await page.close();
}, 90_000);

test("the dashboard and activity page update live over SSE", async () => {
  const dash = await ctx.newPage();
  await dash.goto("/");
  await dash.locator(`#sim-card-${simId}`).waitFor();
  const activity = await ctx.newPage();
  await activity.goto("/activity");
  const before = await activity.locator("#activity-list > li").count();
  await dash.waitForFunction("document.querySelector('#live') !== null");

  const control = await ctx.newPage();
  await control.goto(`/simulators/${simId}`);
  await control.getByRole("button", { name: "Pause" }).click();
  await control.waitForURL(`**/simulators/${simId}`);

  // the activity page receives the pause event without reloading
  await activity.locator('#activity-list > li[data-type="pause"]').first().waitFor({ timeout: 20_000 });
  expect(await activity.locator("#activity-list > li").count()).toBeGreaterThan(before);
  // the dashboard card shows the new status without reloading
  // (while a backfill chunk finishes the card says "running pausing", then "paused")
  await dash.locator(`#sim-card-${simId} header`, { hasText: /paus(ed|ing)/ }).waitFor({ timeout: 20_000 });
  await shoot(dash, "dashboard");
  await shoot(activity, "activity");

  await control.getByRole("button", { name: "Resume" }).click();
  await dash
    .locator(`#sim-card-${simId} .badge`, { hasText: /running|waiting/ })
    .waitFor({ timeout: 20_000 });
  await Promise.all([dash.close(), activity.close(), control.close()]);
}, 90_000);

test("explorer: a filter finds points, a syntax error shows its position, a point opens a chart", async () => {
  const page = await ctx.newPage();
  await page.goto("/explorer");
  await page.getByLabel("Haystack filter").fill("point and (temp");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#filter-error").waitFor();
  await expect(page.locator("#filter-error").textContent()).resolves.toContain("column");
  await page.getByLabel("Haystack filter").fill("point and his and temp");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#explorer-results tbody tr").first().waitFor();
  await page.locator(".tree li").first().waitFor();
  await shoot(page, "explorer");
  await page.locator("#explorer-results tbody tr a").first().click();
  await page.waitForURL(/\/explorer\/entity\/\d+$/);
  await page.locator("figure[data-chart] .uplot-host, figure[data-chart] svg").first().waitFor();
  await page.locator(".uplot-host canvas").first().waitFor({ timeout: 10_000 });
  await shoot(page, "chart");
  const csv = await page.request.get(
    (await page.locator("a", { hasText: "Download CSV" }).getAttribute("href")) ?? "",
  );
  expect(csv.status()).toBe(200);
  expect((await csv.text()).split("\n")[0]).toBe("ts,site_time,tz,entity_id,id,dis,unit,value");
  await page.close();
}, 60_000);

test("settings: create a token (shown once) and revoke it; the database inspector renders", async () => {
  const page = await ctx.newPage();
  await page.goto("/settings");
  await page.getByLabel("Token name").fill("ci <b>token</b>");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.locator("#new-token").textContent();
  expect(secret?.trim().startsWith("hst_")).toBe(true);
  await expect(page.locator("#tokens td").first().textContent()).resolves.toBe("ci <b>token</b>");
  await shoot(page, "settings");
  page.once("dialog", (d) => d.accept());
  await page
    .getByRole("button", { name: /Revoke/ })
    .first()
    .click();
  await page.locator("#tokens .badge", { hasText: "revoked" }).waitFor();
  await page.reload();
  expect(await page.locator("#new-token").count()).toBe(0);

  await page.goto("/databases");
  await page.locator("h2", { hasText: "primary" }).waitFor();
  await shoot(page, "databases");
  await page.goto("/simulators");
  await shoot(page, "simulators");
  await page.close();
}, 60_000);

test("sign out", async () => {
  const page = await ctx.newPage();
  await page.goto("/");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
  await page.goto("/settings");
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.close();
}, 30_000);
