// The drizzle tables of src/db/schema.ts against a migrated database: every table and column it
// declares exists with the same type and nullability (the SQL migrations are the source of truth).
import { describe, expect, test } from "bun:test";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import * as schema from "../../src/db/schema.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";

const tables = (Object.values(schema) as unknown[]).filter((t): t is PgTable => t instanceof PgTable);

/** drizzle's SQL type spelled as PostgreSQL's format_type() spells it. */
function pgType(sqlType: string): string {
  const array = sqlType.endsWith("[]");
  const base = sqlType.replace(/\[\]$/, "");
  const spelled =
    base === "serial"
      ? "integer"
      : base === "bigserial"
        ? "bigint"
        : base === "timestamp"
          ? "timestamp without time zone"
          : base.replace(/^varchar/, "character varying");
  return array ? `${spelled}[]` : spelled;
}

describe.each(ENGINES)("drizzle schema on %s", (engine) => {
  test("every declared column exists with its type and nullability", async () => {
    const db = await testDatabase(engine, "schema");
    const rows = await db.query<{ t: string; c: string; ty: string; nn: boolean }>(
      `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS nn
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'core' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const actual = new Map(rows.map((r) => [`${r.t}.${r.c}`, { type: r.ty, notNull: r.nn }]));
    expect(tables.length).toBeGreaterThan(10);
    for (const t of tables) {
      const cfg = getTableConfig(t);
      expect(cfg.schema).toBe("core");
      for (const col of cfg.columns) {
        const key = `${cfg.name}.${col.name}`;
        expect({ key, ...actual.get(key) }).toEqual({
          key,
          type: pgType(col.getSQLType()),
          notNull: col.notNull,
        });
      }
    }
  });
});
