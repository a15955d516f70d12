// "Run now" on the simulator page says what happened (it said "Running now." whatever happened):
// the intervals it wrote, or that nothing was due until the next interval (on the site's clock),
// that the simulator is paused, or that a backfill is already running. Over the real app on
// PGlite, as HTML: the flash the redirect leaves is read on the page it leads to.
// The retail template's store is in America/Phoenix (MST, UTC−7 all year, no DST).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import type { SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator, pauseSimulator, resumeSimulator } from "../../src/simulator/service.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { clock, DAY, HOUR } from "../simulator/helpers.ts";

const c = clock("2025-03-10T12:07:00Z");
let t: TestApp;
let seeded: SeededOrg;
let rt: SimulatorRuntime;
let shop = 0;

beforeAll(async () => {
  t = await testApp("pglite", { clock: c });
  seeded = await seedOrg(t.deps, { key: "runnow" });
  rt = createSimulatorRuntime({ deps: t.deps, now: c.now, schedule: false, holder: "proc-a" });
  shop = (
    await createSimulator({
      deps: t.deps,
      actor: systemActor,
      orgId: seeded.org.id,
      input: { key: "shop", template: "retail-rtu", interval_minutes: 60, backfill_days: 0 },
    })
  ).id;
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await t?.dbs.close();
});

/** Posts "Run now" as the org's admin; returns the flash shown on the page the redirect leads to. */
async function runNow(id: number, token = seeded.admin.token): Promise<string[]> {
  const res = await t.app.request(`/simulators/${id}/run`, {
    method: "POST",
    headers: { ...bearer(token), accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
    body: "",
  });
  expect([res.status, res.headers.get("location")]).toEqual([303, `/simulators/${id}`]);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await t.app.request(`/simulators/${id}`, {
    headers: { ...bearer(token), accept: "text/html", cookie },
  });
  const body = await page.text();
  return [...body.matchAll(/<div class="flash (\w+)" role="\w+">([^<]*)<\/div>/g)].map(
    (m) => `${m[1]}: ${m[2]?.replace(/&#39;/g, "'")}`,
  );
}

test("run now writes the interval due and says how many it wrote, up to when (site time)", async () => {
  const flash = await runNow(shop);
  expect(flash).toHaveLength(1);
  expect(flash[0]).toMatch(/^ok: Ran 1 interval \([\d,]+ values\), up to 2025-03-10 05:00 MST\.$/);
});

test("run now with nothing due writes nothing and says when the next interval is due, in the site's zone", async () => {
  const before = await rt.tick(shop);
  expect(before.intervals).toBe(0);
  expect(await runNow(shop)).toEqual([
    "info: Nothing due: the next interval is due at 2025-03-10 06:00 MST.",
  ]);
});

test("after three hours run now writes the three intervals due", async () => {
  c.advance(3 * HOUR);
  const flash = await runNow(shop);
  expect(flash[0]).toMatch(/^ok: Ran 3 intervals \([\d,]+ values\), up to 2025-03-10 08:00 MST\.$/);
  expect(await runNow(shop)).toEqual([
    "info: Nothing due: the next interval is due at 2025-03-10 09:00 MST.",
  ]);
});

test("run now on a paused simulator writes nothing and says it is paused", async () => {
  await pauseSimulator({ deps: t.deps, actor: systemActor, id: shop });
  c.advance(2 * HOUR);
  expect(await runNow(shop)).toEqual([
    "warn: Nothing ran: the simulator is paused. Resume it to write the intervals due.",
  ]);
  const state = (await (
    await t.app.request(`/simulator/state/${shop}`, { headers: bearer(seeded.admin.token) })
  ).json()) as { last_interval: string };
  expect(state.last_interval).toBe("2025-03-10T15:00:00.000Z");
  await resumeSimulator({ deps: t.deps, actor: systemActor, id: shop });
});

test("run now while a backfill runs starts nothing more and says one is running", async () => {
  const tower = (
    await createSimulator({
      deps: t.deps,
      actor: systemActor,
      orgId: seeded.org.id,
      input: { key: "tower", template: "office-tower", interval_minutes: 15, backfill_days: 0 },
    })
  ).id;
  // a long backfill (60 days of 15-min intervals), started and left running
  const backfill = rt.tick(tower, { from: new Date(c.now().getTime() - 60 * DAY), ignoreMaxGap: true });
  while (!rt.status(tower)?.progress) await Bun.sleep(5);
  expect(await runNow(tower)).toEqual([
    "info: Already running: a backfill or gap fill is in progress; its progress shows below.",
  ]);
  rt.cancel(tower);
  await backfill;
}, 120_000);

test("a member who is not an admin cannot run it", async () => {
  const res = await t.app.request(`/simulators/${shop}/run`, {
    method: "POST",
    headers: { ...bearer(seeded.member.token), accept: "text/html" },
  });
  expect(res.status).toBe(403);
});
