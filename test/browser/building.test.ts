// The console as a building engineer uses it, in headless Chromium against the real app served
// in-process over an embedded database, with an injected clock so that "the next interval" is a
// step of the test, not a wait: the explorer's tree on first open, refs shown by name with links,
// the outside-air minimum in the early morning (site time) on the chart's axis, an override written
// from the point page (priority array, the Haystack pointWrite read, the next simulated interval)
// and its release, live values without a reload, the dashboard's readings. Screenshots of every
// page at desktop and phone width, light and dark, go to a temporary directory (printed) or to
// $SCREENSHOTS_DIR.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { systemActor } from "../../src/access/actor.ts";
import { getEntity } from "../../src/catalog/entities.ts";
import { Grid, HNum, Ref } from "../../src/haystack/kinds.ts";
import { readZincGrid, writeZincGrid } from "../../src/haystack/zinc.ts";
import type { SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { launchChromium, signIn } from "../harness/browser.ts";

const MIN = 60_000;
/** Winter in New York: 10:07 EST. The demo office's two days of history end here. */
const START = "2026-01-14T15:07:00Z";
const clock = {
  t: new Date(START),
  now: () => new Date(clock.t),
  advance(ms: number) {
    clock.t = new Date(clock.t.getTime() + ms);
  },
};

let t: TestApp;
let seeded: SeededOrg;
let rt: SimulatorRuntime;
let server: Server<unknown>;
let browser: Browser;
let ctx: BrowserContext;
let simId = 0;
const shots = process.env.SCREENSHOTS_DIR ?? mkdtempSync(join(tmpdir(), "hs-building-screens-"));
mkdirSync(shots, { recursive: true });

const idOf = async (ref: string) =>
  (await getEntity({ deps: t.deps, actor: systemActor, orgId: seeded.org.id, ref })).id;

beforeAll(async () => {
  t = await testApp("pglite", { clock });
  seeded = await seedOrg(t.deps, { key: "demo", name: "Demo", password: TEST_PASSWORD });
  rt = createSimulatorRuntime({ deps: t.deps, now: clock.now, schedule: false, holder: "browser" });
  const v = await createSimulator({
    deps: t.deps,
    actor: systemActor,
    orgId: seeded.org.id,
    input: {
      key: "tower",
      name: "Demo office tower",
      template: "office-tower",
      interval_minutes: 15,
      backfill_days: 2,
    },
  });
  simId = v.id;
  await rt.tick(simId);
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => t.app.fetch(req, { server: srv }),
  });
  browser = await launchChromium();
  ctx = await browser.newContext({
    baseURL: `http://127.0.0.1:${server.port}`,
    viewport: { width: 1280, height: 860 },
  });
  await signIn(ctx, seeded.admin.email, TEST_PASSWORD);
  console.log(`screenshots: ${shots}`);
}, 180_000);

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await rt?.stop();
  server?.stop(true);
});

/** Charts are redrawn for the new width (app.js, on resize) before a screenshot. */
async function chartsFit(page: Page) {
  const figs = page.locator("figure[data-chart]:has(.uplot-host)");
  for (let i = 0; i < (await figs.count()); i++) {
    const want = await figs
      .nth(i)
      .evaluate((f: { clientWidth: number }) => Math.max(280, f.clientWidth - 16));
    await page.locator(`figure[data-chart][data-drawn-width="${want}"]`).first().waitFor();
  }
}

/** Screenshots at desktop and phone width, light and dark. */
async function shoot(page: Page, name: string) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 860 });
    await chartsFit(page);
    await page.screenshot({ path: join(shots, `${name}-desktop-${scheme}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await chartsFit(page);
    await page.screenshot({ path: join(shots, `${name}-phone-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 860 });
}

/** A page that records script errors and CSP violations. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Uncaught|is not defined/.test(m.text()))
      errors.push(`${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  await page.goto(path);
  return { page, errors };
}

/** One interval later: the clock moves on and the simulator writes it (no sleeping). */
async function nextInterval() {
  clock.advance(15 * MIN);
  const r = await rt.tick(simId);
  expect(r.intervals).toBe(1);
}

