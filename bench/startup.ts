// bench/startup: for the compiled binary (`dist/haystack-sim`, built first by `bun run build`),
// the time from exec to the first successful /health and the resident memory once idle, on the
// embedded database (a first start on an empty directory, then a later start on the same one) and
// on a PostgreSQL server (the baseline), interleaved round by round in one run. Idle RSS is read
// once it has settled (no change over 2 s, at most 20 s after ready). Prints the load average
// before and after, and each embedded figure beside the PostgreSQL one as a ratio.
// Run: `bun bench/startup.ts` (RUNS=3 rounds by default). Loopback only; every process it starts
// is stopped before exit.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startCluster } from "../test/harness/pg.ts";
import { printTable } from "./lib.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BIN = join(ROOT, "dist", "haystack-sim");
const RUNS = Number(process.env.RUNS ?? 3);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** RSS once it stops moving: sampled every 250 ms until 2 s without a 1 MB change (20 s cap). */
async function settledRss(pid: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  let last = rssMb(pid);
  let stableSince = Date.now();
  while (Date.now() < deadline && Date.now() - stableSince < 2000) {
    await Bun.sleep(250);
    const now = rssMb(pid);
    if (Math.abs(now - last) >= 1) {
      last = now;
      stableSince = Date.now();
    }
  }
  return rssMb(pid);
}

async function once(env: Record<string, string>, cwd: string): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const start = performance.now();
  const proc = Bun.spawn([BIN, "serve"], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      HOST: "127.0.0.1",
      DEMO: "false",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    let ms = Number.NaN;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && proc.exitCode === null) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) {
          ms = performance.now() - start;
          break;
        }
      } catch {
        // not yet
      }
      await Bun.sleep(5);
    }
    if (Number.isNaN(ms)) throw new Error(`the server did not answer /health (exit ${proc.exitCode})`);
    return { ms, rss: await settledRss(proc.pid) };
  } finally {
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await proc.exited;
    clearTimeout(timer);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const span = (xs: number[], digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const build = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" });
if (build.exitCode !== 0) process.exit(1);

const loadBefore = load();
const cluster = await startCluster();
const pgDir = mkdtempSync(join(tmpdir(), "hs-bench-"));
const first = { ms: [] as number[], rss: [] as number[] };
const later = { ms: [] as number[], rss: [] as number[] };
const pg = { ms: [] as number[], rss: [] as number[] };
const add = (to: { ms: number[]; rss: number[] }, r: { ms: number; rss: number }) => {
  to.ms.push(r.ms);
  to.rss.push(r.rss);
};
try {
  // The first PostgreSQL start migrates the database: not a baseline round.
  await once({ DATABASE_URL: cluster.url() }, pgDir);
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "hs-bench-"));
    try {
      add(first, await once({}, dir));
      add(pg, await once({ DATABASE_URL: cluster.url() }, pgDir));
      add(later, await once({}, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await cluster.destroy();
  rmSync(pgDir, { recursive: true, force: true });
}

console.log(
  `haystack-sim startup, compiled binary: ${RUNS} interleaved rounds (embedded first start, PostgreSQL, embedded later start);`,
);
console.log(
  `exec → first /health 200; idle RSS once settled. Median (min–max). Load ${loadBefore} → ${load()}`,
);
const row = (name: string, r: { ms: number[]; rss: number[] }) => [
  name,
  span(
    r.ms.map((m) => m / 1000),
    2,
  ),
  (median(r.ms) / median(pg.ms)).toFixed(1),
  span(r.rss),
  (median(r.rss) / median(pg.rss)).toFixed(1),
];
printTable(
  ["", "start s", "× PostgreSQL", "idle RSS MB", "× PostgreSQL"],
  [row("embedded, first start", first), row("embedded, later start", later), row("PostgreSQL server", pg)],
);
