// The simulator list and a simulator's page in headless Chromium against the real server (a
// throwaway embedded database): the list follows simulators created, paused and resumed elsewhere
// without a reload; a page is fetched once (its stream says when it missed events, it does not
// fetch itself again on open); a hidden page closes its stream and makes no requests while events
// arrive, and when shown opens it with what it has seen and re-syncs only when it missed something
// it shows. Screenshots go to a temporary directory (printed), never committed.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { type ServedConsole, serveConsole, signIn } from "../harness/browser.ts";

const EMAIL = "admin@live-list.test";
const PASSWORD = "live list test password";
let served: ServedConsole;
let ctx: BrowserContext;
const shots = mkdtempSync(join(tmpdir(), "hs-live-list-screens-"));

/** Makes `document.hidden` what the test says (headless pages are always visible otherwise). */
const VISIBILITY = `(() => {
  let hidden = false;
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
  window.__setHidden = (h) => {
    hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})()`;

beforeAll(async () => {
  served = await serveConsole({ email: EMAIL, password: PASSWORD });
  ctx = served.ctx;
  await ctx.addInitScript(VISIBILITY);
  await signIn(ctx, EMAIL, PASSWORD);
  console.log(`screenshots: ${shots}`);
}, 120_000);

afterAll(async () => {
  await served?.close();
});

/** The paths (with query) of the requests `page` makes from now on. */
function requestsOf(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    seen.push(`${r.method()} ${u.pathname}${u.search}`);
  });
  return seen;
}

async function createSimulator(page: Page, name: string, key: string, days: string): Promise<number> {
  await page.goto("/simulators/new");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Key").fill(key);
  await page.getByLabel("Backfill (days)").fill(days);
  await page.locator('input[name="template"]').first().check();
  await page.getByRole("button", { name: "Create simulator" }).click();
  await page.waitForURL(/\/simulators\/\d+$/);
  return Number(new URL(page.url()).pathname.split("/").pop());
}

/** The stream of `page` is open (its first request to /events answered). */
const streamOpen = (page: Page) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === "/events", { timeout: 20_000 });

let first = 0;

test("the simulator list shows new simulators, status, points and progress without a reload", async () => {
  const list = await ctx.newPage();
  const errors: string[] = [];
  list.on("pageerror", (e) => errors.push(String(e)));
  const requests = requestsOf(list);
  const open = streamOpen(list);
  await list.goto("/simulators");
  await open;
  await list.locator("text=No simulators yet.").waitFor();
  // a mark in the page as it was loaded: gone if the page were reloaded
  expect(await list.evaluate("window.__kept = true")).toBe(true);

  const control = await ctx.newPage();
  first = await createSimulator(control, "Live list tower", "llt", "3");
  // the row appears, then its points written and last interval fill in as the backfill writes
  const row = list.locator(`#sim-row-${first}`);
  await row.waitFor({ timeout: 30_000 });
  await row.locator(".sim-points").filter({ hasNotText: /^0$/ }).waitFor({ timeout: 60_000 });
  await row.locator(".sim-last time").waitFor({ timeout: 60_000 });
  await row.locator(".badge", { hasText: /^running$/ }).waitFor({ timeout: 60_000 });
  await list.screenshot({ path: join(shots, "simulators-live.png"), fullPage: true });

  // a pause on another page shows in the list
  await control.getByRole("button", { name: "Pause" }).click();
  await control.waitForURL(`**/simulators/${first}`);
  await row.locator(".badge", { hasText: /^paused$/ }).waitFor({ timeout: 30_000 });
  await list.screenshot({ path: join(shots, "simulators-paused.png"), fullPage: true });

  // all of it in the page as it was loaded: no reload, one fetch of the page, no polling
  expect(await list.evaluate("window.__kept === true")).toBe(true);
  expect(requests.filter((r) => r.startsWith("GET /simulators") && !r.includes("/events"))).toEqual([
    "GET /simulators",
  ]);
  expect(errors).toEqual([]);
  await Promise.all([list.close(), control.close()]);
}, 150_000);

