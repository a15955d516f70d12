import { expect, test } from "bun:test";
import { buildingMigrations } from "../../schema/index.ts";
import { createWouldFail, preloads, TIMESCALE_CREATE, withoutTimescaleCreate } from "./timescale.ts";

test.each([
  ["", false],
  ["pg_stat_statements", false],
  ["timescaledb", true],
  ["pg_stat_statements, timescaledb", true],
  ["'timescaledb'", true],
  ["$libdir/timescaledb", true],
  ["timescaledb.so", true],
  ["timescaledb_toolkit", false],
] as const)("shared_preload_libraries %p preloads timescaledb: %p", (setting, expected) => {
  expect(preloads(setting)).toBe(expected);
});

test("only an offered, not installed, not preloaded extension would fail to be created", () => {
  const s = { available: "2.23.0", installed: null, preloaded: false, note: null };
  expect(createWouldFail(s)).toBe(true);
  expect(createWouldFail({ ...s, preloaded: true })).toBe(false);
  expect(createWouldFail({ ...s, installed: "2.23.0" })).toBe(false);
  expect(createWouldFail({ ...s, available: null })).toBe(false);
});

test("the migration that creates the extension holds the statement the migrator leaves out", () => {
  const holders = buildingMigrations.filter((m) => m.sql.includes(TIMESCALE_CREATE));
  expect(holders.map((m) => m.name)).toEqual(["0002_additive"]);
  expect(withoutTimescaleCreate(holders[0]!.sql)).not.toContain("CREATE EXTENSION");
});
