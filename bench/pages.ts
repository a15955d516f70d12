// bench/pages: latency of the console's pages under a fixed loopback load, and the memory 1,000
// concurrent SSE clients cost the server. Run: `bun bench/pages.ts` (from source, embedded database,
// demo building on). Every request is signed in with a session cookie, as a browser's would be.
//
//   pages: for each of dashboard, explorer (first open: the org's tree), explorer (filter results +
//          tree), equipment page (an AHU: points, current values, trends), point page (chart,
//          current value, priority array) and chart page,
//          REQUESTS requests (default 400) by CONCURRENCY clients (default 8), stopped after
//          SECONDS (default 20) if not done; prints count, p50, p99, max and requests/s.
//   sse:   the server's RSS, then SSE_CLIENTS (default 1000) raw-socket clients on /events each
//          reading its `: connected` line, then RSS again; the difference per client.
// Loopback only; the server and every socket are closed before exit.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "../test/harness/proc.ts";
import { consoleSession } from "./lib.ts";

const REQUESTS = Number(process.env.REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const SECONDS = Number(process.env.SECONDS ?? 20);
const SSE_CLIENTS = Number(process.env.SSE_CLIENTS ?? 1000);
const EMAIL = "bench@pages.test";
const PASSWORD = "bench pages password";

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

const dir = mkdtempSync(join(tmpdir(), "hs-bench-pages-"));
const server = await startServe({
  env: { DATA_DIR: dir, ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD, DEMO: "true", LOG_LEVEL: "warn" },
  timeoutMs: 120_000,
});
const base = server.url;
try {
  const cookie = await consoleSession(base, EMAIL, PASSWORD);
  const headers = { cookie, accept: "text/html" };

  // The demo simulator creates its points at start; wait until the explorer finds some.
  const explorer = `/explorer?filter=${encodeURIComponent("point and his and temp")}`;
  const firstEntity = async (filter: string) =>
    /<td><a href="\/explorer\/entity\/(\d+)"/.exec(
      await (await fetch(`${base}/explorer?filter=${encodeURIComponent(filter)}`, { headers })).text(),
    )?.[1] ?? "";
  let point = "";
  const deadline = Date.now() + 120_000;
  while (!point && Date.now() < deadline) {
    point = await firstEntity("point and his and temp and writable");
    if (!point) await Bun.sleep(250);
  }
  if (!point) throw new Error("the demo building has no points");
  const equip = await firstEntity("equip and ahu");
  if (!equip) throw new Error("the demo building has no AHU");
  // Measure a quieter server: wait (at most 3 min) for the demo backfill to end (card "waiting").
  const quietFrom = Date.now();
  while (Date.now() < quietFrom + 180_000) {
    const html = await (await fetch(`${base}/`, { headers })).text();
    if (html.includes(">waiting</span>")) break;
    await Bun.sleep(1000);
  }
  console.log(`(waited ${((Date.now() - quietFrom) / 1000).toFixed(0)} s for the demo backfill to finish)`);

  const pages: [string, string][] = [
    ["dashboard", "/"],
    ["tree", "/explorer"],
    ["explorer", explorer],
    ["equipment", `/explorer/entity/${equip}`],
    ["point", `/explorer/entity/${point}?range=1d`],
    ["chart", `/explorer/chart?points=${point}&range=1d`],
  ];
  console.log(
    `pages: ${REQUESTS} requests each, ${CONCURRENCY} concurrent clients, at most ${SECONDS} s per page (loopback, signed in)`,
  );
  console.log("page        count    p50 ms    p99 ms    max ms    req/s   bytes");
  for (const [name, path] of pages) {
    for (let i = 0; i < 10; i++) await (await fetch(base + path, { headers })).arrayBuffer(); // warm-up
    const times: number[] = [];
    let issued = 0;
    let bytes = 0;
    const stopAt = Date.now() + SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued < REQUESTS && Date.now() < stopAt) {
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
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    console.log(
      `${name.padEnd(10)} ${String(times.length).padStart(6)} ${q(0.5).toFixed(1).padStart(9)} ${q(0.99).toFixed(1).padStart(9)} ${times[times.length - 1]!.toFixed(1).padStart(9)} ${(times.length / wall).toFixed(0).padStart(8)} ${String(bytes).padStart(7)}`,
    );
  }

  // SSE: raw sockets (fetch would cap concurrent connections per host).
  Bun.gc(true);
  const before = rssMb(server.proc.pid);
  const { port } = server;
  let connected = 0;
  const sockets: Array<{ end(): void }> = [];
  let allConnected!: () => void;
  const ready = new Promise<void>((r) => {
    allConnected = r;
  });
  const t0 = performance.now();
  for (let i = 0; i < SSE_CLIENTS; i++) {
    let seen = false;
    const sock = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_s, chunk) {
          if (!seen && chunk.toString().includes(": connected")) {
            seen = true;
            connected += 1;
            if (connected === SSE_CLIENTS) allConnected();
          }
        },
      },
    });
    sock.write(
      `GET /events?topics=dashboard HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`,
    );
    sockets.push(sock);
  }
  const timeout = setTimeout(() => allConnected(), 60_000);
  await ready;
  clearTimeout(timeout);
  const openMs = performance.now() - t0;
  const after = rssMb(server.proc.pid);
  console.log(
    `\nsse: ${connected} of ${SSE_CLIENTS} clients connected in ${openMs.toFixed(0)} ms; server RSS ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB with them open: +${(after - before).toFixed(1)} MB (${(((after - before) * 1024) / Math.max(1, connected)).toFixed(1)} KB per client)`,
  );
  for (const s of sockets) s.end();
} finally {
  server.proc.kill("SIGTERM");
  await server.proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
