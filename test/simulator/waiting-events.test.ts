// Every primary outage is told once in a simulator's activity log: one `error` on entering
// `waiting` and one `recovered` on leaving it, outage after outage, with the state database
// (embedded, apart from the primary) and GET /simulator/state|health showing `waiting` meanwhile,
// served from memory and the state database (issue 12).
import { expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { hearingAccessChanges } from "../../src/access/changes.ts";
import { readActivity } from "../../src/simulator/activity.ts";
import { createSimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { readState } from "../../src/simulator/store.ts";
import { testAppStateApart } from "../harness/app.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";
import { clock, HOUR } from "./helpers.ts";

test("three outages of the primary: three error events and three recovered events, one of each per outage", async () => {
  const cluster = await startCluster();
  const t = await testAppStateApart(cluster.url());
  const { primary } = t;
  try {
    const deps = t.deps;
    const { org, member } = await seedOrg(deps, { key: "acme" });
    /** GET of a simulator route with the member's API token; status code and body. */
    const get = async (path: string) => {
      const res = await t.app.request(path, { headers: bearer(member.token) });
      return { status: res.status, body: await res.json() };
    };
    const c = clock("2025-03-10T12:07:00Z");
    const rt = createSimulatorRuntime({ deps, now: c.now, schedule: false, holder: "proc-a" });
    const v = await createSimulator({
      deps,
      actor: systemActor,
      orgId: org.id,
      input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 0 },
    });
    expect((await rt.tick(v.id)).intervals).toBe(1);
    // Seen once while the primary is up: the caller and the simulator are known from then on.
    expect((await get(`/simulator/state/${v.id}`)).body).toMatchObject({ status: "running" });
    for (let outage = 0; outage < 3; outage++) {
      await cluster.stop("fast");
      for (let i = 0; i < 2; i++) {
        c.advance(HOUR);
        expect((await rt.tick(v.id)).status).toBe("waiting");
      }
      expect((await readState(deps, v.id))?.status).toBe("waiting");
      await waitFor(() => !primary.availability().up, 30_000, "the primary to be known down");
      // Served from memory and the state database while the primary is down.
      for (const path of [`/simulator/state/${v.id}`, `/simulator/health/${v.id}`])
        expect(await get(path)).toMatchObject({
          status: 200,
          body: { id: v.id, status: "waiting", healthy: false },
        });
      await cluster.start();
      await waitFor(() => primary.availability().up, 30_000, "the primary");
      // The access-change listener listens again before the next outage: no credential changed in
      // between, so the caller known before this outage is still served in the next one.
      await waitFor(() => hearingAccessChanges(deps), 30_000, "the access-change listener");
      c.advance(HOUR);
      expect((await rt.tick(v.id)).status).toBe("running");
    }
    const story = (await readActivity(deps, { simulatorId: v.id, skip: 0, limit: 200 }))
      .reverse()
      .map((e) => e.event_type)
      .filter((e) => e === "error" || e === "recovered");
    expect(story).toEqual(["error", "recovered", "error", "recovered", "error", "recovered"]);
    await rt.stop();
  } finally {
    await t.close();
    await cluster.destroy();
  }
}, 240_000);
