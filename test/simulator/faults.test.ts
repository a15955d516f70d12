// Simulators against real PostgreSQL faults:
// - a server process killed (SIGKILL) in the middle of a backfill and started again: the history
//   has every interval exactly once and the totalizers never decrease;
// - the primary server stopped: the simulator goes `waiting` (its state database, a PGlite
//   directory, stays up and records the story), and fills the gap when the primary is back.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { readActivity } from "../../src/simulator/activity.ts";
import { createSimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { loadCheckpoint, readState } from "../../src/simulator/store.ts";
import { testAppStateApart } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { newPostgresUrl } from "../harness/db.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { startServe, waitFor } from "../harness/proc.ts";
import { ADMIN, api, clock, createOrgAndSimulator, HOUR, serverToken } from "./helpers.ts";

/** Per point: rows, distinct timestamps, span, and decreases of a totalizer, computed in SQL. */
async function continuity(db: Database, table: string, simKey: string, stepSeconds: number) {
  return db.query<{ id: string; n: number; distinct_ts: number; span: number; decreases: number }>(
    `WITH p AS (
       SELECT t.entity_id, t.value_s AS id FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id
        WHERE d.name = 'id' AND t.disabled_ts IS NULL AND t.value_s LIKE $1),
     v AS (
       SELECT p.id, h.ts, h.value_n, h.value_n < lag(h.value_n) OVER (PARTITION BY h.entity_id ORDER BY h.ts) AS down
         FROM core."${table}" h JOIN p ON p.entity_id = h.entity_id)
     SELECT id, count(*)::int AS n, count(DISTINCT ts)::int AS distinct_ts,
            (extract(epoch FROM max(ts) - min(ts)) / $2)::int + 1 AS span,
            count(*) FILTER (WHERE down AND (id LIKE '%.energy' OR id LIKE '%.volume'))::int AS decreases
       FROM v GROUP BY id ORDER BY id`,
    [`${simKey}.%`, stepSeconds],
  );
}

interface Sim {
  id: number;
  points_written: number;
  point_count: number;
  first_interval: string | null;
  last_interval: string | null;
  progress: { kind: string; done: number; total: number } | null;
}

describe("simulator faults on PostgreSQL", () => {
  test("SIGKILL in the middle of a backfill: after a restart no interval is missing or written twice", async () => {
    const url = await newPostgresUrl();
    const env = {
      DATABASE_URL: url,
      DEMO: "false",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SIMULATOR_LEASE_SECONDS: "5",
      LOG_LEVEL: "warn",
    };
    let s = await startServe({ env });
    const token = await serverToken(s.url);
    // Three days of a 1-minute retail simulator: 4,320 intervals, 27 chunks of 160 intervals.
    const { sim } = await createOrgAndSimulator<Sim>(
      s.url,
      token,
      { name: "Kill", key: "kill" },
      { key: "shop", template: "retail-rtu", interval_minutes: 1, backfill_days: 3 },
    );
    const total = 3 * 24 * 60 * sim.point_count;
    let before = 0;
    await waitFor(
      async () => {
        before = (await api<Sim>(s.url, token, `/simulator/${sim.id}`)).points_written;
        return before > 0;
      },
      60_000,
      "the first backfill chunk",
    );
    s.proc.kill("SIGKILL");
    await s.proc.exited;
    expect(before).toBeLessThan(total);

    s = await startServe({ env });
    try {
      const token2 = await serverToken(s.url);
      let after: Sim | undefined;
      await waitFor(
        async () => {
          after = await api<Sim>(s.url, token2, `/simulator/${sim.id}`);
          return after.points_written >= total && after.progress === null;
        },
        120_000,
        "the backfill to finish after the restart",
      );
      const db = await openDatabase({ key: "check", url });
      try {
        const ck = await loadCheckpoint(db, sim.id);
        const rows = await continuity(db, "values_kill", "shop", 60);
        expect(rows.length).toBe(sim.point_count);
        const expected = (ck!.last_ts.getTime() - ck!.first_ts.getTime()) / 60_000 + 1;
        expect(expected).toBeGreaterThanOrEqual(3 * 24 * 60);
        for (const r of rows)
          expect(r).toEqual({ id: r.id, n: expected, distinct_ts: expected, span: expected, decreases: 0 });
        const [sum] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM core."values_kill"');
        expect(sum!.n).toBe(ck!.points_written);
        const { events } = await api<{ events: Array<{ message: string }> }>(
          s.url,
          token2,
          `/simulator/${sim.id}/activity?type=gap_fill&limit=1000`,
        );
        const types = events.map((e) => `gap_fill: ${e.message}`);
        expect(types.some((t) => t.startsWith("gap_fill: Gap fill complete"))).toBe(true);
      } finally {
        await db.close();
      }
    } finally {
      s.proc.kill("SIGTERM");
      await s.proc.exited;
    }
  }, 300_000);

  test("primary stopped: waiting; primary back: the gap is filled; the activity log tells the story", async () => {
    const cluster: PgCluster = await startCluster();
    const t = await testAppStateApart(cluster.url());
    const { primary } = t;
    try {
      const deps = t.deps;
      const { org } = await seedOrg(deps, { key: "acme" });
      const c = clock("2025-03-10T12:07:00Z");
      const rt = createSimulatorRuntime({ deps, now: c.now, schedule: false, holder: "proc-a" });
      const v = await createSimulator({
        deps,
        actor: systemActor,
        orgId: org.id,
        input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 0 },
      });
      expect((await rt.tick(v.id)).intervals).toBe(1);

      await cluster.stop();
      for (let i = 0; i < 3; i++) {
        c.advance(HOUR);
        expect((await rt.tick(v.id)).status).toBe("waiting");
      }
      expect(rt.status(v.id)?.status).toBe("waiting");
      expect((await readState(deps, v.id))?.status).toBe("waiting");

      await cluster.start();
      c.advance(HOUR);
      await waitFor(async () => (await primary.query("SELECT 1")).length === 1, 30_000, "the primary");
      expect(await rt.tick(v.id)).toEqual({ written: 4 * 126, intervals: 4, status: "running" });
      expect((await readState(deps, v.id))?.status).toBe("running");
      const rows = await continuity(primary, "values_acme", "shop1", 3600);
      expect(rows.length).toBe(126);
      for (const r of rows) expect(r).toEqual({ id: r.id, n: 5, distinct_ts: 5, span: 5, decreases: 0 });

      const story = (await readActivity(deps, { simulatorId: v.id, skip: 0, limit: 100 }))
        .reverse()
        .map((e) => e.event_type);
      const errorAt = story.indexOf("error");
      expect(errorAt).toBeGreaterThan(0);
      expect(story.slice(errorAt)).toEqual(["error", "gap_fill", "gap_fill", "recovered"]);
      await rt.stop();
    } finally {
      await t.close();
      await cluster.destroy();
    }
  }, 180_000);
});
