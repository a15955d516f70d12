import { describe, expect, test } from "bun:test";
import type { Database } from "../../src/db/index.ts";
import { createReplicator } from "../../src/ingest/replicate.ts";
import { silentLogger } from "../../src/log.ts";
import { testDatabases } from "../harness/app.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";

const dump = (db: Database, sql: string) => db.query(sql);

describe.each(ENGINES)("outbox replication on %s", (engine) => {
  test("catalog rows, deletes, value tables and values reach the secondary with the same ids", async () => {
    const secondary = await testDatabase(engine, "replica");
    const dbs = await testDatabases(engine, [secondary]);
    const r = createReplicator({ dbs, log: silentLogger });
    expect(r.targets).toEqual(["replica"]);
    const t0 = new Date("2025-01-01T00:00:00Z");
    const t1 = new Date("2025-01-01T00:15:00Z");
    await dbs.primary.transaction(async (tx) => {
      await tx.query("SELECT setval('core.org_id_seq', 41)");
      const [org] = await tx.query<{ id: number }>(
        "INSERT INTO core.org (name, key, value_table, schema_name) VALUES ('Acme', 'acme', 'values_acme', 'acme') RETURNING id",
      );
      await tx.query("SELECT core.hs_ensure_value_tables('acme')");
      await r.recordRows(tx, "core.org", "id", [org!.id]);
      await r.record(tx, { op: "value_tables", orgKey: "acme", chunkDays: 7 });
      const [u] = await tx.query<{ id: number }>(
        `INSERT INTO core."user" (email) VALUES ('a@b.c') RETURNING id`,
      );
      const [ua] = await tx.query<{ id: number }>(
        "INSERT INTO core.user_app (user_id) VALUES ($1) RETURNING id",
        [u!.id],
      );
      await r.recordRows(tx, 'core."user"', "id", [u!.id]);
      await r.recordRows(tx, "core.user_app", "id", [ua!.id]);
      await tx.query(
        "INSERT INTO core.tag_def (name, pref_unit) VALUES ('zz_replica_test', ARRAY['°F','°C'])",
      );
      await r.recordRows(tx, "core.tag_def", "name", ["zz_replica_test"]);
      const rows = [
        { entity_id: 1, ts: t0, value_n: 1.5, status: "ok" },
        { entity_id: 1, ts: t1, value_n: 2.5, status: "ok" },
      ];
      await tx.query(
        "INSERT INTO core.values_acme (entity_id, ts, value_n, status) SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS x(entity_id int, ts timestamp, value_n numeric, status varchar)",
        [JSON.stringify(rows)],
      );
      await r.record(tx, { op: "values", orgKey: "acme", rows });
    });
    expect(await r.backlog("replica")).toBe(6);
    await r.deliver("replica");
    expect(await r.backlog("replica")).toBe(0);

    for (const sql of [
      "SELECT id, name, key, value_table FROM core.org ORDER BY id",
      'SELECT id, email FROM core."user" ORDER BY id',
      "SELECT id, user_id FROM core.user_app ORDER BY id",
      "SELECT name, pref_unit FROM core.tag_def WHERE name = 'zz_replica_test'",
      "SELECT * FROM core.values_acme ORDER BY entity_id, ts",
    ])
      expect(await dump(secondary, sql)).toEqual(await dump(dbs.primary, sql));
    expect((await dump(secondary, "SELECT id FROM core.org"))[0]).toEqual({ id: 42 });
    expect(await dump(secondary, "SELECT * FROM core.values_acme_current")).toEqual([
      {
        entity_id: 1,
        ts: t1,
        value_n: 2.5,
        value_b: null,
        value_s: null,
        value_ts: null,
        value_dict: null,
        status: "ok",
      },
    ]);

    // Deletes, and an older value that must not move the secondary's current row backwards.
    await dbs.primary.transaction(async (tx) => {
      const [ua] = await tx.query<{ id: number }>("DELETE FROM core.user_app RETURNING id");
      await r.recordDelete(tx, "core.user_app", "id", [ua!.id]);
      await r.record(tx, {
        op: "values",
        orgKey: "acme",
        rows: [{ entity_id: 1, ts: new Date("2024-12-31T00:00:00Z"), value_n: 9 }],
      });
    });
    await r.deliver("replica");
    expect(await dump(secondary, "SELECT * FROM core.user_app")).toEqual([]);
    expect(await dump(secondary, "SELECT ts FROM core.values_acme_current")).toEqual([{ ts: t1 }]);
    expect(await dump(secondary, "SELECT count(*)::int AS n FROM core.values_acme")).toEqual([{ n: 3 }]);
  });

  test("without secondaries nothing is recorded", async () => {
    const dbs = await testDatabases(engine);
    const r = createReplicator({ dbs, log: silentLogger });
    await dbs.primary.transaction((tx) => r.recordRows(tx, "core.org", "id", [1]));
    expect(await dbs.primary.query("SELECT count(*)::int AS n FROM core.hs_outbox")).toEqual([{ n: 0 }]);
  });

  test("a secondary that is down keeps its backlog, and gets it in order when back", async () => {
    const secondary = await testDatabase(engine, "down");
    const dbs = await testDatabases(engine, [secondary]);
    const r = createReplicator({ dbs, log: silentLogger });
    await secondary.close();
    await dbs.primary.transaction(async (tx) => {
      await tx.query("INSERT INTO core.tag_def (name) VALUES ('x')");
      await r.recordRows(tx, "core.tag_def", "name", ["x"]);
    });
    await r.deliver("down");
    expect(await r.backlog("down")).toBe(1);
    const status = await r.status();
    expect(status[0]).toMatchObject({ target: "down", backlog: 1 });
    expect(status[0]!.lastError).not.toBeNull();
  });

  test("table names are checked", async () => {
    const dbs = await testDatabases(engine);
    const r = createReplicator({ dbs, log: silentLogger });
    expect(r.recordRows(dbs.primary, "core.org; DROP TABLE x", "id", [1])).rejects.toThrow(
      "not a replicable table",
    );
  });
});
