// The embedded layout: one PGlite directory ($DATA_DIR/primary) holds the building and the state
// tables. A data directory of the former layout (state in $DATA_DIR/state) is imported once on
// open, the old directory kept; backups of either layout restore.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { backupEmbedded, restoreEmbedded } from "../../src/db/backup.ts";
import { type Database, type ImportedState, openDatabase, openDatabases } from "../../src/db/index.ts";
import { migratedSnapshot } from "../harness/db.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "hs-layout-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function withDb<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ key: "t", url, seed: await migratedSnapshot() });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** A data directory as the former layout left it: building data in primary/, state in state/. */
async function formerLayout(data: string): Promise<void> {
  await withDb(`pglite://${data}/primary`, (db) =>
    db.exec(
      `INSERT INTO core.org (key, name, value_table, schema_name) VALUES ('acme', 'Acme', 'values_acme', 'core')`,
    ),
  );
  await withDb(`pglite://${data}/state`, (db) =>
    db.exec(`
      INSERT INTO core.simulator_state (simulator_id, status, totalizers, last_run_timestamp)
        VALUES (7, 'running', '{"kwh": 12.5}', '2026-11-30T10:15:00Z'), (8, 'paused', NULL, NULL);
      INSERT INTO core.simulator_activity_log (simulator_id, event_type, message, details)
        VALUES (7, 'run', 'first', '{"n": 1}'), (7, 'run', 'second', NULL), (8, 'paused', 'third', NULL);
      INSERT INTO core.simulator_lease (simulator_id, holder, expires_at) VALUES (7, 'host-a', '2026-12-01T00:00:00Z');
      INSERT INTO core.app_secret (name, value) VALUES ('signing', 'kept-secret-value');`),
  );
}

const stateRows = (db: Database) =>
  db.query<{ simulator_id: number; status: string; totalizers: unknown; last_run_timestamp: unknown }>(
    "SELECT simulator_id, status, totalizers, last_run_timestamp FROM core.simulator_state ORDER BY simulator_id",
  );

describe("the former layout's state directory", () => {
  test("is imported into the primary once, with ids, and kept renamed beside it", async () => {
    const data = tempDir();
    await formerLayout(data);
    const config = loadConfig({ DATA_DIR: data });
    const heard: ImportedState[] = [];
    const dbs = await openDatabases(config, (i) => heard.push(i));
    try {
      expect(dbs.state).toBe(dbs.primary);
      expect(heard).toHaveLength(1);
      expect(heard[0]!.rows).toEqual({
        app_secret: 1,
        simulator_activity_log: 3,
        simulator_lease: 1,
        simulator_state: 2,
      });
      expect(existsSync(join(data, "state"))).toBe(false);
      expect(existsSync(join(heard[0]!.keptAs, "PG_VERSION"))).toBe(true);

      const db = dbs.primary;
      expect(await stateRows(db)).toEqual([
        {
          simulator_id: 7,
          status: "running",
          totalizers: { kwh: 12.5 },
          last_run_timestamp: new Date("2026-11-30T10:15:00Z"),
        },
        { simulator_id: 8, status: "paused", totalizers: null, last_run_timestamp: null },
      ]);
      expect(
        await db.query("SELECT id, message, details FROM core.simulator_activity_log ORDER BY id"),
      ).toEqual([
        { id: 1, message: "first", details: { n: 1 } },
        { id: 2, message: "second", details: null },
        { id: 3, message: "third", details: null },
      ]);
      expect(await db.query("SELECT value FROM core.app_secret WHERE name = 'signing'")).toEqual([
        { value: "kept-secret-value" },
      ]);
      expect(await db.query("SELECT holder FROM core.simulator_lease")).toEqual([{ holder: "host-a" }]);
      // The building data is untouched and the sequences continue after the imported ids.
      expect(await db.query("SELECT key FROM core.org")).toEqual([{ key: "acme" }]);
      const [next] = await db.query<{ id: number }>(
        "INSERT INTO core.simulator_activity_log (simulator_id, event_type, message) VALUES (7, 'run', 'new') RETURNING id",
      );
      expect(next!.id).toBe(4);
    } finally {
      await dbs.close();
    }

    // Opened again: nothing to import.
    const again = await openDatabases(config, (i) => heard.push(i));
    try {
      expect(heard).toHaveLength(1);
      expect(await again.primary.query("SELECT count(*)::int AS n FROM core.simulator_activity_log")).toEqual(
        [{ n: 4 }],
      );
    } finally {
      await again.close();
    }

    // The old directory back in place after an import committed (a crash before the rename, or a
    // copy): moved aside again, its rows not imported twice.
    cpSync(heard[0]!.keptAs, join(data, "state"), { recursive: true });
    const third = await openDatabases(config, (i) => heard.push(i));
    try {
      expect(heard).toHaveLength(2);
      expect(heard[1]!.rows).toEqual({});
      expect(existsSync(join(data, "state"))).toBe(false);
      expect(await third.primary.query("SELECT count(*)::int AS n FROM core.simulator_state")).toEqual([
        { n: 2 },
      ]);
    } finally {
      await third.close();
    }
  }, 180_000);

  test("a backup of the former layout restores, and its state is imported at the next open", async () => {
    const data = tempDir();
    await formerLayout(data);
    // Written as the former release wrote it: two parts, primary and state.
    const old = join(tempDir(), "old.hsb");
    const parts = await backupEmbedded(
      loadConfig({ DATA_DIR: data, STATE_DB_URL: `pglite://${data}/state` }),
      old,
    );
    expect(parts.map((p) => p.key)).toEqual(["primary", "state"]);
    // The current layout backs up the not yet imported state directory too.
    const now = join(tempDir(), "now.hsb");
    const config = loadConfig({ DATA_DIR: data });
    expect((await backupEmbedded(config, now)).map((p) => p.key)).toEqual(["primary", "state"]);

    // Upgrade (import), then change things, then restore the old backup.
    const dbs = await openDatabases(config);
    await dbs.primary.exec("DELETE FROM core.simulator_state; DELETE FROM core.org");
    await dbs.close();
    expect((await backupEmbedded(config, join(tempDir(), "one.hsb"))).map((p) => p.key)).toEqual(["primary"]);
    expect((await restoreEmbedded(config, old)).map((p) => p.key)).toEqual(["primary", "state"]);
    expect(existsSync(join(data, "state", "PG_VERSION"))).toBe(true);

    const restored = await openDatabases(config);
    try {
      expect((await stateRows(restored.primary)).map((r) => r.simulator_id)).toEqual([7, 8]);
      expect(await restored.primary.query("SELECT key FROM core.org")).toEqual([{ key: "acme" }]);
      expect(existsSync(join(data, "state"))).toBe(false);
    } finally {
      await restored.close();
    }
    // Every replaced directory is kept.
    expect(readdirSync(data).filter((n) => n.includes(".before-restore-")).length).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
