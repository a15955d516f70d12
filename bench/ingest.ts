// Ingest benchmark: values per second through POST /bulk/value over real HTTP (batches of 1,000
// and 10,000; concurrency 1 and 4; p50/p99 latency) beside a plain COPY of the same rows into the
// same table, on one throwaway PostgreSQL cluster. Run: `bun bench/ingest.ts [totalValues]`.
import type { Writable } from "node:stream";
import postgres from "postgres";
import { bearer, seedOrg } from "../test/harness/auth.ts";
import { startCluster } from "../test/harness/pg.ts";
import { makePoints } from "../test/ingest/fixtures.ts";
import { createBenchDatabase, pct, printTable, startBenchServer } from "./lib.ts";

const TOTAL = Number(process.argv[2] ?? 200_000);
const POINTS = 200;

const cluster = await startCluster();
try {
  const url = await createBenchDatabase(cluster);
  const server = await startBenchServer(url);
  const { org, member } = await seedOrg(server.deps, { key: "bench" });
  const points = (await makePoints(server.deps, org.id, POINTS, { prefix: "b" })).map((p) => p.id);
  const headers = { ...bearer(member.token), "content-type": "application/json" };
  const raw = postgres(url, { max: 1, onnotice: () => {} });

  let epoch = Date.parse("2024-01-01T00:00:00Z");
  /** `n` fresh values (new timestamps every time), point-major like a poller's batch. */
  const rows = (n: number) => {
    const out: { entity_id: number; ts: string; value_n: number }[] = [];
    for (let i = 0; i < n; i++) {
      out.push({
        entity_id: points[i % POINTS]!,
        ts: new Date(epoch).toISOString(),
        value_n: ((i * 7919) % 1000) / 10,
      });
      if (i % POINTS === POINTS - 1) epoch += 60_000;
    }
    epoch += 60_000;
    return out;
  };

  const results: string[][] = [];
  for (const batch of [1_000, 10_000]) {
    for (const concurrency of [1, 4]) {
      await raw.unsafe("TRUNCATE core.values_bench, core.values_bench_current");
      const requests = Math.max(concurrency, Math.floor(TOTAL / batch));
      const bodies = Array.from({ length: requests }, () =>
        JSON.stringify({ org_id: org.id, values: rows(batch) }),
      );
      const latencies: number[] = [];
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++]!;
            const t0 = performance.now();
            const res = await fetch(`${server.url}/bulk/value`, { method: "POST", headers, body });
            if (res.status !== 200) throw new Error(`bulk/value answered ${res.status}: ${await res.text()}`);
            await res.arrayBuffer();
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const secs = (performance.now() - start) / 1000;
      results.push([
        `HTTP bulk/value`,
        String(batch),
        String(concurrency),
        String(requests * batch),
        Math.round((requests * batch) / secs).toLocaleString("en"),
        pct(latencies, 50).toFixed(1),
        pct(latencies, 99).toFixed(1),
      ]);
    }
  }

  // COPY of the same number of rows (same shape) into the same, emptied history table.
  await raw.unsafe("TRUNCATE core.values_bench, core.values_bench_current");
  const n = Math.floor(TOTAL / 10_000) * 10_000;
  const all = rows(n);
  const csv = all.map((r) => `${r.entity_id},${r.ts},${r.value_n}`).join("\n");
  const t0 = performance.now();
  const stream = (await raw
    .unsafe("COPY core.values_bench (entity_id, ts, value_n) FROM STDIN (FORMAT csv)")
    .writable()) as Writable;
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", () => resolve());
    stream.end(csv);
  });
  const copySecs = (performance.now() - t0) / 1000;
  results.push([
    "COPY (history only)",
    String(n),
    "1",
    String(n),
    Math.round(n / copySecs).toLocaleString("en"),
    "-",
    "-",
  ]);

  printTable(["path", "batch", "conc", "values", "values/s", "p50 ms", "p99 ms"], results);

  await raw.end();
  await server.stop();
} finally {
  await cluster.destroy();
}
