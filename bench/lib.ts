// Shared pieces of the benches: a throwaway `bench` database on a test cluster, the real server on
// a loopback port over it, percentiles and the result table.
import { loadConfig } from "../src/config.ts";
import { migrate, openDatabase } from "../src/db/index.ts";
import { silentLogger } from "../src/log.ts";
import { startServer } from "../src/server.ts";
import type { PgCluster } from "../test/harness/pg.ts";

/** The `p`-th percentile (0–100, nearest rank) of `xs`. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Creates database `bench` on the cluster with the building and state schemas; returns its URL. */
export async function createBenchDatabase(cluster: PgCluster): Promise<string> {
  const admin = await openDatabase({ key: "admin", url: cluster.url() });
  await admin.exec("CREATE DATABASE bench");
  await admin.close();
  const url = cluster.url("bench");
  const db = await openDatabase({ key: "m", url });
  await migrate(db, "building");
  await migrate(db, "state");
  await db.close();
  return url;
}

/** The server over `url` on a loopback port: no demo, no simulators, errors logged only. */
export function startBenchServer(url: string): ReturnType<typeof startServer> {
  const config = loadConfig({
    DATABASE_URL: url,
    HOST: "127.0.0.1",
    PORT: "0",
    DEMO: "false",
    SIMULATORS: "false",
    LOG_LEVEL: "error",
    ADMIN_PASSWORD: "bench-password-123",
  });
  return startServer(config, silentLogger);
}

/** Prints `rows` under `head`: the first column left-aligned, the others right-aligned. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

/** One warm-up call, then `runs` timed calls: p50/p99 in ms and the last result. */
export async function timed<T>(
  runs: number,
  fn: () => Promise<T>,
): Promise<{ p50: number; p99: number; last: T }> {
  let last = await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99), last };
}

/** Signs in to the console at `base` with a password; the session cookie (`name=value`). */
export async function consoleSession(base: string, email: string, password: string): Promise<string> {
  const login = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
    body: new URLSearchParams({ email, password }).toString(),
  });
  if (login.status !== 303) throw new Error(`sign-in failed: ${login.status}`);
  return (login.headers.get("set-cookie") ?? "").split(";")[0]!;
}
