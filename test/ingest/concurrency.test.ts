// Concurrent writers on real PostgreSQL. Pollers send batches that list their points in any order;
// two batches touching the same rows in different orders used to deadlock (PostgreSQL aborts one
// after deadlock_timeout and the poller got 503). Writes now lock rows in one global order
// (entity_id, ts), and a deadlock that still happens (here: forced by an outside transaction) is
// retried inside the server before anything is answered.
import { beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { COPY_ROWS } from "../../src/ingest/columns.ts";
import { writeValues } from "../../src/ingest/write.ts";
import type { Logger } from "../../src/log.ts";
import { silentLogger } from "../../src/log.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg, systemActor } from "../harness/auth.ts";
import { waitFor } from "../harness/proc.ts";
import { makePoints } from "./fixtures.ts";

const POINTS = 100;
const STEPS = 10;
const WRITERS = 4;
const ROUNDS = 3;
const T0 = Date.parse("2025-01-06T00:00:00Z");

/** A deterministic permutation of `xs` (mulberry32 shuffle seeded by `seed`). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("concurrent writers on PostgreSQL", () => {
  let t: TestApp;
  let acme: SeededOrg;
  let ids: number[];

  beforeAll(async () => {
    t = await testApp("postgres");
    acme = await seedOrg(t.deps, { key: "acme" });
    ids = (await makePoints(t.deps, acme.org.id, POINTS, { prefix: "acme" })).map((p) => p.id);
  });

  /**
   * Every round, all four writers send the same keys (100 points × `steps` timestamps), each in
   * its own entity order (ascending, descending, two shuffles) and with its own values: they
   * contend for the same history rows and the same current rows.
   */
  async function fourWriters(org: SeededOrg, ids: number[], steps: number) {
    const table = `core.values_${org.org.key}`;
    const batch = (writer: number, round: number) => {
      const order =
        writer === 0 ? ids : writer === 1 ? [...ids].reverse() : shuffled(ids, writer * 1000 + round);
      const values: { entity_id: number; ts: string; value_n: number }[] = [];
      for (const id of order)
        for (let k = 0; k < steps; k++)
          values.push({
            entity_id: id,
            ts: new Date(T0 + (round * steps + k) * 900_000).toISOString(),
            value_n: writer * 1_000_000 + id * 100 + k,
          });
      return values;
    };
    const statuses: number[] = [];
    const bodies: string[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let round = 0; round < ROUNDS; round++) {
          const res = await t.app.request("/bulk/value", {
            method: "POST",
            headers: { ...bearer(org.member.token), "content-type": "application/json" },
            body: JSON.stringify({ org_id: org.org.id, values: batch(writer, round) }),
          });
          statuses.push(res.status);
          if (res.status !== 200) bodies.push(await res.text());
        }
      }),
    );
    expect(bodies).toEqual([]);
    expect(statuses).toEqual(Array(WRITERS * ROUNDS).fill(200));

    const db = t.dbs.primary;
    const [stored] = await db.query<{ n: number; keys: number; bad: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (entity_id, ts))::int AS keys,
              count(*) FILTER (WHERE (value_n::bigint % 1000000) <> entity_id * 100
                 + ((extract(epoch FROM ts) * 1000 - $1::bigint) / 900000)::int % ${steps})::int AS bad
         FROM ${table}`,
      [T0],
    );
    // One row per key (no duplicate, none missing), each holding the value one writer sent for it.
    expect(stored).toEqual({ n: POINTS * steps * ROUNDS, keys: POINTS * steps * ROUNDS, bad: 0 });
    // Current values: one per point, the newest history row.
    const mismatched = await db.query(
      `SELECT c.entity_id FROM ${table}_current c
         JOIN LATERAL (SELECT ts, value_n FROM ${table} h WHERE h.entity_id = c.entity_id
                        ORDER BY ts DESC LIMIT 1) h ON true
        WHERE c.ts <> h.ts OR c.value_n <> h.value_n`,
    );
    expect(mismatched).toEqual([]);
    const [cur] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}_current`);
    expect(cur!.n).toBe(POINTS);
  }

  test("four writers of 1,000-value batches in different entity orders: no error, every value stored once", async () => {
    await fourWriters(acme, ids, STEPS);
  });

  test("the same with 2,500-value batches (copied in as new rows; the losers upsert): no error, every value stored once", async () => {
    const big = await seedOrg(t.deps, { key: "big" });
    const bigIds = (await makePoints(t.deps, big.org.id, POINTS, { prefix: "big" })).map((p) => p.id);
    expect(POINTS * 25).toBeGreaterThanOrEqual(COPY_ROWS);
    await fourWriters(big, bigIds, 25);
  });

  test("a deadlock that still happens is retried inside the server: the write commits once", async () => {
    const db = t.dbs.primary;
    const [a, b] = [ids[0]!, ids[1]!];
    const ts = new Date(T0 + 1000 * 900_000);
    const warnings: string[] = [];
    const log: Logger = {
      ...silentLogger,
      warn: (msg) => {
        warnings.push(msg);
      },
      child: () => log,
    };
    // An outside transaction holds b's current row, waits until the write is blocked on it, then
    // asks for a's new history row, which the write holds: a lock cycle. The outside session waits
    // 10 s before checking for deadlocks, the server's 1 s: PostgreSQL aborts the write, which is
    // retried once the outside transaction committed.
    const outside = postgres(await primaryUrl(t), { max: 1, onnotice: () => {} });
    let write: Promise<unknown> | undefined;
    try {
      await outside.begin(async (tx) => {
        await tx.unsafe("SET LOCAL deadlock_timeout = '10s'");
        await tx.unsafe("SELECT 1 FROM core.values_acme_current WHERE entity_id = $1 FOR UPDATE", [b]);
        write = writeValues({
          deps: { ...t.deps, log },
          actor: systemActor,
          orgId: acme.org.id,
          values: [
            { entity_id: a, ts, value_n: 1 },
            { entity_id: b, ts, value_n: 2 },
          ],
        }).catch((e: unknown) => e);
        await waitFor(
          async () =>
            (
              await db.query(
                "SELECT 1 FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid WHERE NOT l.granted AND s.query LIKE '%values_acme_current%'",
              )
            ).length > 0,
          20_000,
          "the write to wait for the current row",
        );
        await tx.unsafe(
          `INSERT INTO core.values_acme (entity_id, ts, value_n) VALUES ($1, $2::text::timestamp, 99)
           ON CONFLICT (entity_id, ts) DO UPDATE SET value_n = 99`,
          [a, ts.toISOString()],
        );
      });
      expect(await write).toEqual({ written: 2 });
    } finally {
      await outside.end();
    }
    expect(warnings.some((w) => /retry/i.test(w))).toBe(true);
    const rows = await db.query<{ entity_id: number; value_n: number }>(
      "SELECT entity_id, value_n FROM core.values_acme WHERE ts = $1::text::timestamp ORDER BY entity_id",
      [ts.toISOString()],
    );
    // The retried write committed after the outside one: its values are the ones stored.
    expect(rows).toEqual([
      { entity_id: a, value_n: 1 },
      { entity_id: b, value_n: 2 },
    ]);
  });
});

/** The URL of the app's primary database (the harness clones one per test app). */
async function primaryUrl(t: TestApp): Promise<string> {
  const [r] = await t.dbs.primary.query<{ db: string; port: number }>(
    "SELECT current_database() AS db, inet_server_port() AS port",
  );
  return `postgres://postgres@127.0.0.1:${r!.port}/${r!.db}`;
}
