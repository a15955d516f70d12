import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { buildingMigrations, stateMigrations } from "../../schema/index.ts";
import { appliedMigrations, type Database, migrate, openDatabase } from "../../src/db/index.ts";
import { ENGINES, type EngineName, migratedSnapshot, newPostgresUrl, testDatabase } from "../harness/db.ts";

const coreV2 = await Bun.file(new URL("../fixtures/core-v2.sql", import.meta.url)).text();

/** A database with nothing in it, on either engine. */
async function emptyDatabase(engine: EngineName): Promise<Database> {
  if (engine === "postgres")
    return openDatabase({ key: "p", url: await newPostgresUrl({ migrated: false }) });
  return openDatabase({ key: "p", url: "pglite://memory" });
}

/** Tables, columns and indexes of schema core: what "changed nothing" compares. */
async function shape(db: Database) {
  const cols = await db.query<{ t: string; c: string; ty: string }>(
    `SELECT table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns
      WHERE table_schema = 'core' ORDER BY 1, 2`,
  );
  const idx = await db.query<{ i: string }>(
    "SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'core' ORDER BY 1",
  );
  return { cols, idx: idx.map((r) => r.i) };
}

test("schema/index.ts lists every migration file on disk, in order", () => {
  for (const [dir, list] of [
    ["building", buildingMigrations],
    ["state", stateMigrations],
  ] as const) {
    const files = readdirSync(new URL(`../../schema/${dir}/`, import.meta.url))
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f) => f.replace(/\.sql$/, ""));
    expect(list.map((m) => m.name)).toEqual(files);
    for (const name of files) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
  }
});

describe.each(ENGINES)("migrations on %s", (engine) => {
  test("a fresh database gets every migration, recorded; running again changes nothing", async () => {
    const db = await emptyDatabase(engine);
    try {
      const first = await migrate(db, "building");
      expect(first.applied).toEqual(buildingMigrations.map((m) => m.name));
      expect((await migrate(db, "state")).applied).toEqual(stateMigrations.map((m) => m.name));
      const before = await shape(db);
      expect((await migrate(db, "building")).applied).toEqual([]);
      expect((await migrate(db, "state")).applied).toEqual([]);
      expect(await shape(db)).toEqual(before);
      expect(await appliedMigrations(db, "building")).toEqual(buildingMigrations.map((m) => m.name));
      // The additive pieces exist.
      const names = before.cols.filter((c) => c.t === "entity_tag").map((c) => c.c);
      expect(names).toContain("value_unit");
      expect(names).toContain("value_kind");
      expect(before.idx).toContain("ux_entity_tag_active");
      expect(before.idx).toContain("ux_org_key");
    } finally {
      await db.close();
    }
  });

  test("on an existing core v2 database only what is missing is added, data untouched", async () => {
    const db = await emptyDatabase(engine);
    try {
      await db.exec(coreV2);
      const before = await shape(db);
      const rowsBefore = await db.query("SELECT * FROM core.entity_tag ORDER BY id");
      await migrate(db, "building");
      const after = await shape(db);
      // Every original column and index survives with its type.
      for (const c of before.cols) expect(after.cols).toContainEqual(c);
      for (const i of before.idx) expect(after.idx).toContain(i);
      // Additions only.
      expect(after.cols).toContainEqual({ t: "entity_tag", c: "value_kind", ty: "character varying" });
      expect(after.cols).toContainEqual({ t: "values_demo", c: "value_dict", ty: "jsonb" });
      // Its key (entity_id, ts) serves newest-first reads: no second (entity_id, ts DESC) index.
      expect(after.idx).toContain("values_demo_pkey");
      expect(after.idx).not.toContain("ix_values_demo_entity_ts_desc");
      const rowsAfter = await db.query("SELECT * FROM core.entity_tag ORDER BY id");
      expect(rowsAfter.map((r) => ({ ...r, value_unit: undefined, value_kind: undefined }))).toEqual(
        rowsBefore.map((r) => ({ ...r, value_unit: undefined, value_kind: undefined })),
      );
      expect(await db.query("SELECT count(*)::int AS n FROM core.values_demo")).toEqual([{ n: 2 }]);
    } finally {
      await db.close();
    }
  });

  test("duplicate active tags stop the migration, list the duplicates, and change nothing", async () => {
    const db = await emptyDatabase(engine);
    try {
      await db.exec(coreV2);
      await db.exec("INSERT INTO core.entity_tag (entity_id, tag_id, value_s) VALUES (1, 1, 'again')");
      const before = await shape(db);
      let message = "";
      try {
        await migrate(db, "building");
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain("duplicate active tags");
      expect(message).toContain("entity 1 tag 1");
      expect(await shape(db)).toEqual(before);
      expect(await db.query("SELECT to_regclass('core.hs_migration') AS r")).toEqual([{ r: null }]);
    } finally {
      await db.close();
    }
  });

  test("an org's value tables are created by the helper, idempotently", async () => {
    const db = await testDatabase(engine);
    await db.exec("SELECT core.hs_ensure_value_tables('acme'); SELECT core.hs_ensure_value_tables('acme');");
    await db.query("INSERT INTO core.values_acme (entity_id, ts, value_n) VALUES (1, $1, 2.5)", [
      new Date("2025-03-01T12:00:00Z"),
    ]);
    const rows = await db.query<{ ts: Date; value_n: number }>("SELECT ts, value_n FROM core.values_acme");
    expect(rows).toEqual([{ ts: new Date("2025-03-01T12:00:00Z"), value_n: 2.5 }]);
    let err = "";
    try {
      await db.exec("SELECT core.hs_ensure_value_tables('Bad-Key')");
    } catch (e) {
      err = (e as Error).message;
    }
    expect(err).toContain("invalid org key");
  });
});

test("concurrent migrators on one server serialise on the advisory lock", async () => {
  const url = await newPostgresUrl({ migrated: false });
  const dbs = await Promise.all([1, 2, 3].map((i) => openDatabase({ key: `m${i}`, url })));
  try {
    const results = await Promise.all(dbs.map((d) => migrate(d, "building")));
    const applied = results.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual(buildingMigrations.map((m) => m.name).sort());
  } finally {
    await Promise.all(dbs.map((d) => d.close()));
  }
});

test("the migrated snapshot seeds an embedded database that is already up to date", async () => {
  const db = await openDatabase({ key: "s", url: "pglite://memory", seed: await migratedSnapshot() });
  try {
    expect((await migrate(db, "building")).applied).toEqual([]);
  } finally {
    await db.close();
  }
});
