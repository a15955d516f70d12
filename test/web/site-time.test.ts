// Building time in the console (issue 16): the simulator page's last interval and next run read in
// the site's zone, named; its backfill form takes the site's wall-clock time and says so; the
// activity page without JavaScript reads in the site's zone, not UTC `Z`; the explorer's trees
// sort names as people do (VAV-2-1 before VAV-10-1). Over the real app on PGlite, as HTML.
// The retail template's store is in America/Phoenix (MST, UTC−7 all year, no DST).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { readActivity } from "../../src/simulator/activity.ts";
import type { SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { clock, HOUR } from "../simulator/helpers.ts";

const c = clock("2025-03-10T12:07:00Z");
let t: TestApp;
let seeded: SeededOrg;
let rt: SimulatorRuntime;
let shop = 0;
let tower = 0;

beforeAll(async () => {
  t = await testApp("pglite", { clock: c });
  seeded = await seedOrg(t.deps, { key: "sitetime" });
  rt = createSimulatorRuntime({ deps: t.deps, now: c.now, schedule: false, holder: "proc-a" });
  const make = (key: string, template: string) =>
    createSimulator({
      deps: t.deps,
      actor: systemActor,
      orgId: seeded.org.id,
      input: { key, template, interval_minutes: 60, backfill_days: 0 },
    });
  shop = (await make("shop", "retail-rtu")).id;
  tower = (await make("tower", "office-tower")).id;
  expect((await rt.tick(shop)).intervals).toBe(1);
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await t?.dbs.close();
});

const html = async (path: string, init: RequestInit = {}) => {
  const res = await t.app.request(path, {
    ...init,
    headers: { ...bearer(seeded.admin.token), accept: "text/html", ...init.headers },
  });
  return { status: res.status, body: await res.text(), location: res.headers.get("location") };
};

/** An instant as `YYYY-MM-DD HH:MM` on a Phoenix wall clock (the reference: Intl, not the app). */
const phoenix = (iso: string) =>
  new Intl.DateTimeFormat("sv-SE", {
    timeZone: "America/Phoenix",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));

/** The text of the `<dd>` after the `<dt>` named `term` in a facts list. */
const fact = (body: string, term: string) =>
  new RegExp(`<dt>${term}</dt><dd[^>]*>(.*?)</dd>`).exec(body)?.[1]?.replace(/<[^>]+>/g, "");

test("the simulator page shows the last interval and next run in the site's zone, and names the zone", async () => {
  const state = (await (
    await t.app.request(`/simulator/state/${shop}`, { headers: bearer(seeded.admin.token) })
  ).json()) as { last_interval: string; next_run: string };
  expect(state.last_interval).toBe("2025-03-10T12:00:00.000Z");
  const { status, body } = await html(`/simulators/${shop}`);
  expect(status).toBe(200);
  expect({
    last: fact(body, "Last interval"),
    next: fact(body, "Next run"),
    zone: fact(body, "Site time zone"),
  }).toEqual({
    last: "2025-03-10 05:00 MST",
    // this test's runtime schedules nothing (no next run); views/simulators/detail.test.tsx shows one
    next: state.next_run ? `${phoenix(state.next_run)} MST` : "–",
    zone: "America/Phoenix",
  });
});

test("the backfill form takes the site's local time, says so, and starts where the site's clock says", async () => {
  const { body } = await html(`/simulators/${shop}`);
  expect(body).toContain("Times are the site&#39;s local time (America/Phoenix).");
  expect(body).toContain('<label for="bf-from">From (site time, MST)</label>');
  // the default start is the last interval, on the site's clock
  expect(/id="bf-from" name="from" type="datetime-local" value="([^"]+)"/.exec(body)?.[1]).toBe(
    "2025-03-10T05:00",
  );
  c.advance(3 * HOUR);
  const res = await html(`/simulators/${shop}/backfill`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ from: "2025-03-10T05:00", to: "2025-03-10T07:00" }).toString(),
  });
  expect([res.status, res.location]).toEqual([303, `/simulators/${shop}`]);
  const [requested] = await readActivity(t.deps, { simulatorId: shop, type: "backfill", skip: 0, limit: 1 });
  expect(requested?.details).toEqual({ from: "2025-03-10T12:00:00.000Z", to: "2025-03-10T14:00:00.000Z" });
  // A time the form cannot read is refused, naming the zone it is read in.
  const bad = await html(`/simulators/${shop}/backfill`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ from: "10 March" }).toString(),
  });
  expect(bad.status).toBe(422);
  expect(bad.body).toContain("in the site&#39;s time (America/Phoenix)");
});

test("the activity page without JavaScript shows events in the site's time with the zone, not UTC Z", async () => {
  const { body } = await html(`/activity?simulator=${shop}`);
  const times = [...body.matchAll(/<time datetime="([^"]+)" data-local-time="[^"]+">([^<]+)<\/time>/g)];
  expect(times.length).toBeGreaterThan(0);
  for (const [, iso, text] of times) expect(text).toBe(`${phoenix(iso!)}:${iso!.slice(17, 19)} MST`);
  expect(body).not.toMatch(/\d\d:\d\d:\d\dZ</);
  // the filter fields are read in that zone too, and say so
  expect(body).toContain('<label for="a-since">Since (site time, MST)</label>');
});

test("the explorer's trees sort names naturally: VAV-2-1 before VAV-10-1", async () => {
  /** The VAVs named in a page, in order (a VAV's points repeat its name: counted once). */
  const vavs = (page: string) => {
    const start = page.indexOf('id="tree"');
    const end = page.indexOf("<table", start);
    const body = page.slice(start, end < 0 ? undefined : end);
    const seen: string[] = [];
    for (const [, f, z] of body.matchAll(/VAV-(\d+)-(\d+)/g)) {
      const name = `${f}-${z}`;
      if (!seen.includes(name)) seen.push(name);
    }
    return seen;
  };
  const natural = Array.from({ length: 12 }, (_, f) => [1, 2, 3, 4].map((z) => `${f + 1}-${z}`)).flat();
  // the org's tree, searched
  const tree = vavs((await html("/explorer/tree?tq=VAV", { headers: { "hx-request": "true" } })).body);
  expect(tree.length).toBeGreaterThan(8);
  expect(tree).toEqual(natural.slice(0, tree.length));
  // the tree of a filter's results
  const results = vavs((await html(`/explorer?filter=${encodeURIComponent("vav and equip")}`)).body);
  expect(results).toEqual(natural);
  expect(tower).toBeGreaterThan(0);
});
