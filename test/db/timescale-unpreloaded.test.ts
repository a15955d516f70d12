// TimescaleDB installed on the server but not in shared_preload_libraries: CREATE EXTENSION ends
// the session with a FATAL that migration 0002's exception handler cannot catch, so migrating
// used to fail (and, through the postgres.js race, end the process). The migrator now asks first
// and falls back to plain tables with a note. The server here is the installed PostgreSQL,
// relocated with a stand-in `timescaledb` extension that ends its session the same way.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { buildingMigrations } from "../../schema/index.ts";
import { isConnectionError } from "../../src/db/faults.ts";
import { type Database, migrate, openDatabase } from "../../src/db/index.ts";
import { timescaleStatus } from "../../src/db/timescale.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import {
  type RelocatedBuild,
  STAND_IN_VERSION,
  unpreloadedTimescaleBuild,
} from "../harness/pg-unpreloaded.ts";

let build: RelocatedBuild;
let cluster: PgCluster;
const opened: Database[] = [];

beforeAll(async () => {
  build = unpreloadedTimescaleBuild();
  cluster = await startCluster({ bin: build.bin, options: "" });
});
afterAll(async () => {
  await Promise.allSettled(opened.map((d) => d.close()));
  await cluster?.destroy();
  build?.remove();
});

let n = 0;
async function freshDatabase(): Promise<Database> {
  const admin = await openDatabase({ key: "admin", url: cluster.url() });
  const name = `d${++n}`;
  await admin.exec(`CREATE DATABASE ${name}`);
  await admin.close();
  const db = await openDatabase({ key: "primary", url: cluster.url(name) });
  opened.push(db);
  return db;
}

test("the stand-in fails as the real one does: CREATE EXTENSION ends the session", async () => {
  const db = await freshDatabase();
  let error: unknown;
  try {
    await db.exec("DO $$ BEGIN CREATE EXTENSION timescaledb; EXCEPTION WHEN OTHERS THEN NULL; END $$");
  } catch (e) {
    error = e;
  }
  expect(isConnectionError(error)).toBe(true);
});

test("migrating such a database succeeds with plain tables and says why", async () => {
  const db = await freshDatabase();
  const r = await migrate(db, "building");
  expect(r.applied).toEqual(buildingMigrations.map((m) => m.name));
  expect(r.notes).toHaveLength(1);
  expect(r.notes[0]).toContain(
    `TimescaleDB ${STAND_IN_VERSION} is installed on the server but not in shared_preload_libraries`,
  );
  expect(await db.query("SELECT extname FROM pg_extension WHERE extname = 'timescaledb'")).toEqual([]);
  expect(await timescaleStatus(db, false)).toEqual({
    available: STAND_IN_VERSION,
    installed: null,
    preloaded: false,
    note: r.notes[0]!,
  });
  // Value tables work as plain tables.
  await db.exec("SELECT core.hs_ensure_value_tables('acme')");
  await db.query("INSERT INTO core.values_acme (entity_id, ts, value_n) VALUES (1, $1, 2)", [
    new Date("2025-01-01Z"),
  ]);
  expect(await db.query("SELECT value_n FROM core.values_acme")).toEqual([{ value_n: 2 }]);
  expect(await db.query("SELECT core.hs_value_policies('values_acme', 7, 30) AS r")).toEqual([{ r: "none" }]);
  expect((await migrate(db, "building")).applied).toEqual([]);
});
