// bench/sse: what SSE clients cost the server while events flow. Run: `bun bench/sse.ts`.
// A fresh server (from source, embedded database, no demo) with one org and one stopped simulator;
// then for N = 0 (the baseline, same run) and N = SSE_CLIENTS (default 1000, at most 5000) console
// clients on `/events?topics=dashboard,activity,sim:<id>` (raw loopback sockets, one signed-in
// user), RATE activity reports per second (default 20) for SECONDS (default 5) through
// `POST /simulator/activity/:id`, each one an `activity:logged` event rendered as fragments.
// Prints the server's RSS before and with the clients (after the events), the bytes the clients
// received, and the server CPU per event. In the same run, the same N clients on an SSE server with
// nothing of ours (`bench/sse-empty.ts`: Bun.serve and an open stream) give Bun's own cost per
// connection, so the rest is ours. The load average is printed with the figures. The servers and
// every socket are closed before exit.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "../test/harness/proc.ts";
import { consoleSession, printTable } from "./lib.ts";

const N = Math.min(5000, Math.max(1, Number(process.env.SSE_CLIENTS ?? 1000)));
const RATE = Math.min(200, Math.max(1, Number(process.env.RATE ?? 20)));
const SECONDS = Math.min(60, Math.max(1, Number(process.env.SECONDS ?? 5)));
const EMAIL = "bench@sse.test";
const PASSWORD = "bench sse password";

