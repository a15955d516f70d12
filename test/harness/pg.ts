// Throwaway PostgreSQL clusters for tests: initdb + pg_ctl from the installed PostgreSQL, run as
// the unprivileged `postgres` OS user when we are root (initdb refuses root), in a temporary
// directory, on a free loopback port; stopped and removed afterwards.
//
// A cluster dies with the process that started it, even when that process is killed (`timeout`,
// SIGKILL) before it can stop it: pg_ctl detaches the postmaster into its own session, so
// - each cluster has a watcher (`sh`, in its own session too, so a signal to the test's process
//   group does not reach it) that waits for the owner process to end and then stops the postmaster
//   (SIGQUIT, an immediate shutdown; SIGKILL after 10 s) and removes the directory;
// - the directory records its owner (`owner`: pid and start time), and every process that starts a
//   cluster first reaps the clusters whose owner is gone (in case a watcher was killed as well).
// Directories without an owner record (made before this) are left alone.
//
// The environment can point the tests at another server build, e.g. one with TimescaleDB:
//   TEST_PG_BIN      directory holding initdb, pg_ctl and postgres (default: the newest under
//                    /usr/lib/postgresql/*/bin)
//   TEST_PG_OPTIONS  extra server options, as for `postgres` (e.g. "-c shared_preload_libraries=
//                    timescaledb -c timescaledb.max_background_workers=0")
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The server binaries used by default: TEST_PG_BIN, else the newest installed PostgreSQL. */
export function binDir(): string {
  const fromEnv = process.env.TEST_PG_BIN;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, "initdb"))) throw new Error(`TEST_PG_BIN=${fromEnv} has no initdb`);
    return fromEnv;
  }
  const base = "/usr/lib/postgresql";
  if (!existsSync(base))
    throw new Error("PostgreSQL server binaries not found: apt-get install -y postgresql");
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error("no initdb under /usr/lib/postgresql/*/bin");
  return join(base, versions[0], "bin");
}

const isRoot = process.getuid?.() === 0;

function osUser(): { uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  const r = Bun.spawnSync(["id", "-u", "postgres"]);
  const g = Bun.spawnSync(["id", "-g", "postgres"]);
  if (r.exitCode !== 0)
    throw new Error("running as root needs the 'postgres' OS user (apt-get install postgresql)");
  return { uid: Number(r.stdout.toString().trim()), gid: Number(g.stdout.toString().trim()) };
}

