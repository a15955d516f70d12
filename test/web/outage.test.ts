// The console during a primary outage (issue 12): with the state database apart from a real
// PostgreSQL primary that is stopped (pg_ctl stop), every page that shows simulator state (the
// dashboard, the simulator list and detail, the activity page, and the live SSE fragments of the
// dashboard and the detail page) answers from memory and the state database, and says `waiting`.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Actor, systemActor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import type { Database } from "../../src/db/index.ts";
import { createSimulatorRuntime, type SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { readState } from "../../src/simulator/store.ts";
import { renderEvents } from "../../src/web/live.tsx";
import { type StateApartApp, testAppStateApart } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";
import { clock, HOUR } from "../simulator/helpers.ts";

let cluster: PgCluster;
let primary: Database;
let t: StateApartApp;
let seeded: SeededOrg;
let rt: SimulatorRuntime;
let simId = 0;
let memberActor: Actor;
const c = clock("2025-03-10T12:07:00Z");

beforeAll(async () => {
  cluster = await startCluster();
  t = await testAppStateApart(cluster.url());
  primary = t.primary;
  seeded = await seedOrg(t.deps, { key: "outage" });
  rt = createSimulatorRuntime({ deps: t.deps, now: c.now, schedule: false, holder: "proc-a" });
  const v = await createSimulator({
    deps: t.deps,
    actor: systemActor,
    orgId: seeded.org.id,
    input: {
      key: "shop1",
      name: "Corner shop",
      template: "retail-rtu",
      interval_minutes: 60,
      backfill_days: 0,
    },
  });
  simId = v.id;
  expect((await rt.tick(simId)).intervals).toBe(1);
  memberActor = (await actorForUser(primary, seeded.member.userId))!;
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await t?.close();
  await cluster?.destroy();
});

const PAGES = () => ["/", "/simulators", `/simulators/${simId}`, "/activity"];

const get = async (path: string, h: Record<string, string> = {}) => {
  const res = await t.app.request(path, {
    headers: { ...bearer(seeded.member.token), accept: "text/html", ...h },
  });
  return { path, status: res.status, body: await res.text() };
};

/** The status badge of the simulator as a page shows it. */
const badge = (html: string) => /class="badge[^"]*"[^>]*>([^<]+)</.exec(html)?.[1]?.trim();

test("while the primary is up, every simulator page opens and says running", async () => {
  for (const path of PAGES()) {
    const r = await get(path);
    expect([path, r.status]).toEqual([path, 200]);
    if (path !== "/activity") expect([path, r.body.includes("Corner shop")]).toEqual([path, true]);
  }
  expect(badge((await get("/simulators")).body)).toBe("running");
});

test("primary stopped: the dashboard, simulator list, detail and activity pages answer and say waiting", async () => {
  await cluster.stop("fast");
  try {
    c.advance(HOUR);
    expect((await rt.tick(simId)).status).toBe("waiting");
    expect((await readState(t.deps, simId))?.status).toBe("waiting");
    await waitFor(() => !primary.availability().up, 30_000, "the primary to be known down");
    for (const path of PAGES()) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 200]);
      if (path === "/activity") {
        // the error event told on entering `waiting`, read from the state database
        expect(r.body).toMatch(/primary database unavailable/i);
        continue;
      }
      expect([path, r.body.includes("Corner shop"), badge(r.body)]).toEqual([path, true, "waiting"]);
      // said in words, not only by the badge's colour
      expect([path, /primary database[^<]*(unavailable|down|not reachable)/i.test(r.body)]).toEqual([
        path,
        true,
      ]);
    }
    // The htmx fragment of the list (its periodic refresh) answers too.
    const rows = await get("/simulators", { "hx-request": "true" });
    expect([rows.status, badge(rows.body)]).toEqual([200, "waiting"]);
    // The live fragments the dashboard and the detail page receive over SSE.
    const client = {
      actor: memberActor,
      orgId: seeded.org.id,
      topics: new Set(["dashboard", `sim:${simId}`]),
    };
    const msgs = await renderEvents(t.deps, client, [
      { type: "simulator:status_changed", at: c.now().toISOString(), data: { simulator_id: simId } },
    ] as never);
    const byEvent = Object.fromEntries(msgs.map((m) => [m.event, badge(m.data)]));
    expect(byEvent).toMatchObject({ [`sim-${simId}`]: "waiting", [`simd-${simId}`]: "waiting" });
  } finally {
    await cluster.start();
  }
  await waitFor(() => primary.availability().up, 30_000, "the primary");
  c.advance(HOUR);
  expect((await rt.tick(simId)).status).toBe("running");
  expect(badge((await get("/simulators")).body)).toBe("running");
}, 120_000);
