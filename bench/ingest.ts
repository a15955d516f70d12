// Ingest benchmark: values per second through POST /bulk/value over real HTTP (batches of 1,000
// and 10,000; concurrency 1 and 4), beside a plain COPY of as many rows into the same table,
// interleaved (COPY, HTTP, COPY, HTTP, …) so drifting machine load hits both alike. Every batch
// lists its points in its own order (a fresh shuffle) and concurrent pollers write the same points,
// as real pollers do: the case that deadlocked. Reports errors, p50/p99 latency and the ratio to
// the COPY of the same round, on a cluster at PostgreSQL's defaults (fsync on) and on one with the
// test harness's settings (fsync, synchronous_commit, full_page_writes off). Each HTTP round
// starts with one untimed request per poller (the pool opens their connections), as a running
// server has had.
//
// What the baseline is: one client COPY of all the round's rows (100,000 by default) into the
// emptied history table — one statement, one commit, no current table, no access check. The
// HTTP path commits once per request (an fsync'd WAL flush each, with fsync on) and also moves
// the current values. So each round also times the same rows COPYed in chunks of the batch size,
// one COPY and one commit per chunk, one after another ("COPY per batch"): what a bulk load at
// that commit granularity costs PostgreSQL itself. The goal's ratio stays the one to the single
// COPY (÷ COPY); ÷ per-batch COPY shows how much of the gap is the commit granularity.
// Run: `bun bench/ingest.ts [totalValues=100000] [rounds=2]`. `BENCH_CONFIGS=1000x1,10000x4` runs
// only those batch × concurrency rows; `BENCH_SETTINGS=defaults` (or `test`) only that cluster.
// `BENCH_AUTH_AB=1` also times each HTTP round with the access-change listener stopped (every
// request then reads the credential generation first, as before LISTEN/NOTIFY), interleaved with
// the listening rounds: the "HTTP, generation read" rows.
import { loadavg } from "node:os";
import type { Writable } from "node:stream";
import postgres from "postgres";
import { unwatchAccessChanges, watchAccessChanges } from "../src/access/changes.ts";
import { bearer, seedOrg } from "../test/harness/auth.ts";
import { startCluster } from "../test/harness/pg.ts";
import { makePoints } from "../test/ingest/fixtures.ts";
import { createBenchDatabase, pct, printTable, startBenchServer } from "./lib.ts";

const TOTAL = Number(process.argv[2] ?? 100_000);
const ROUNDS = Math.max(1, Number(process.argv[3] ?? 2));
const POINTS = 200;
const ALL_CONFIGS = [
  { batch: 1_000, concurrency: 1 },
  { batch: 1_000, concurrency: 4 },
  { batch: 10_000, concurrency: 1 },
  { batch: 10_000, concurrency: 4 },
] as const;
const ONLY = process.env.BENCH_CONFIGS?.split(",").map((s) => s.trim());
const CONFIGS = ALL_CONFIGS.filter((c) => !ONLY || ONLY.includes(`${c.batch}x${c.concurrency}`));
const SETTINGS = (["defaults", "test"] as const).filter(
  (s) => !process.env.BENCH_SETTINGS || process.env.BENCH_SETTINGS === s,
);
const AUTH_AB = process.env.BENCH_AUTH_AB === "1";

