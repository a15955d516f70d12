// The history table's indexes (migration 0009): the (entity_id, ts) key serves reads of one point
// newest first (a B-tree reads backwards), so no second (entity_id, ts DESC) index is kept where
// the key serves; the migration drops only the index hs_ensure_value_tables created, and only
// where the key serves it.
import { describe, expect, test } from "bun:test";
import { type Database, migrate } from "../../src/db/index.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";

const MIGRATION = "0009_drop_redundant_value_index";

const indexes = async (db: Database, table: string) =>
  (
    await db.query<{ i: string }>(
      "SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'core' AND tablename = $1 ORDER BY 1",
      [table],
    )
  ).map((r) => r.i);

describe.each(ENGINES)("value history indexes on %s", (engine) => {
  test("a new org's history table has its key only, and reads newest first through it", async () => {
    const db = await testDatabase(engine);
    await db.query("SELECT core.hs_ensure_value_tables('acme')");
    expect(await indexes(db, "values_acme")).toEqual(["values_acme_pkey"]);
    await db.exec(`INSERT INTO core.values_acme (entity_id, ts, value_n)
      SELECT e, timestamp '2025-01-01' + make_interval(mins => 15 * k), k
        FROM generate_series(1, 100) e, generate_series(1, 200) k;
      ANALYZE core.values_acme`);
    const plan = (
      await db.query<{ "QUERY PLAN": string }>(
        "EXPLAIN SELECT * FROM core.values_acme WHERE entity_id = 1 ORDER BY ts DESC LIMIT 10",
      )
    )
      .map((r) => r["QUERY PLAN"])
      .join("\n");
    expect(plan).toContain("Index Scan Backward using values_acme_pkey");
    expect(plan).not.toContain("Sort");
  });

  test("a table whose key lists ts first still gets the (entity_id, ts DESC) index", async () => {
    const db = await testDatabase(engine);
    await db.exec(`CREATE TABLE core.values_tsfirst (entity_id int4 NOT NULL, ts timestamp NOT NULL,
      value_n numeric, value_b bool, value_s varchar, value_ts timestamp, value_dict jsonb, status varchar,
      PRIMARY KEY (ts, entity_id))`);
    await db.query("SELECT core.hs_ensure_value_tables('tsfirst')");
    expect(await indexes(db, "values_tsfirst")).toEqual([
      "ix_values_tsfirst_entity_ts_desc",
      "values_tsfirst_pkey",
    ]);
  });

  test("the migration drops only the index we created, and only where the key serves it", async () => {
    const db = await testDatabase(engine);
    // As 0002 left them: our index beside the key; the same definition under another name; our
    // name on a table without an (entity_id, ts) key.
    await db.query("SELECT core.hs_ensure_value_tables('old')");
    await db.exec(`CREATE INDEX ix_values_old_entity_ts_desc ON core.values_old (entity_id, ts DESC);
      CREATE INDEX values_old_by_hand ON core.values_old (entity_id, ts DESC);
      CREATE TABLE core.values_nokey (entity_id int4 NOT NULL, ts timestamp NOT NULL, value_n numeric);
      CREATE INDEX ix_values_nokey_entity_ts_desc ON core.values_nokey (entity_id, ts DESC);
      INSERT INTO core.values_old (entity_id, ts, value_n) VALUES (1, '2025-01-01', 1), (1, '2025-01-02', 2);`);
    await db.query("DELETE FROM core.hs_migration WHERE scope = 'building' AND name = $1", [MIGRATION]);
    expect((await migrate(db, "building")).applied).toEqual([MIGRATION]);
    expect(await indexes(db, "values_old")).toEqual(["values_old_by_hand", "values_old_pkey"]);
    expect(await indexes(db, "values_nokey")).toEqual(["ix_values_nokey_entity_ts_desc"]);
    expect(await db.query("SELECT count(*)::int AS n FROM core.values_old")).toEqual([{ n: 2 }]);
  });
});