function run(cmd: string[], opts: { allowFail?: boolean } = {}): { ok: boolean; out: string } {
  const full = isRoot ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
  const p = Bun.spawnSync(full, { stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
  const out = p.stdout.toString() + p.stderr.toString();
  if (p.exitCode !== 0 && !opts.allowFail) throw new Error(`${cmd.join(" ")} failed:\n${out}`);
  return { ok: p.exitCode === 0, out };
}

/**
 * `run` without blocking the event loop: pg_ctl start and stop wait for the server (a fast stop's
 * checkpoint takes seconds under load). While spawnSync blocked, a test's timers that fell due
 * meanwhile fired before the sockets' close events, so a query the stop had already failed
 * looked as if it never settled.
 */
async function runAsync(
  cmd: string[],
  opts: { allowFail?: boolean } = {},
): Promise<{ ok: boolean; out: string }> {
  const full = isRoot ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
  const p = Bun.spawn(full, { stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  const out = stdout + stderr;
  if (code !== 0 && !opts.allowFail) throw new Error(`${cmd.join(" ")} failed:\n${out}`);
  return { ok: code === 0, out };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface PgCluster {
  readonly port: number;
  readonly dir: string;
  /** URL of a database in this cluster (default `postgres`). */
  url(database?: string): string;
  start(): Promise<void>;
  /** Stops the server (fast mode by default; `immediate` simulates a crash). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface ClusterOptions {
  /** Server binaries (default: binDir()). */
  bin?: string;
  /** Extra server options (default: TEST_PG_OPTIONS). */
  options?: string;
  /**
   * `"test"` (the default) turns durability off (fsync, synchronous_commit, full_page_writes) for
   * speed; `"defaults"` keeps initdb's settings, for benches that compare with COPY or another system.
   */
  settings?: "test" | "defaults";
}

const DIR_PREFIX = "hs-pg-";
/** In a cluster's directory: `<pid> <start time>` of the process that owns it. */
const OWNER_FILE = "owner";

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22); undefined when gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True while the process that wrote `record` (`<pid> <start time>`) runs (a reused pid does not count). */
function ownerAlive(record: string): boolean {
  const [pid, start] = record.trim().split(" ");
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && startTimeOf(n) === start;
}

/** The pid of the postmaster serving `dir`, when one runs (its command line names the directory). */
function postmasterOf(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes(join(dir, "data")) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops the postmaster of `dir` (immediate shutdown, then SIGKILL) and removes the directory. */
async function killCluster(dir: string): Promise<void> {
  const pid = postmasterOf(dir);
  if (pid !== undefined) {
    process.kill(pid, "SIGQUIT");
    for (let i = 0; i < 100 && startTimeOf(pid) !== undefined; i++) await Bun.sleep(100);
    if (postmasterOf(dir) === pid) process.kill(pid, "SIGKILL");
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops and removes the clusters under `root` whose owner process is gone; returns their
 * directories. Clusters of running processes, and directories without an owner record, stay.
 */
export async function reapOrphanClusters(root = tmpdir()): Promise<string[]> {
  const reaped: string[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(root, name);
    let record: string;
    try {
      record = readFileSync(join(dir, OWNER_FILE), "utf8");
    } catch {
      continue;
    }
    if (ownerAlive(record)) continue;
    await killCluster(dir).catch(() => undefined);
    reaped.push(dir);
  }
  return reaped;
}

/** Once per process, before its first cluster. */
let reaping: Promise<unknown> | undefined;

/**
 * Starts the watcher of `dir`: in its own session (`setsid -f`), it waits for this process to end
 * (or the directory to go, when the cluster is destroyed normally), then stops the postmaster and
 * removes the directory. Its pid is kept in `dir/watcher`.
 */
function watch(dir: string): void {
  const q = (x: string) => `'${x.replaceAll("'", "'\\''")}'`;
  const script = [
    `P=${process.pid}; D=${q(dir)}`,
    'echo $$ > "$D/watcher"',
    'while kill -0 "$P" 2>/dev/null && [ -d "$D" ]; do sleep 1; done',
    '[ -d "$D" ] || exit 0',
    'PM=$(head -n 1 "$D/data/postmaster.pid" 2>/dev/null)',
    'if [ -n "$PM" ] && grep -qF "$D/data" "/proc/$PM/cmdline" 2>/dev/null; then',
    '  kill -QUIT "$PM" 2>/dev/null; i=0',
    '  while kill -0 "$PM" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
    '  kill -KILL "$PM" 2>/dev/null',
    "fi",
    'rm -rf "$D"',
  ].join("\n");
  Bun.spawn(["setsid", "-f", "sh", "-c", script], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
}

/** Starts a new cluster. Takes about 1-2 s. */
export async function startCluster(o: ClusterOptions = {}): Promise<PgCluster> {
  reaping ??= reapOrphanClusters().catch(() => undefined);
  await reaping;
  const bin = o.bin ?? binDir();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, OWNER_FILE), `${process.pid} ${startTimeOf(process.pid)}\n`);
  const owner = osUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
  watch(dir);
  const data = join(dir, "data");
  run([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    ...(o.settings === "defaults"
      ? []
      : [
          "-c fsync=off",
          "-c synchronous_commit=off",
          "-c full_page_writes=off",
          "-c max_connections=200",
          "-c shared_buffers=32MB",
        ]),
    o.options ?? process.env.TEST_PG_OPTIONS ?? "",
  ].join(" ");
  let running = false;
  const cluster: PgCluster = {
    port,
    dir,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await runAsync([
        join(bin, "pg_ctl"),
        "-D",
        data,
        "-o",
        opts,
        "-l",
        join(dir, "log"),
        "-w",
        "-t",
        "30",
        "start",
      ]);
      running = true;
    },
    stop: async (mode = "fast") => {
      if (!running) return;
      await runAsync([join(bin, "pg_ctl"), "-D", data, "-m", mode, "-w", "-t", "30", "stop"], {
        allowFail: true,
      });
      running = false;
    },
    destroy: async () => {
      await cluster.stop("immediate");
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