const status = (pid: number) => readFileSync(`/proc/${pid}/status`, "utf8");
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(status(pid))?.[1] ?? 0) / 1024;
/** The process's user + system CPU in ms (clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
};

const dir = mkdtempSync(join(tmpdir(), "hs-bench-sse-"));
const server = await startServe({
  env: { DATA_DIR: dir, ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD, DEMO: "false", LOG_LEVEL: "warn" },
  timeoutMs: 120_000,
});
const base = server.url;
const pid = server.proc.pid;
try {
  const session = await consoleSession(base, EMAIL, PASSWORD);
  const page = await (await fetch(`${base}/`, { headers: { cookie: session } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  const post = async (path: string, body: unknown, cookie = session) => {
    const res = await fetch(base + path, {
      method: "POST",
      headers: { cookie, origin: base, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const org = await post("/org", { name: "Bench", key: "bench" });
  const orgId = Number(org.id ?? org.org_id);
  const sim = await post("/simulator", {
    org_id: orgId,
    key: "b1",
    template: "retail-rtu",
    interval_minutes: 60,
    status: "stopped",
  });
  const simId = Number(sim.id ?? sim.simulator_id);
  const cookie = `${session}; hs_org=${orgId}`;
  const report = (i: number) =>
    post(
      `/simulator/activity/${simId}`,
      { events: [{ type: "generation", message: `bench event ${i}` }] },
      cookie,
    );
  for (let i = 0; i < 10; i++) await report(i); // warm-up

  const round = async (clients: number) => {
    Bun.gc(true);
    await Bun.sleep(500);
    const rss0 = rssMb(pid);
    let connected = 0;
    let bytes = 0;
    let allIn!: () => void;
    const ready = new Promise<void>((r) => {
      allIn = r;
    });
    if (clients === 0) allIn();
    const sockets: Array<{ end(): void }> = [];
    for (let i = 0; i < clients; i++) {
      let seen = false;
      const sock = await Bun.connect({
        hostname: "127.0.0.1",
        port: server.port,
        socket: {
          data(_s, chunk) {
            bytes += chunk.byteLength;
            if (!seen && chunk.toString().includes(": connected")) {
              seen = true;
              if (++connected === clients) allIn();
            }
          },
        },
      });
      sock.write(
        `GET /events?topics=dashboard,activity,sim:${simId} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`,
      );
      sockets.push(sock);
    }
    const timeout = setTimeout(allIn, 60_000);
    await ready;
    clearTimeout(timeout);
    bytes = 0;
    const cpu0 = cpuMs(pid);
    const events = RATE * SECONDS;
    const t0 = performance.now();
    for (let i = 0; i < events; i++) {
      await report(i);
      const due = t0 + ((i + 1) * 1000) / RATE;
      if (performance.now() < due) await Bun.sleep(due - performance.now());
    }
    await Bun.sleep(1000); // let the last frames go out
    const cpu = cpuMs(pid) - cpu0;
    const rss1 = rssMb(pid);
    for (const s of sockets) s.end();
    await Bun.sleep(500);
    return { clients, connected, rss0, rss1, bytes, cpuPerEvent: cpu / events };
  };

  /** The same clients on an SSE server with nothing of ours: Bun's own cost per connection. */
  const emptyRound = async (clients: number) => {
    const proc = Bun.spawn([process.execPath, new URL("./sse-empty.ts", import.meta.url).pathname], {
      stdout: "pipe",
      stderr: "inherit",
    });
    try {
      const first = await proc.stdout.getReader().read();
      const port = Number(new TextDecoder().decode(first.value).trim());
      await Bun.sleep(500);
      const rss0 = rssMb(proc.pid);
      let connected = 0;
      let allIn!: () => void;
      const ready = new Promise<void>((r) => {
        allIn = r;
      });
      const sockets: Array<{ end(): void }> = [];
      for (let i = 0; i < clients; i++) {
        let seen = false;
        const sock = await Bun.connect({
          hostname: "127.0.0.1",
          port,
          socket: {
            data(_s, chunk) {
              if (!seen && chunk.toString().includes(": connected")) {
                seen = true;
                if (++connected === clients) allIn();
              }
            },
          },
        });
        sock.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
        sockets.push(sock);
      }
      const timeout = setTimeout(allIn, 60_000);
      await ready;
      clearTimeout(timeout);
      await Bun.sleep(1000);
      const rss1 = rssMb(proc.pid);
      for (const s of sockets) s.end();
      return { connected, rss0, rss1 };
    } finally {
      proc.kill();
      await proc.exited;
    }
  };

  console.log(
    `sse: ${RATE} activity events/s for ${SECONDS} s to console clients (dashboard, activity, sim:${simId}); loopback, embedded database`,
  );
  const load0 = loadavg();
  const rows = [await round(0), await round(N)];
  const empty = await emptyRound(N);
  const load1 = loadavg();
  printTable(
    [
      "clients",
      "connected",
      "RSS before MB",
      "RSS with MB",
      "delta MB",
      "KB/client",
      "received KB",
      "CPU ms/event",
    ],
    rows
      .map((r) => [
        String(r.clients),
        String(r.connected),
        r.rss0.toFixed(1),
        r.rss1.toFixed(1),
        (r.rss1 - r.rss0).toFixed(1),
        r.clients ? (((r.rss1 - r.rss0) * 1024) / r.clients).toFixed(1) : "-",
        (r.bytes / 1024).toFixed(0),
        r.cpuPerEvent.toFixed(2),
      ])
      .concat([
        [
          `${N} (empty SSE server)`,
          String(empty.connected),
          empty.rss0.toFixed(1),
          empty.rss1.toFixed(1),
          (empty.rss1 - empty.rss0).toFixed(1),
          (((empty.rss1 - empty.rss0) * 1024) / N).toFixed(1),
          "-",
          "-",
        ],
      ]),
  );
  const [b, w] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const bun = empty.rss1 - empty.rss0;
  console.log(
    `\nload average ${load0.map((x) => x.toFixed(1)).join(" ")} at the start, ${load1.map((x) => x.toFixed(1)).join(" ")} at the end`,
  );
  console.log(
    `${N} clients: Bun's own streams (empty server, same run) +${bun.toFixed(1)} MB; ours +${(w.rss1 - w.rss0 - bun).toFixed(1)} MB on top`,
  );
  console.log(
    `${N} clients: RSS +${(w.rss1 - w.rss0).toFixed(1)} MB (baseline round ${(b.rss1 - b.rss0).toFixed(1)} MB: GC drift); server CPU per event ${(w.cpuPerEvent / Math.max(0.01, b.cpuPerEvent)).toFixed(1)} x the baseline`,
  );
} finally {
  server.proc.kill("SIGTERM");
  await server.proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
