// bench/startup: time from exec to the first successful /health, and resident memory when idle,
// for the compiled binary on the embedded database (first start on an empty directory, later
// starts) and on a PostgreSQL server. Run: `bun bench/startup.ts` (builds the binary first).
// Loopback only; every process is stopped before exit.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startCluster } from "../test/harness/pg.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BIN = join(ROOT, "dist", "haystack-sim");
const RUNS = Number(process.env.RUNS ?? 3);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
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
    stderr: "inherit",
  });
  let ms = Number.NaN;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) {
        ms = performance.now() - start;
        break;
      }
    } catch {
      // not yet
    }
    await Bun.sleep(10);
  }
  await Bun.sleep(3000); // let start-up garbage settle before reading idle memory
  const rss = rssMb(proc.pid);
  proc.kill("SIGTERM");
  await proc.exited;
  return { ms, rss };
}

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0).padStart(6)}  min ${s[0]!.toFixed(0).padStart(6)}  max ${s[s.length - 1]!.toFixed(0).padStart(6)}`;
};

const build = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" });
if (build.exitCode !== 0) process.exit(1);

const rows: [string, number[], number[]][] = [];
{
  const first: number[] = [];
  const firstRss: number[] = [];
  const later: number[] = [];
  const laterRss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "hs-bench-"));
    const a = await once({}, dir);
    first.push(a.ms);
    firstRss.push(a.rss);
    const b = await once({}, dir);
    later.push(b.ms);
    laterRss.push(b.rss);
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(["embedded, first start", first, firstRss], ["embedded, later start", later, laterRss]);
}
{
  const cluster = await startCluster();
  const ms: number[] = [];
  const rss: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), "hs-bench-"));
  for (let i = 0; i < RUNS; i++) {
    const r = await once({ DATABASE_URL: cluster.url() }, dir);
    ms.push(r.ms);
    rss.push(r.rss);
  }
  rows.push(["postgresql server", ms, rss]);
  await cluster.destroy();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`haystack-sim startup (${RUNS} runs each; exec → first /health 200; RSS 3 s after ready)`);
for (const [name, ms, rss] of rows)
  console.log(`${name.padEnd(24)} time ms: ${fmt(ms)}   idle RSS MB: ${fmt(rss)}`);