test("the explorer opens on the org's site → equipment → point tree", async () => {
  const { page, errors } = await open("/explorer");
  const tree = page.locator("#tree");
  await expect(tree.locator("h2").textContent()).resolves.toBe("Sites and equipment");
  // the site is open, its equipment listed with point counts, their points one click away
  await expect(tree.locator("li.site > details > summary a").first().textContent()).resolves.toBe(
    "Downtown Office Tower",
  );
  const ahu = tree.locator("li.equip summary a", { hasText: "AHU-1 " }).first();
  await ahu.waitFor();
  await ahu.locator("xpath=..").click(); // open the equip's details
  await tree.locator("li.point a", { hasText: "Discharge Air Temp Setpoint" }).first().waitFor();
  expect(await tree.locator("li.equip").count()).toBe(25);
  await expect(tree.locator(".pager").textContent()).resolves.toContain("Page 1");
  await shoot(page, "explorer");

  // searchable: the tree keeps the equipment whose name or points match
  await page.getByLabel("Find equipment or points by name").fill("Chiller");
  await page.getByRole("button", { name: "Find" }).click();
  // "Chiller 1" is on the tree's first page too: the search's answer is the tree whose matches
  // are shown open (waiting for the name alone raced the swap under load).
  await tree.locator("li.equip > details[open] > summary a", { hasText: "Chiller 1" }).waitFor();
  expect(await tree.locator("li.equip summary a", { hasText: "VAV" }).count()).toBe(0);

  // typing on while an answer is slow: the newer search replaces the one in flight (htmx's
  // default drops it, and the tree then showed the older search's results)
  const slow = /\/explorer\/tree\?.*tq=Boi(&|$)/;
  await page.route(slow, async (route) => {
    await Bun.sleep(1500);
    await route.continue().catch(() => {}); // aborted by the newer search meanwhile
  });
  const first = page.waitForRequest(slow);
  await page.getByLabel("Find equipment or points by name").fill("Boi");
  await first;
  const newer = page.waitForRequest(/tq=Boiler(\+|%20)2/, { timeout: 5_000 });
  await page.getByLabel("Find equipment or points by name").fill("Boiler 2");
  await newer;
  await tree.locator("li.equip > details[open] > summary a", { hasText: "Boiler 2" }).waitFor();
  await Bun.sleep(2_000); // past the slow answer: it must not replace the newer tree
  expect(await tree.locator("li.equip summary a", { hasText: "Boiler 1" }).count()).toBe(0);
  await page.unroute(slow);

  // a filter's results keep the tree in sync: only the results' sites, equipment and points
  await page.getByLabel("Haystack filter").fill("point and outside and air and temp");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#tree h2", { hasText: "Tree of the results" }).waitFor();
  await shoot(page, "explorer-filter");
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);

test("refs are shown by the target's name, and the link opens the target", async () => {
  const ahu = await idOf("tower.ahu-1");
  const { page, errors } = await open(`/explorer/entity/${ahu}`);
  await expect(page.locator("h1").textContent()).resolves.toBe("Downtown Office Tower AHU-1 Floors 1-3");
  const siteRef = page
    .locator(".tag-table dt", { hasText: /^siteRef$/ })
    .locator("xpath=following-sibling::dd[1]");
  await expect(siteRef.textContent()).resolves.toBe("Downtown Office Tower");
  expect(await siteRef.textContent()).not.toContain("@");
  // the equipment page lists its points with current values and a trend each
  expect(await page.locator("table.points tbody tr").count()).toBeGreaterThan(8);
  await page.locator("table.points .pv-value").first().waitFor();
  expect(await page.locator("table.points svg.spark").count()).toBeGreaterThan(5);
  await shoot(page, "equip");
  await siteRef.locator("a").click();
  await page.waitForURL(/\/explorer\/entity\/\d+$/);
  await expect(page.locator("h1").textContent()).resolves.toBe("Downtown Office Tower");
  await page.locator("ul.equip-list a", { hasText: "AHU-1" }).first().waitFor();
  await shoot(page, "site");
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);

test("the outside-air minimum falls in the early morning (site time) on the chart's axis", async () => {
  const oat = await idOf("tower.weather.oat");
  // one whole local day, chosen in site wall-clock time (the range form's inputs are site time)
  const { page, errors } = await open(
    `/explorer/entity/${oat}?range=custom&from=2026-01-13T00:00&to=2026-01-14T00:00`,
  );
  await expect(page.getByLabel("From (EST)").inputValue()).resolves.toBe("2026-01-13T00:00");
  await page.locator(".uplot-host canvas").first().waitFor();
  await expect(page.locator(".chart-zone").textContent()).resolves.toBe(
    "Times in site time: EST, America/New_York",
  );
  const spec = JSON.parse(
    (await page.locator('figure[data-chart] script[type="application/json"]').textContent()) ?? "{}",
  ) as { x: number[]; ys: Array<Array<number | null>> };
  const ys = spec.ys[0]!;
  let iMin = 0;
  for (let i = 0; i < ys.length; i++) if ((ys[i] ?? Infinity) < (ys[iMin] ?? Infinity)) iMin = i;
  // hover the chart where the coldest value is; the chart's legend reads the time under the cursor
  const box = (await page.locator(".u-over").boundingBox())!;
  const x0 = spec.x[0]!;
  const x1 = spec.x[spec.x.length - 1]!;
  await page.mouse.move(box.x + ((spec.x[iMin]! - x0) / (x1 - x0)) * box.width, box.y + box.height / 2);
  const at = (await page.locator(".u-legend .u-series").first().locator(".u-value").textContent()) ?? "";
  const hour = Number(/ (\d\d):\d\d$/.exec(at)?.[1]);
  expect(hour).toBeGreaterThanOrEqual(3);
  expect(hour).toBeLessThanOrEqual(9);
  // the same instant in UTC is 5 hours later: the axis is not the browser's (UTC) zone
  const utcHour = new Date(spec.x[iMin]! * 1000).getUTCHours();
  expect((utcHour - hour + 24) % 24).toBe(5);
  // the summary under the chart (readable without JavaScript) says the same
  await expect(page.locator(".chart-summary .ext-lo").textContent()).resolves.toContain(
    ` ${at.slice(11)} EST`,
  );
  // and the server-drawn axis (the no-JavaScript chart) is labelled in site hours
  const ticks = await page.locator("svg.fallback-chart .x-ticks text").allTextContents();
  expect(ticks).toContain("06:00");
  await shoot(page, "point-chart");
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);

test("an override from the point page: priority array, Haystack pointWrite, the next interval; release restores", async () => {
  const ref = "tower.ahu-1.datsp";
  const id = await idOf(ref);
  const { page, errors } = await open(`/explorer/entity/${id}`);
  const value = page.locator(`#pv-${id} .pv-value`);
  const before = (await value.textContent()) ?? "";
  expect(before).toMatch(/°F$/);
  expect(before).not.toBe("61.5 °F");

  await page.getByLabel("Level", { exact: true }).selectOption("8");
  await page.getByLabel("Value (°F)").fill("61.5");
  await page.getByLabel("For").selectOption("60");
  await page.getByRole("button", { name: "Write", exact: true }).click();
  const row8 = page.locator('table.priority tr[data-level="8"]');
  await row8.locator(".pa-val", { hasText: "61.5 °F" }).waitFor();
  await expect(row8.locator("td").nth(2).textContent()).resolves.toBe(seeded.admin.email);
  await expect(page.locator("#pa-effective").textContent()).resolves.toContain("61.5 °F at level 8");

  // the Haystack pointWrite read (over HTTP, Zinc) answers the same array
  const res = await fetch(`http://127.0.0.1:${server.port}/api/demo/pointWrite`, {
    method: "POST",
    headers: { authorization: `Bearer ${seeded.admin.token}`, "content-type": "text/zinc" },
    body: writeZincGrid(Grid.fromRows([{ id: new Ref(ref) }])),
  });
  expect(res.status).toBe(200);
  const grid = readZincGrid(await res.text());
  expect(grid.rows[7]).toEqual({
    level: new HNum(8),
    levelDis: "manual",
    val: new HNum(61.5, "°F"),
    who: seeded.admin.email,
  });
  expect(grid.rows.filter((r) => r.val !== undefined).length).toBe(1);

  // the next interval simulates the written value, and the page shows it without a reload
  const loads: string[] = [];
  page.on("framenavigated", (f) => loads.push(f.url()));
  await nextInterval();
  await value.filter({ hasText: "61.5 °F" }).waitFor({ timeout: 20_000 });
  await page.locator(`#pv-${id} .badge`, { hasText: "override" }).waitFor();
  await shoot(page, "point-override");

  // release: the level empties, and the interval after that is the simulation's again
  await row8.getByRole("button", { name: /Release/ }).click();
  await row8.locator(".pa-val", { hasText: "–" }).waitFor();
  await nextInterval();
  await value.filter({ hasNotText: "61.5 °F" }).waitFor({ timeout: 20_000 });
  expect(await page.locator(`#pv-${id} .badge`, { hasText: "override" }).count()).toBe(0);
  expect(loads).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
}, 90_000);

test("a bad write is refused next to its field and changes nothing", async () => {
  const id = await idOf("tower.ahu-1.datsp");
  const { page } = await open(`/explorer/entity/${id}`);
  await page.getByLabel("Value (°F)").fill("warm");
  await page.getByRole("button", { name: "Write", exact: true }).click();
  await page.locator("#pw-value-err", { hasText: "enter a number in °F" }).waitFor();
  expect(await page.locator("table.priority .pa-val", { hasNotText: "–" }).count()).toBe(0);
  await page.close();
}, 30_000);

test("live values on the equipment page and the dashboard change without a reload", async () => {
  const ahu = await idOf("tower.ahu-1");
  const dat = await idOf("tower.ahu-1.dat");
  const { page: equip, errors } = await open(`/explorer/entity/${ahu}`);
  const { page: dash } = await open("/");
  await dash.locator(`#sim-card-${simId} ul.readings li`).first().waitFor();
  const labels = await dash.locator(`#sim-card-${simId} .reading-label`).allTextContents();
  // winter: the boiler is the plant that runs, not the chiller
  expect(labels).toEqual(["Main meter", "Outside air", "Zone air", "Boiler firing"]);
  await dash.locator(`#sim-card-${simId} .meter-trend svg.spark`).waitFor();
  const tsBefore = await equip.locator(`#pv-${dat}`).getAttribute("data-ts");
  const cardBefore = await dash.locator(`#sim-card-${simId} dl.facts dd`).first().textContent();
  await equip.locator("#live").waitFor({ state: "attached" });
  await nextInterval();
  await equip.locator(`#pv-${dat}:not([data-ts="${tsBefore}"])`).waitFor({ timeout: 20_000 });
  await dash
    .locator(`#sim-card-${simId} dl.facts dd`)
    .first()
    .filter({ hasNotText: cardBefore ?? "" })
    .waitFor({ timeout: 20_000 });
  // values written per second include the simulator's interval
  await dash.locator('#ingest-rate [data-source="simulators"] p', { hasNotText: /^0 values/ }).waitFor({
    timeout: 20_000,
  });
  await shoot(dash, "dashboard");
  expect(errors).toEqual([]);
  await Promise.all([equip.close(), dash.close()]);
}, 60_000);

test("every other page renders at desktop and phone width, light and dark", async () => {
  for (const [name, path] of [
    ["simulators", "/simulators"],
    ["simulator", `/simulators/${simId}`],
    ["activity", "/activity"],
    ["databases", "/databases"],
    ["settings", "/settings"],
    ["chart", `/explorer/chart?points=${await idOf("tower.weather.oat")},${await idOf("tower.vav-1-1.zat")}`],
  ] as const) {
    const { page, errors } = await open(path);
    await page.locator("h1").first().waitFor();
    await shoot(page, name);
    expect(errors).toEqual([]);
    await page.close();
  }
}, 90_000);
