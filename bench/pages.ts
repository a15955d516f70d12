// bench/pages: the console's pages under load on a fresh server (from source, embedded database,
// demo building on), every request signed in with a session cookie, as a browser's would be.
// Run: `bun bench/pages.ts`. Loopback only; the server is stopped before exit.
//
// First it waits (at most WAIT_SECONDS, default 300) for the demo backfill to finish (points
// written and no progress bar on the dashboard card) and fails when it has not: a server still backfilling measures
// the backfill, not the pages.
//
//   open loop: RATE requests/s (default 100) sent on a fixed schedule for SECONDS (default 10),
//              whatever the answers take, to `/health` (the baseline: no session, no SQL), the
//              dashboard, the explorer's first open (the org's tree) and the explorer with a filter;
//              ROUNDS rounds (default 3) interleaved A/B/C/D. Latency counts from the moment a
//              request was due, so a server that falls behind shows it; a request not answered 5 s
//              after the round's last one was due is given up (counted as unanswered, its latency
//              then a lower bound). Prints p50/p99/max, the rate answered, errors and unanswered
//              requests per round, and each page's p99 as a multiple of /health's in the same round.
//   closed loop: each page (those above, the simulator list, an AHU's page, a point page, a chart),
//              REQUESTS requests (default 200) by CONCURRENCY clients (default 8): the rate the
//              server saturates at.
// The load average is printed with every round: the machine is shared.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "../test/harness/proc.ts";
import { consoleSession, pct, printTable } from "./lib.ts";

