// TimescaleDB for real: the migrations make every org's history a hypertable (7-day chunks), the
// policy function installs compression and retention policies, values are upserted into
// compressed chunks through the ingest path, retention drops whole chunks, and the inspector and
// health (and /metrics) report the extension. Runs on the TimescaleDB PGlite build (jobs run by `CALL run_job`,
// it has no scheduler) and, when the PostgreSQL harness is pointed at a TimescaleDB server
// (TEST_PG_BIN / TEST_PG_OPTIONS with shared_preload_libraries=timescaledb), on that server too.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { createHealthChecker } from "../../src/db/health.ts";
import type { Database } from "../../src/db/index.ts";
import { inspectDatabases } from "../../src/db/inspect.ts";
import { applyValuePolicies, retentionService } from "../../src/ingest/retention.ts";
import { writeValues } from "../../src/ingest/write.ts";
import { testApp, testDatabases } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { type EngineName, testDatabase } from "../harness/db.ts";
import { makePoints } from "../ingest/fixtures.ts";

const DAY = 86_400_000;
/** The first test of a run migrates the TimescaleDB build's snapshot (tens of seconds when busy). */
const SLOW = 240_000;
const engines: EngineName[] = [
  "pglite-timescale",
  ...(/timescaledb/.test(process.env.TEST_PG_OPTIONS ?? "") ? (["postgres"] as const) : []),
];

async function jobOf(db: Database, table: string, proc: "policy_compression" | "policy_retention") {
  const rows = await db.query<{ job_id: number; config: Record<string, unknown> }>(
    `SELECT job_id, config FROM timescaledb_information.jobs
      WHERE proc_name = $1 AND hypertable_schema = 'core' AND hypertable_name = $2`,
    [proc, table],
  );
  return rows[0];
}

const chunks = (db: Database, table: string) =>
  db.query<{ compressed: boolean; n: number }>(
    `SELECT is_compressed AS compressed, count(*)::int AS n FROM timescaledb_information.chunks
      WHERE hypertable_schema = 'core' AND hypertable_name = $1 GROUP BY 1 ORDER BY 1`,
    [table],
  );

