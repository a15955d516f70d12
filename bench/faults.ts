// bench/faults: POST /bulk/value latency while the primary is up (the baseline, same run), the
// 503 latency while it is stopped (`pg_ctl stop -m fast`), and the time from its restart to the
// first 200. Run: `bun bench/faults.ts [requests per phase] [outages]`. Loopback only, bounded:
// every loop has a count and a deadline; the server and cluster are stopped before exit.
import { loadavg } from "node:os";
import { bearer, seedOrg } from "../test/harness/auth.ts";
import { startCluster } from "../test/harness/pg.ts";
import { makePoints } from "../test/ingest/fixtures.ts";
import { createBenchDatabase, pct, printTable, startBenchServer } from "./lib.ts";

const REQUESTS = Number(process.argv[2] ?? 40);
const OUTAGES = Math.max(1, Number(process.argv[3] ?? 3));
const CONCURRENCY = 4;
const DEADLINE_MS = 30_000;

console.log(
  `faults bench: ${REQUESTS} requests per phase (${CONCURRENCY} at a time), ${OUTAGES} outages, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

const cluster = await startCluster();
const url = await createBenchDatabase(cluster);
const server = await startBenchServer(url);
try {
  const { org, member } = await seedOrg(server.deps, { key: "bench" });
  const points = (await makePoints(server.deps, org.id, 10, { prefix: "f" })).map((p) => p.id);
  const headers = { ...bearer(member.token), "content-type": "application/json" };
  let minute = 0;
  /** One write of 10 values; its status and latency in ms (0 status: no answer at all). */
  const write = async (): Promise<{ status: number; ms: number }> => {
    const ts = new Date(Date.UTC(2025, 0, 1) + minute++ * 60_000).toISOString();
    const body = JSON.stringify({
      org_id: org.id,
      values: points.map((id) => ({ entity_id: id, ts, value_n: 1 })),
    });
    const start = performance.now();
    try {
      const res = await fetch(`${server.url}/bulk/value`, { method: "POST", headers, body });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - start };
    } catch {
      return { status: 0, ms: performance.now() - start };
    }
  };
  /** `REQUESTS` writes, `CONCURRENCY` at a time. */
  const phase = async () => {
    const out: { status: number; ms: number }[] = [];
    const deadline = Date.now() + DEADLINE_MS;
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent++ < REQUESTS && Date.now() < deadline) out.push(await write());
      }),
    );
    return out;
  };
  const summary = (name: string, rs: { status: number; ms: number }[]) => {
    const statuses = [...new Set(rs.map((r) => r.status))].sort().join("/");
    const ms = rs.map((r) => r.ms);
    return [
      name,
      String(rs.length),
      statuses,
      pct(ms, 50).toFixed(1),
      pct(ms, 99).toFixed(1),
      Math.max(...ms).toFixed(1),
    ];
  };

  const rows: string[][] = [];
  const recoveries: number[] = [];
  for (let i = 1; i <= OUTAGES; i++) {
    rows.push(summary(`up (baseline) #${i}`, await phase()));
    await cluster.stop("fast");
    rows.push(summary(`primary stopped #${i}`, await phase()));
    const restarted = performance.now();
    await cluster.start();
    const started = performance.now();
    let first = Number.NaN;
    while (performance.now() - started < DEADLINE_MS) {
      if ((await write()).status === 200) {
        first = performance.now() - started;
        break;
      }
      await Bun.sleep(10);
    }
    recoveries.push(first);
    rows.push([
      `first 200 after restart #${i}`,
      "",
      "",
      `${first.toFixed(0)} ms after pg_ctl start returned`,
      "",
      `(start took ${(started - restarted).toFixed(0)} ms)`,
    ]);
  }
  printTable(["phase", "requests", "status", "p50 ms", "p99 ms", "max ms"], rows);
  console.log(
    `time to first 200 after the primary returns: ${recoveries.map((r) => r.toFixed(0)).join(", ")} ms`,
  );
} finally {
  await server.stop();
  await cluster.destroy();
}