const RATE = Math.min(1000, Math.max(1, Number(process.env.RATE ?? 100)));
const SECONDS = Math.min(120, Math.max(1, Number(process.env.SECONDS ?? 10)));
const ROUNDS = Math.min(10, Math.max(1, Number(process.env.ROUNDS ?? 3)));
const REQUESTS = Number(process.env.REQUESTS ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const WAIT_SECONDS = Number(process.env.WAIT_SECONDS ?? 300);
/** How long after the round's schedule a request may still be answered (then it is unanswered). */
const DRAIN_MS = 5_000;
const EMAIL = "bench@pages.test";
const PASSWORD = "bench pages password";

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");

const dir = mkdtempSync(join(tmpdir(), "hs-bench-pages-"));
const server = await startServe({
  env: { DATA_DIR: dir, ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD, DEMO: "true", LOG_LEVEL: "warn" },
  timeoutMs: 120_000,
});
const base = server.url;
try {
  const cookie = await consoleSession(base, EMAIL, PASSWORD);
  const headers = { cookie, accept: "text/html" };
  const get = async (path: string) => (await fetch(base + path, { headers })).text();

  // The demo simulator creates its building and backfills a day; wait until its card shows points
  // written and no progress bar (the backfill and any gap fill are done).
  const quietFrom = Date.now();
  let quiet = false;
  while (!quiet && Date.now() < quietFrom + WAIT_SECONDS * 1000) {
    const html = await get("/");
    const written = Number((/<dd class="pts">([\d,]+)<\/dd>/.exec(html)?.[1] ?? "0").replace(/,/g, ""));
    quiet = written > 0 && !html.includes('class="card-progress"');
    if (!quiet) await Bun.sleep(1000);
  }
  const waited = ((Date.now() - quietFrom) / 1000).toFixed(0);
  if (!quiet) throw new Error(`the demo backfill had not finished after ${waited} s`);
  console.log(`the demo backfill finished (waited ${waited} s); load average ${load()}`);

  const firstEntity = async (filter: string) =>
    /<td><a href="\/explorer\/entity\/(\d+)"/.exec(
      await get(`/explorer?filter=${encodeURIComponent(filter)}`),
    )?.[1] ?? "";
  const point = await firstEntity("point and his and temp and writable");
  const equip = await firstEntity("equip and ahu");
  if (!point || !equip) throw new Error("the demo building has no writable temp point or no AHU");

  const filtered = `/explorer?filter=${encodeURIComponent("point and his and temp")}`;
  const open: [string, string, boolean][] = [
    ["/health", "/health", false],
    ["dashboard", "/", true],
    ["tree", "/explorer", true],
    ["explorer", filtered, true],
  ];

  /** One open-loop round: RATE requests/s for SECONDS; latency from each request's due time. */
  const openLoop = async (path: string, signed: boolean) => {
    const n = RATE * SECONDS;
    const times: number[] = [];
    let errors = 0;
    let timeouts = 0;
    const t0 = performance.now() + 50;
    const roundEnd = t0 + (n * 1000) / RATE;
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      inflight.push(
        (async () => {
          try {
            const signal = AbortSignal.timeout(roundEnd + DRAIN_MS - performance.now());
            const res = await fetch(base + path, signed ? { headers, signal } : { signal });
            await res.arrayBuffer();
            if (res.status !== 200) errors += 1;
          } catch {
            // not answered by the end of the round and its drain: counted, latency as a lower bound
            timeouts += 1;
          }
          times.push(performance.now() - due);
        })(),
      );
    }
    await Promise.all(inflight);
    const wall = (performance.now() - t0) / 1000;
    const answered = n - timeouts;
    return {
      p50: pct(times, 50),
      p99: pct(times, 99),
      max: Math.max(...times),
      rate: answered / wall,
      errors,
      timeouts,
    };
  };

  console.log(
    `\nopen loop: ${RATE} requests/s for ${SECONDS} s per page and round, ${ROUNDS} rounds interleaved (loopback, signed in; /health without a session)`,
  );
  for (const [, path, signed] of open)
    for (let i = 0; i < 10; i++) await (await fetch(base + path, signed ? { headers } : {})).arrayBuffer();
  const rows: string[][] = [];
  const p99s = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++)
    for (const [name, path, signed] of open) {
      // what an earlier round left queued is done before this one starts
      await Bun.sleep(1000);
      await (await fetch(base + path, signed ? { headers } : {})).arrayBuffer();
      const la = load();
      const r = await openLoop(path, signed);
      p99s.set(name, [...(p99s.get(name) ?? []), r.p99]);
      rows.push([
        String(round),
        name,
        r.p50.toFixed(1),
        r.p99.toFixed(1),
        r.max.toFixed(1),
        r.rate.toFixed(0),
        String(r.errors),
        String(r.timeouts),
        la,
      ]);
    }
  printTable(
    [
      "round",
      "page",
      "p50 ms",
      "p99 ms",
      "max ms",
      "answered/s",
      "errors",
      "unanswered",
      "load (1 5 15 min)",
    ],
    rows,
  );
  const health = p99s.get("/health") ?? [];
  for (const [name] of open.slice(1)) {
    const ps = p99s.get(name) ?? [];
    console.log(
      `${name}: p99 ${ps.map((p) => p.toFixed(1)).join(" / ")} ms; ÷ /health p99 of the same round: ${ps.map((p, i) => (p / Math.max(0.1, health[i] ?? 0)).toFixed(1)).join(" / ")}`,
    );
  }

  const pages: [string, string][] = [
    ["dashboard", "/"],
    ["simulators", "/simulators"],
    ["tree", "/explorer"],
    ["explorer", filtered],
    ["equipment", `/explorer/entity/${equip}`],
    ["point", `/explorer/entity/${point}?range=1d`],
    ["chart", `/explorer/chart?points=${point}&range=1d`],
  ];
  console.log(
    `\nclosed loop: ${REQUESTS} requests per page by ${CONCURRENCY} concurrent clients (the rate each page saturates at)`,
  );
  const closed: string[][] = [];
  for (const [name, path] of pages) {
    for (let i = 0; i < 10; i++) await (await fetch(base + path, { headers })).arrayBuffer(); // warm-up
    const la = load();
    const times: number[] = [];
    let issued = 0;
    let bytes = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued < REQUESTS) {
          issued += 1;
          const s = performance.now();
          const res = await fetch(base + path, { headers });
          const body = await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
          times.push(performance.now() - s);
          bytes = body.byteLength;
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    closed.push([
      name,
      String(times.length),
      pct(times, 50).toFixed(1),
      pct(times, 99).toFixed(1),
      (times.length / wall).toFixed(0),
      String(bytes),
      la,
    ]);
  }
  printTable(["page", "count", "p50 ms", "p99 ms", "req/s", "bytes", "load (1 5 15 min)"], closed);
  console.log("\n(SSE memory: bench/sse.ts, on a fresh server beside an empty SSE stream)");
} finally {
  server.proc.kill("SIGTERM");
  await server.proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
