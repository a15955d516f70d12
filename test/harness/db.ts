// Test databases on both engines, already migrated:
// - PostgreSQL: one shared throwaway cluster per test process; each call gets a fresh database
//   cloned from a migrated template (CREATE DATABASE … TEMPLATE, ~0.2 s).
// - PGlite: in-memory instances loaded from a migrated snapshot (~0.3 s instead of ~5 s).
// Everything is closed by the global afterAll in test/setup.ts.
import { type Database, migrate, openDatabase } from "../../src/db/index.ts";
import { type PgCluster, startCluster } from "./pg.ts";

export type EngineName = "postgres" | "pglite";
export const ENGINES: readonly EngineName[] = ["postgres", "pglite"];

let cluster: Promise<PgCluster> | undefined;
let template: Promise<void> | undefined;
let snapshot: Promise<Blob> | undefined;
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

/** A migrated PGlite snapshot, for seeding new embedded directories quickly. */
export function migratedSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const db = await openDatabase({ key: "snap", url: "pglite://memory" });
    await migrate(db, "building");
    await migrate(db, "state");
    const blob = await db.dumpDataDir!();
    await db.close();
    return blob;
  })();
  return snapshot;
}

/** A new, migrated database on the given engine; closed automatically at the end of the run. */
export async function testDatabase(engine: EngineName, key = "primary"): Promise<Database> {
  const db =
    engine === "postgres"
      ? await openDatabase({ key, url: await newPostgresUrl() })
      : await openDatabase({ key, url: "pglite://memory", seed: await migratedSnapshot() });
  open.push(db);
  return db;
}

/** Closes every database opened here and stops the shared cluster. */
export async function closeAll(): Promise<void> {
  await Promise.allSettled(open.splice(0).map((d) => d.close()));
  if (cluster) {
    const c = await cluster;
    cluster = undefined;
    template = undefined;
    await c.destroy();
  }
}