describe.each(engines)("TimescaleDB on %s", (engine) => {
  test(
    "an org's history is a hypertable with 7-day chunks; its current table stays plain",
    async () => {
      const t = await testApp(engine);
      await seedOrg(t.deps, { key: "acme" });
      const db = t.dbs.primary;
      expect(await db.engine()).toBe("timescaledb");
      const dims = await db.query<{ hypertable_name: string; time_interval: unknown }>(
        `SELECT hypertable_name, time_interval::text AS time_interval FROM timescaledb_information.dimensions
        WHERE hypertable_schema = 'core' ORDER BY 1`,
      );
      expect(dims).toEqual([{ hypertable_name: "values_acme", time_interval: "7 days" }]);
    },
    SLOW,
  );

  test(
    "policies, upserts into compressed chunks, retention by chunk; the inspector and health report it",
    async () => {
      const t = await testApp(engine, { env: { RETAIN_DAYS: "30", TIMESCALE_COMPRESS_AFTER: "7" } });
      const { org } = await seedOrg(t.deps, { key: "ts" });
      const db = t.dbs.primary;
      const [a] = await makePoints(t.deps, org.id, 1, { prefix: "ts" });
      expect(await applyValuePolicies(t.deps, db)).toMatchObject({ values_ts: "applied" });
      const compression = await jobOf(db, "values_ts", "policy_compression");
      const retention = await jobOf(db, "values_ts", "policy_retention");
      expect(compression?.config).toMatchObject({ compress_after: "7 days" });
      expect(retention?.config).toMatchObject({ drop_after: "30 days" });

      const now = Date.now();
      const at = (daysAgo: number) => new Date(Math.floor((now - daysAgo * DAY) / 60_000) * 60_000);
      const write = (values: { daysAgo: number; v: number }[]) =>
        writeValues({
          deps: t.deps,
          actor: systemActor,
          orgId: org.id,
          values: values.map(({ daysAgo, v }) => ({ entity_id: a!.id, ts: at(daysAgo), value_n: v })),
        });
      await write([
        { daysAgo: 60, v: 1 },
        { daysAgo: 20, v: 2 },
        { daysAgo: 10, v: 3 },
        { daysAgo: 1, v: 4 },
      ]);
      await db.exec(`CALL run_job(${compression!.job_id})`);
      const compressed = (await chunks(db, "values_ts")).find((c) => c.compressed);
      expect(compressed?.n).toBeGreaterThanOrEqual(2);

      // An upsert of an existing row in a compressed chunk, and a new row there.
      await write([
        { daysAgo: 20, v: 20 },
        { daysAgo: 15, v: 15 },
      ]);
      const history = () =>
        db.query<{ value_n: number }>("SELECT value_n FROM core.values_ts WHERE entity_id = $1 ORDER BY ts", [
          a!.id,
        ]);
      expect(await history()).toEqual([
        { value_n: 1 },
        { value_n: 20 },
        { value_n: 15 },
        { value_n: 3 },
        { value_n: 4 },
      ]);

      const [inspected] = await inspectDatabases(t.dbs);
      expect(inspected?.timescaleVersion).toMatch(/^2\.\d+/);
      expect(inspected?.hypertables).toContainEqual(
        expect.objectContaining({ name: "core.values_ts", compression: true }),
      );
      const report = await createHealthChecker(t.dbs).check();
      expect(report.databases[0]).toMatchObject({
        engine: "timescaledb",
        timescaledb_version: inspected?.timescaleVersion,
      });
      const metrics = await (await t.app.request("/metrics")).text();
      expect(metrics).toContain(
        `hs_database_timescaledb_info{database="primary",version="${inspected?.timescaleVersion}"} 1`,
      );

      await db.exec(`CALL run_job(${retention!.job_id})`);
      expect(await history()).toEqual([{ value_n: 20 }, { value_n: 15 }, { value_n: 3 }, { value_n: 4 }]);
    },
    SLOW,
  );

  test(
    "an org created while the server runs, and a secondary seeded with it, get their policies at once",
    async () => {
      const secondary = await testDatabase(engine, "replica");
      const dbs = await testDatabases(engine, [secondary]);
      const t = await testApp(engine, { env: { RETAIN_DAYS: "30", TIMESCALE_COMPRESS_AFTER: "7" }, dbs });
      await seedOrg(t.deps, { key: "late" });
      await t.deps.replicator.deliver("replica");
      for (const db of [t.dbs.primary, secondary]) {
        expect((await jobOf(db, "values_late", "policy_compression"))?.config).toMatchObject({
          compress_after: "7 days",
        });
        expect((await jobOf(db, "values_late", "policy_retention"))?.config).toMatchObject({
          drop_after: "30 days",
        });
      }
    },
    SLOW,
  );

  test(
    "a secondary added later is seeded with an org's history, and its value tables get their policies in the seed",
    async () => {
      const env = { RETAIN_DAYS: "30", TIMESCALE_COMPRESS_AFTER: "7" };
      const first = await testApp(engine, { env });
      await seedOrg(first.deps, { key: "early" });
      // The same primary, restarted with a new, empty secondary: the replicator seeds it.
      const secondary = await testDatabase(engine, "replica");
      const primary = first.dbs.primary;
      const t = await testApp(engine, {
        env,
        dbs: {
          primary,
          secondaries: [secondary],
          state: primary,
          stateIsPrimary: true,
          all: () => [primary, secondary],
          close: async () => {},
        },
      });
      await t.deps.replicator.deliver("replica");
      expect((await t.deps.replicator.status()).map((s) => [s.target, s.seeded])).toEqual([
        ["replica", true],
      ]);
      expect((await jobOf(secondary, "values_early", "policy_compression"))?.config).toMatchObject({
        compress_after: "7 days",
      });
      expect((await jobOf(secondary, "values_early", "policy_retention"))?.config).toMatchObject({
        drop_after: "30 days",
      });
    },
    SLOW,
  );

  test(
    "retention is decided per database: a plain secondary of a TimescaleDB primary loses old history too",
    async () => {
      const secondary = await testDatabase("pglite", "replica");
      const dbs = await testDatabases(engine, [secondary]);
      const t = await testApp(engine, { env: { RETAIN_DAYS: "30" }, dbs });
      const { org } = await seedOrg(t.deps, { key: "mix" });
      const [a] = await makePoints(t.deps, org.id, 1, { prefix: "mix" });
      const now = Date.now();
      await writeValues({
        deps: t.deps,
        actor: systemActor,
        orgId: org.id,
        values: [40, 1].map((d, i) => ({ entity_id: a!.id, ts: new Date(now - d * DAY), value_n: i })),
      });
      await t.deps.replicator.deliver("replica");
      const hist = () =>
        secondary.query<{ value_n: number }>("SELECT value_n FROM core.values_mix ORDER BY ts");
      expect(await hist()).toEqual([{ value_n: 0 }, { value_n: 1 }]);
      await retentionService(t.deps).runOnce();
      expect(await hist()).toEqual([{ value_n: 1 }]);
    },
    SLOW,
  );
});
