// Backup and restore of embedded (PGlite) databases. A backup file holds every embedded database
// of the configuration in one file: a header line, a JSON index line, then the gzip'd
// data-directory dumps back to back. The embedded primary holds the state tables too (one part,
// `primary`); a state directory of the former layout not yet imported is backed up beside it as
// the part `state`, and such a part (also in backups written by earlier releases) is restored to
// that directory, from where the next start imports it into the primary (db/layout.ts).
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import type { Config, DatabaseTarget } from "../config.ts";
import { openDatabase } from "./connect.ts";
import { isDataDir } from "./layout.ts";
import { lockDirectory } from "./lock.ts";

const MAGIC = "HAYSTACK-SIM-BACKUP 1\n";

export interface BackupPart {
  key: string;
  bytes: number;
}

const embeddedDir = (t: DatabaseTarget) =>
  t.url.startsWith("pglite://") ? t.url.slice("pglite://".length) : undefined;

/** The former layout's state directory (key `state`), when the config has one. */
function formerState(cfg: BackupConfig): { target: DatabaseTarget; dir: string } | undefined {
  const dir = cfg.state.sameAsPrimary ? cfg.state.formerDir : undefined;
  return dir ? { target: { key: "state", url: `pglite://${dir}` }, dir } : undefined;
}

type BackupConfig = Pick<Config, "primary" | "state">;

/**
 * The databases of this configuration a backup holds: the primary, a separate state database, and
 * a former state directory that still holds data (not imported yet). Only embedded ones are
 * backed up.
 */
function backupTargets(cfg: BackupConfig): DatabaseTarget[] {
  if (!cfg.state.sameAsPrimary) return [cfg.primary, cfg.state];
  const former = formerState(cfg);
  return former && isDataDir(former.dir) ? [cfg.primary, former.target] : [cfg.primary];
}

/**
 * Writes a backup of every embedded target to `file`.
 * @throws when no target is embedded, or a directory is held by a running server.
 */
export async function backupEmbedded(cfg: BackupConfig, file: string): Promise<BackupPart[]> {
  const embedded = backupTargets(cfg).filter((t) => embeddedDir(t));
  if (embedded.length === 0)
    throw new Error("no embedded database is configured; back up PostgreSQL servers with pg_dump");
  const parts: { key: string; data: Uint8Array }[] = [];
  for (const t of embedded) {
    const db = await openDatabase({ key: t.key, url: t.url });
    try {
      const dump = await db.dumpDataDir!();
      parts.push({ key: t.key, data: new Uint8Array(await dump.arrayBuffer()) });
    } finally {
      await db.close();
    }
  }
  const index = JSON.stringify(parts.map((p) => ({ key: p.key, bytes: p.data.byteLength })));
  await Bun.write(file, new Blob([MAGIC, `${index}\n`, ...parts.map((p) => p.data)]));
  return parts.map((p) => ({ key: p.key, bytes: p.data.byteLength }));
}

/**
 * Restores every part of a backup into the embedded directory of the target with the same key
 * (a `state` part of the former layout into the former state directory, imported at the next
 * start). The current directory, if any, is kept beside it as `<dir>.before-restore-<time>`; so is
 * a former state directory the backup has no part for (it would be imported into the restored
 * primary otherwise).
 * @throws on a malformed file, a key with no embedded target, or a directory in use.
 */
export async function restoreEmbedded(cfg: BackupConfig, file: string): Promise<BackupPart[]> {
  const former = formerState(cfg);
  const targets = cfg.state.sameAsPrimary
    ? [cfg.primary, ...(former ? [former.target] : [])]
    : [cfg.primary, cfg.state];
  const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
  const text = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 64 * 1024)));
  if (!text.startsWith(MAGIC)) throw new Error(`${file} is not a haystack-sim backup`);
  const nl = text.indexOf("\n", MAGIC.length);
  const index = JSON.parse(text.slice(MAGIC.length, nl)) as BackupPart[];
  let offset = new TextEncoder().encode(text.slice(0, nl + 1)).byteLength;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  for (const part of index) {
    const target = targets.find((t) => t.key === part.key);
    if (!target || !embeddedDir(target))
      throw new Error(`the backup holds "${part.key}", which is not an embedded database here`);
  }
  for (const part of index) {
    const dir = embeddedDir(targets.find((t) => t.key === part.key)!)!;
    const data = bytes.subarray(offset, offset + part.bytes);
    offset += part.bytes;
    const lock = lockDirectory(dir);
    try {
      const tmp = `${dir}.restoring`;
      rmSync(tmp, { recursive: true, force: true });
      const restored = await openDatabase({ key: part.key, url: `pglite://${tmp}`, seed: new Blob([data]) });
      await restored.query("SELECT 1");
      await restored.close();
      rmSync(`${tmp}.lock`, { force: true });
      if (existsSync(dir) && readdirSync(dir).length > 0) renameSync(dir, `${dir}.before-restore-${stamp}`);
      else rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } finally {
      lock.release();
    }
  }
  if (former && !index.some((p) => p.key === "state") && existsSync(former.dir)) {
    const lock = lockDirectory(former.dir);
    try {
      renameSync(former.dir, `${former.dir}.before-restore-${stamp}`);
    } finally {
      lock.release();
    }
  }
  return index;
}