/** xorshift32: the same shuffles every run. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const range = (xs: number[], digits = 0) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const f = (x: number) => x.toLocaleString("en", { maximumFractionDigits: digits });
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
};

console.log(`ingest bench: ${TOTAL.toLocaleString("en")} values per run, ${ROUNDS} rounds, load ${load()}`);

for (const settings of SETTINGS) {
  const cluster = await startCluster({ settings });
  try {
    const url = await createBenchDatabase(cluster);
    const server = await startBenchServer(url);
    const { org, member } = await seedOrg(server.deps, { key: "bench" });
    const points = (await makePoints(server.deps, org.id, POINTS, { prefix: "b" })).map((p) => p.id);
    const headers = { ...bearer(member.token), "content-type": "application/json" };
    const raw = postgres(url, { max: 1, onnotice: () => {} });
    const random = rng(42);

    let epoch = Date.parse("2024-01-01T00:00:00Z");
    /** `n` values at fresh timestamps, point-major, the points in a new random order. */
    const rows = (n: number) => {
      const order = [...points];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const steps = Math.ceil(n / POINTS);
      const out: { entity_id: number; ts: string; value_n: number }[] = [];
      for (let i = 0; i < n; i++) {
        const p = Math.floor(i / steps);
        out.push({
          entity_id: order[p]!,
          ts: new Date(epoch + (i % steps) * 60_000).toISOString(),
          value_n: ((i * 7919) % 1000) / 10,
        });
      }
      epoch += steps * 60_000;
      return out;
    };
    const empty = () => raw.unsafe("TRUNCATE core.values_bench, core.values_bench_current");

    /** `n` fresh rows as CSV. */
    const csvOf = (n: number) =>
      rows(n)
        .map((r) => `${r.entity_id},${r.ts},${r.value_n}`)
        .join("\n");
    /** One client COPY (CSV over the wire, like psql's \copy) into the history table: one commit. */
    const copyCsv = async (csv: string) => {
      const stream = (await raw
        .unsafe("COPY core.values_bench (entity_id, ts, value_n) FROM STDIN (FORMAT csv)")
        .writable()) as Writable;
      await new Promise<void>((resolve, reject) => {
        stream.on("error", reject);
        stream.on("finish", () => resolve());
        stream.end(csv);
      });
    };

    /** COPY of `n` rows into the emptied history table, in one statement. */
    const copy = async (n: number) => {
      await empty();
      const csv = csvOf(n);
      const t0 = performance.now();
      await copyCsv(csv);
      return n / ((performance.now() - t0) / 1000);
    };

    /** The same `n` rows as COPYs of `batch` rows each, one after another, each its own commit. */
    const copyPerBatch = async (n: number, batch: number) => {
      await empty();
      const chunks = Array.from({ length: Math.max(1, Math.floor(n / batch)) }, () => csvOf(batch));
      const t0 = performance.now();
      for (const csv of chunks) await copyCsv(csv);
      return (chunks.length * batch) / ((performance.now() - t0) / 1000);
    };

    const http = async (batch: number, concurrency: number) => {
      await empty();
      const requests = Math.max(concurrency, Math.floor(TOTAL / batch));
      const bodies = Array.from({ length: requests }, () =>
        JSON.stringify({ org_id: org.id, values: rows(batch) }),
      );
      // Untimed warm-up, as a running server has had: the pool opens a connection per concurrent
      // request and each prepares its statements on first use (the first requests of a round at
      // c = 4 took 130 ms, which alone set the p99 of 100 requests).
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          const res = await fetch(`${server.url}/bulk/value`, {
            method: "POST",
            headers,
            body: JSON.stringify({ org_id: org.id, values: rows(batch) }),
          });
          await res.arrayBuffer();
        }),
      );
      const latencies: number[] = [];
      const errors = new Map<number, number>();
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++]!;
            const t0 = performance.now();
            const res = await fetch(`${server.url}/bulk/value`, { method: "POST", headers, body });
            await res.arrayBuffer();
            latencies.push(performance.now() - t0);
            if (res.status !== 200) errors.set(res.status, (errors.get(res.status) ?? 0) + 1);
          }
        }),
      );
      const secs = (performance.now() - start) / 1000;
      return {
        rate: (requests * batch) / secs,
        p50: pct(latencies, 50),
        p99: pct(latencies, 99),
        errors: [...errors].map(([s, n]) => `${n}×${s}`).join(" ") || "0",
        requests,
      };
    };

    const results: string[][] = [];
    const copyRates: number[] = [];
    /** Per batch size: the per-batch COPY's rate and the single COPY's of the same round. */
    const perBatch = new Map<number, { rate: number; copy: number }[]>();
    for (const { batch, concurrency } of CONFIGS) {
      const paths = AUTH_AB ? (["listening", "generation read"] as const) : (["listening"] as const);
      const of = new Map(
        paths.map((p) => [
          p,
          {
            rates: [] as number[],
            ratios: [] as number[],
            perBatchRatios: [] as number[],
            p50s: [] as number[],
            p99s: [] as number[],
            errs: [] as string[],
          },
        ]),
      );
      let requests = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const c = await copy(TOTAL);
        const cb = await copyPerBatch(TOTAL, batch);
        copyRates.push(c);
        if (!perBatch.has(batch)) perBatch.set(batch, []);
        perBatch.get(batch)!.push({ rate: cb, copy: c });
        // A/B alternating which goes first, so drifting load hits both alike
        const order = r % 2 === 0 ? paths : [...paths].reverse();
        for (const path of order) {
          if (path === "listening") watchAccessChanges(server.deps);
          else await unwatchAccessChanges(server.deps);
          const h = await http(batch, concurrency);
          const m = of.get(path)!;
          m.perBatchRatios.push(h.rate / cb);
          m.rates.push(h.rate);
          m.ratios.push(h.rate / c);
          m.p50s.push(h.p50);
          m.p99s.push(h.p99);
          m.errs.push(h.errors);
          requests = h.requests;
        }
      }
      for (const [path, m] of of)
        results.push([
          path === "listening" ? "HTTP bulk/value" : "HTTP, generation read",
          batch.toLocaleString("en"),
          String(concurrency),
          String(requests),
          range(m.rates),
          range(m.p50s, 1),
          range(m.p99s, 1),
          m.errs.join(" / "),
          range(m.ratios, 2),
          range(m.perBatchRatios, 2),
        ]);
      watchAccessChanges(server.deps);
    }
    for (const [batch, runs] of perBatch)
      results.push([
        "COPY per batch (history only)",
        batch.toLocaleString("en"),
        "1",
        String(Math.floor(TOTAL / batch)),
        range(runs.map((r) => r.rate)),
        "-",
        "-",
        "-",
        range(
          runs.map((r) => r.rate / r.copy),
          2,
        ),
        "1",
      ]);
    results.push([
      "COPY (history only)",
      TOTAL.toLocaleString("en"),
      "1",
      "1",
      range(copyRates),
      "-",
      "-",
      "-",
      "1",
      "-",
    ]);
    console.log(
      `\nPostgreSQL ${settings === "defaults" ? "at initdb defaults (fsync on)" : "with the test harness's settings (fsync off)"}; load ${load()}`,
    );
    printTable(
      [
        "path",
        "batch",
        "conc",
        "requests",
        "values/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "÷ COPY",
        "÷ per-batch COPY",
      ],
      results,
    );
    await raw.end();
    await server.stop();
  } finally {
    await cluster.destroy();
  }
}
