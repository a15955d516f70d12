// Faults with two real PostgreSQL servers. A new, empty secondary is seeded by the snapshot copy;
// stopped, it misses writes, which it gets from the outbox when it is back: afterwards both hold
// identical rows (count and checksum per table), nothing written twice. A stopped primary answers
// 503 and keeps no partial state; started again, writes succeed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Database, migrate, openDatabase } from "../../src/db/index.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { json } from "../harness/http.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";
import { makePoints, type TestPoint } from "./fixtures.ts";

/** Tables compared between primary and secondary, with their order key. */
export const COMPARED: readonly [string, string][] = [
  ["core.org", "id"],
  ['core."user"', "id"],
  ["core.entity", "id"],
  ["core.entity_tag", "id"],
  ["core.org_entity_permission", "id"],
  ["core.org_user", "id"],
  ["core.org_tag_permission", "id"],
  ["core.tag_def", "id"],
  ["core.values_acme", "entity_id, ts"],
  ["core.values_acme_current", "entity_id"],
];

export async function fingerprint(db: Database, table: string, key: string) {
  const [r] = await db.query<{ n: number; sum: string | null }>(
    `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY ${key})) AS sum FROM ${table} t`,
  );
  return { table, ...r };
}

async function createDb(c: PgCluster, name: string): Promise<string> {
  const admin = await openDatabase({ key: "admin", url: c.url() });
  try {
    await admin.exec(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  return c.url(name);
}

describe("two PostgreSQL servers", () => {
  let c1: PgCluster;
  let c2: PgCluster;
  let primary: Database;
  let secondary: Database;
  let t: TestApp;
  let acme: SeededOrg;
  let pts: TestPoint[];
  let written = 0;

  beforeAll(async () => {
    [c1, c2] = await Promise.all([startCluster(), startCluster()]);
    primary = await openDatabase({ key: "primary", url: await createDb(c1, "hs") });
    // The secondary is a new, empty database: the replicator migrates and seeds it.
    secondary = await openDatabase({ key: "replica", url: await createDb(c2, "hs") });
    await migrate(primary, "building");
    await migrate(primary, "state");
    t = await testApp("postgres", {
      dbs: {
        primary,
        secondaries: [secondary],
        state: primary,
        stateIsPrimary: true,
        all: () => [primary, secondary],
        close: async () => {},
      },
    });
    acme = await seedOrg(t.deps, { key: "acme" });
    pts = await makePoints(t.deps, acme.org.id, 20, { prefix: "acme" });
  });

  afterAll(async () => {
    await t?.deps.replicator.stop();
    await Promise.allSettled([primary?.close(), secondary?.close()]);
    await Promise.allSettled([c1?.destroy(), c2?.destroy()]);
  });

  let batchNo = 0;
  /** A bulk request of 20 points × 10 timestamps, with one duplicate per point. */
  const batch = () => {
    const start = Date.parse("2025-02-01T00:00:00Z") + batchNo++ * 10 * 60_000;
    const values = pts.flatMap((p) =>
      Array.from({ length: 10 }, (_, i) => ({
        entity_id: p.id,
        ts: new Date(start + i * 60_000).toISOString(),
        value_n: batchNo * 100 + i,
      })),
    );
    values.push({ ...values[0]!, value_n: -1 });
    return { values, distinct: values.length - 1 };
  };
  const post = (values: unknown[]) =>
    t.app.request("/bulk/value", {
      method: "POST",
      headers: { ...bearer(acme.member.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: acme.org.id, values }),
    });
  const count = async (db: Database) =>
    (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM core.values_acme"))[0]!.n;
  const caughtUp = async () => {
    await t.deps.replicator.deliver("replica");
    return (await t.deps.replicator.backlog("replica")) === 0;
  };

  test("a new secondary is seeded, then kept current by the outbox", async () => {
    const b = batch();
    expect((await post(b.values)).status).toBe(200);
    written += b.distinct;
    await waitFor(caughtUp, 30_000, "secondary seeded and caught up");
    for (const [table, key] of COMPARED)
      expect(await fingerprint(secondary, table, key)).toEqual(await fingerprint(primary, table, key));
    const status = await t.deps.replicator.status();
    expect(status).toEqual([{ target: "replica", backlog: 0, lagSeconds: 0, lastError: null, seeded: true }]);
  });

  test("a stopped secondary misses nothing: identical rows after it is back, nothing twice", async () => {
    await c2.stop("immediate");
    for (let i = 0; i < 5; i++) {
      const b = batch();
      expect((await post(b.values)).status).toBe(200);
      written += b.distinct;
    }
    await t.deps.replicator.deliver("replica");
    expect(await t.deps.replicator.backlog("replica")).toBe(5);
    const report = await json(await t.app.request("/health/databases"));
    const replica = report.databases.find((d: { key: string }) => d.key === "replica");
    expect(replica).toMatchObject({ status: "unhealthy", backlog: 5 });
    expect(replica.lag_seconds).toBeGreaterThanOrEqual(0);
    const metrics = await (await t.app.request("/metrics")).text();
    expect(metrics).toContain('hs_database_backlog{database="replica"} 5');
    expect(metrics).toContain('hs_database_lag_seconds{database="replica"}');

    await c2.start();
    await waitFor(caughtUp, 30_000, "secondary caught up");
    expect(await count(primary)).toBe(written);
    expect(await count(secondary)).toBe(written);
    for (const [table, key] of COMPARED)
      expect(await fingerprint(secondary, table, key)).toEqual(await fingerprint(primary, table, key));
  });

  test("a stopped primary answers 503 and keeps nothing; started again, writes succeed", async () => {
    const outboxBefore = await primary.query("SELECT count(*)::int AS n FROM core.hs_outbox");
    // Fast shutdown: the throwaway clusters run with synchronous_commit=off, so an immediate stop
    // could lose the last commits (e.g. outbox deletes) and blur what this test checks.
    await c1.stop("fast");
    const failed = batch();
    const res = await post(failed.values);
    expect(res.status).toBe(503);
    expect(typeof (await json(res)).detail).toBe("string");
    await c1.start();
    await waitFor(async () => (await primary.query("SELECT 1")).length === 1, 30_000, "primary back");
    expect(await count(primary)).toBe(written);
    expect(await primary.query("SELECT count(*)::int AS n FROM core.hs_outbox")).toEqual(outboxBefore);
    const again = await post(failed.values);
    expect(again.status).toBe(200);
    written += failed.distinct;
    await waitFor(caughtUp, 30_000, "secondary caught up");
    expect(await count(secondary)).toBe(written);
    for (const [table, key] of COMPARED)
      expect(await fingerprint(secondary, table, key)).toEqual(await fingerprint(primary, table, key));
  });
});
