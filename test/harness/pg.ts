// Throwaway PostgreSQL clusters for tests: initdb + pg_ctl from the installed PostgreSQL, run as
// the unprivileged `postgres` OS user when we are root (initdb refuses root), in a temporary
// directory, on a free loopback port; stopped and removed afterwards.
//
// The environment can point the tests at another server build, e.g. one with TimescaleDB:
//   TEST_PG_BIN      directory holding initdb, pg_ctl and postgres (default: the newest under
//                    /usr/lib/postgresql/*/bin)
//   TEST_PG_OPTIONS  extra server options, as for `postgres` (e.g. "-c shared_preload_libraries=
//                    timescaledb -c timescaledb.max_background_workers=0")
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
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

/** Starts a new cluster. Takes about 1-2 s. */
export async function startCluster(o: ClusterOptions = {}): Promise<PgCluster> {
  const bin = o.bin ?? binDir();
  const dir = mkdtempSync(join(tmpdir(), "hs-pg-"));
  const owner = osUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
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
      run([join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "30", "start"]);
      running = true;
    },
    stop: async (mode = "fast") => {
      if (!running) return;
      run([join(bin, "pg_ctl"), "-D", data, "-m", mode, "-w", "-t", "30", "stop"], { allowFail: true });
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