test("a page that missed nothing is fetched once; one that missed events catches up", async () => {
  // the simulator is paused: no events while the page loads
  const page = await ctx.newPage();
  const requests = requestsOf(page);
  const open = streamOpen(page);
  await page.goto(`/simulators/${first}`);
  await open;
  // a bounded wait: a page that re-fetched itself when its stream opened would have done it by now
  await page.waitForTimeout(2000);
  expect(requests.filter((r) => r === `GET /simulators/${first}`)).toHaveLength(1);
  expect(requests.filter((r) => r.startsWith("GET /simulators/") && r.endsWith("/chart"))).toEqual([]);

  // a new simulator's page, whose one-day backfill usually ends before its stream opens, shows it
  const fresh = await ctx.newPage();
  const id = await createSimulator(fresh, "Live list retail", "llr", "1");
  const live = fresh.locator(`#simd-${id}`);
  await live.locator(".badge", { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
  await live.locator("dd").nth(4).filter({ hasNotText: /^0$/ }).waitFor({ timeout: 30_000 });
  await Promise.all([page.close(), fresh.close()]);
}, 90_000);

/** The `/events` requests of `page` from now on: opened, and ended (closed by the page or failed). */
function streamsOf(page: Page): { opened: string[]; ended: string[] } {
  const out = { opened: [] as string[], ended: [] as string[] };
  const isStream = (url: string) => new URL(url).pathname === "/events";
  page.on("request", (r) => {
    if (isStream(r.url())) out.opened.push(new URL(r.url()).search);
  });
  page.on("requestfailed", (r) => {
    if (isStream(r.url())) out.ended.push(new URL(r.url()).search);
  });
  page.on("requestfinished", (r) => {
    if (isStream(r.url())) out.ended.push(new URL(r.url()).search);
  });
  return out;
}

const sinceOf = (page: Page) => page.evaluate(`document.getElementById("live").getAttribute("data-since")`);

/** Polls `read` (in the test: the page's CSP refuses waitForFunction's string evaluation) until `ok`. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, tries = 300): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !ok(v); i++) {
    await Bun.sleep(100);
    v = await read();
  }
  return v;
}

test("a hidden page closes its stream, costs nothing while events arrive, and catches up when shown", async () => {
  // a week's backfill: its intervals are written (and announced) for a while after the page opens
  const control = await ctx.newPage();
  const id = await createSimulator(control, "Live list week", "llw", "7");
  const page = await ctx.newPage();
  const open = streamOpen(page);
  await page.goto(`/simulators/${id}`);
  await open;
  const points = `document.querySelectorAll("#simd-${id} dd")[4]?.textContent`;
  // the page applies the stream's updates and keeps what it has seen (data-since) current
  const since0 = await sinceOf(page);
  const panel0 = await page.evaluate(points);
  expect(
    await until(
      () => sinceOf(page),
      (s) => s !== since0,
    ),
  ).not.toBe(since0);
  expect(
    await until(
      () => page.evaluate(points),
      (p) => p !== panel0,
    ),
  ).not.toBe(panel0);

  const streams = streamsOf(page);
  const requests = requestsOf(page);
  await page.evaluate("window.__setHidden(true)");
  // hidden: the stream is closed, and nothing is swapped in or fetched while events arrive
  expect(
    await until(
      async () => streams.ended.length,
      (n) => n > 0,
    ),
  ).toBe(1);
  const hiddenSince = await sinceOf(page);
  const hiddenPanel = await page.evaluate(points);
  await page.waitForTimeout(8000);
  expect(await page.evaluate(points)).toBe(hiddenPanel);
  expect(await sinceOf(page)).toBe(hiddenSince);
  expect(requests).toEqual([]);

  // shown again: one stream, opened with what the page had seen; it missed intervals it shows, so
  // the page's fragment is read once and its parts (the status panel, the chart) catch up
  const resync = page.waitForRequest((r) => new URL(r.url()).pathname === `/simulators/${id}`, {
    timeout: 20_000,
  });
  await page.evaluate("window.__setHidden(false)");
  await resync;
  expect(streams.opened).toEqual([`?topics=sim%3A${id}&since=${encodeURIComponent(String(hiddenSince))}`]);
  expect(
    await until(
      () => page.evaluate(points),
      (p) => p !== hiddenPanel,
    ),
  ).not.toBe(hiddenPanel);
  await page.locator(`#key-points-${id} figure[data-chart]`).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(shots, "simulator-detail-shown.png"), fullPage: true });
  await Promise.all([page.close(), control.close()]);
}, 120_000);

test("a page that missed only events it does not show reconnects without a re-sync", async () => {
  // a paused simulator: its page gets no event of its own
  const control = await ctx.newPage();
  const quiet = await createSimulator(control, "Live list quiet", "llq", "1");
  await control.locator(`#simd-${quiet} .badge`, { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
  await control.getByRole("button", { name: "Pause" }).click();
  await control.locator(`#simd-${quiet} .badge`, { hasText: /^paused$/ }).waitFor({ timeout: 30_000 });
  // the runtime has followed (its status change, an event of the page, is published before the page loads)
  const status = async () =>
    ((await (await control.request.get(`/simulator/${quiet}`)).json()) as { status: string }).status;
  expect(await until(status, (st) => st === "paused")).toBe("paused");
  const page = await ctx.newPage();
  const open = streamOpen(page);
  await page.goto(`/simulators/${quiet}`);
  await open;
  const streams = streamsOf(page);
  const requests = requestsOf(page);
  await page.evaluate("window.__setHidden(true)");
  await until(
    async () => streams.ended.length,
    (n) => n > 0,
  );
  // meanwhile another simulator is created and backfills: events of the org the page ignores
  // (another simulator's intervals, status and activity, values written, records changed)
  const other = await createSimulator(control, "Live list other", "llo", "1");
  await control.locator(`#simd-${other} .badge`, { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
  const reopened = streamOpen(page);
  await page.evaluate("window.__setHidden(false)");
  await reopened;
  expect(streams.opened).toHaveLength(1);
  // a bounded wait: a page told to re-sync would have read itself again by now
  await page.waitForTimeout(2000);
  expect(requests.filter((r) => !r.startsWith("GET /events"))).toEqual([]);

  // an event it shows (its simulator resumed, and its gap filled) while hidden: one re-sync
  await page.evaluate("window.__setHidden(true)");
  await until(
    async () => streams.ended.length,
    (n) => n > 1,
  );
  await control.goto(`/simulators/${quiet}`);
  await control.getByRole("button", { name: "Resume" }).click();
  // (resuming logs its activity before the answer: the page has missed an event it shows)
  await control.waitForURL(`**/simulators/${quiet}`);
  const resync = page.waitForRequest((r) => new URL(r.url()).pathname === `/simulators/${quiet}`, {
    timeout: 20_000,
  });
  await page.evaluate("window.__setHidden(false)");
  await resync;
  await page
    .locator(`#simd-${quiet} dd`, { hasText: /^running$/ })
    .first()
    .waitFor({ timeout: 20_000 });
  await page.waitForTimeout(1000);
  expect(requests.filter((r) => r === `GET /simulators/${quiet}`)).toHaveLength(1);
  await Promise.all([page.close(), control.close()]);
}, 120_000);
