// Retention and compression: the TimescaleDB policy function is a no-op on PostgreSQL and PGlite,
// and the daily job deletes expired history (primary, then the secondary through the outbox),
// keeping current values.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { applyValuePolicies, deleteExpiredValues, retentionService } from "../../src/ingest/retention.ts";
import { writeValues } from "../../src/ingest/write.ts";
import { testApp, testDatabases } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { makePoints } from "./fixtures.ts";

const DAY = 86_400_000;

describe.each(ENGINES)("value retention on %s", (engine) => {
  test("TimescaleDB policies are a no-op without the extension", async () => {
    const t = await testApp(engine, { env: { RETAIN_DAYS: "30", TIMESCALE_COMPRESS_AFTER: "7" } });
    const { org } = await seedOrg(t.deps, { key: "pol" });
    expect(await applyValuePolicies(t.deps, t.dbs.primary)).toMatchObject({ values_pol: "none" });
    expect(org.key).toBe("pol");
    const [r] = await t.dbs.primary.query<{ r: string }>(
      "SELECT core.hs_value_policies('values_pol', NULL, NULL) AS r",
    );
    expect(r).toEqual({ r: "none" });
    expect(t.dbs.primary.query("SELECT core.hs_value_policies('x; drop', 1, 1)")).rejects.toThrow(
      "invalid value table",
    );
  });

  test("the daily job deletes history older than RETAIN_DAYS on every database and keeps current values", async () => {
    const secondary = await testDatabase(engine, "replica");
    const dbs = await testDatabases(engine, [secondary]);
    const t = await testApp(engine, { env: { RETAIN_DAYS: "30" }, dbs });
    const { org } = await seedOrg(t.deps, { key: "ret" });
    const [a, b] = await makePoints(t.deps, org.id, 2, { prefix: "ret" });
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY);
    await writeValues({
      deps: t.deps,
      actor: systemActor,
      orgId: org.id,
      values: [
        { entity_id: a!.id, ts: at(40), value_n: 1 },
        { entity_id: a!.id, ts: at(31), value_n: 2 },
        { entity_id: a!.id, ts: at(1), value_n: 3 },
        { entity_id: b!.id, ts: at(35), value_n: 4 },
      ],
    });
    await t.deps.replicator.deliver("replica");
    const hist = (db = t.dbs.primary) =>
      db.query<{ entity_id: number; value_n: number }>(
        "SELECT entity_id, value_n FROM core.values_ret ORDER BY ts",
      );
    expect(await hist(secondary)).toHaveLength(4);

    const job = retentionService(t.deps);
    await job.runOnce();
    expect(await hist()).toEqual([{ entity_id: a!.id, value_n: 3 }]);
    const current = await t.dbs.primary.query(
      "SELECT entity_id, value_n FROM core.values_ret_current ORDER BY entity_id",
    );
    expect(current).toEqual([
      { entity_id: a!.id, value_n: 3 },
      { entity_id: b!.id, value_n: 4 },
    ]);
    await t.deps.replicator.deliver("replica");
    expect(await hist(secondary)).toEqual([{ entity_id: a!.id, value_n: 3 }]);
    expect(await t.deps.replicator.backlog("replica")).toBe(0);
    // Nothing left to delete: a second run changes nothing and records nothing.
    expect(await deleteExpiredValues(t.deps)).toBe(0);
    expect(await t.deps.replicator.backlog("replica")).toBe(0);
  });

  test("without RETAIN_DAYS nothing is deleted; the job starts and stops cleanly", async () => {
    const t = await testApp(engine);
    const { org } = await seedOrg(t.deps, { key: "keep" });
    const [p] = await makePoints(t.deps, org.id, 1, { prefix: "keep" });
    await writeValues({
      deps: t.deps,
      actor: systemActor,
      orgId: org.id,
      values: [{ entity_id: p!.id, ts: new Date("1999-01-01T00:00:00Z"), value_n: 1 }],
    });
    const job = retentionService(t.deps);
    job.start();
    await job.stop();
    expect(await deleteExpiredValues(t.deps)).toBe(0);
    expect(await t.dbs.primary.query("SELECT count(*)::int AS n FROM core.values_keep")).toEqual([{ n: 1 }]);
  });
});
