// Backfill benchmark: one year (by default) of the office template written by the simulator engine
// into PostgreSQL through the ingest path (chunks of ≤ 20,000 rows, each one transaction with the
// checkpoint), then a server-side COPY of the same rows into an empty table of the same shape and
// indexes, on the same throwaway cluster. Prints rows per second of both, in one run.
// Run: `bun bench/backfill.ts [days=365] [intervalMinutes=15]` (15 min: the template's own interval).
import { readdirSync, readFileSync } from "node:fs";
import { systemActor } from "../src/access/actor.ts";
import { upsertEntities } from "../src/catalog/bulk.ts";
import { migrate, openDatabase } from "../src/db/index.ts";
import { writeValues } from "../src/ingest/write.ts";
import { createSimulatorRuntime } from "../src/simulator/engine.ts";
import { createSimulator } from "../src/simulator/service.ts";
import { testApp } from "../test/harness/app.ts";
import { seedOrg } from "../test/harness/auth.ts";
import { startCluster } from "../test/harness/pg.ts";
import { printTable } from "./lib.ts";

const DAYS = Math.min(366, Math.max(1, Number(process.argv[2] ?? 365)));
const INTERVAL = Number(process.argv[3] ?? 15);
if (![1, 5, 15, 30, 60].includes(INTERVAL)) throw new Error("intervalMinutes must be 1, 5, 15, 30 or 60");

/** CPU time (ms) of the cluster's server processes: the postmaster's children, from /proc. */
function serverCpuMs(dir: string): number {
  const postmaster = Number(readFileSync(`${dir}/data/postmaster.pid`, "utf8").split("\n")[0]);
  const tick = 100; // USER_HZ on Linux
  let ms = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // Fields after the command name: state ppid … utime (14) stime (15), numbered from 1.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[1]) === postmaster || Number(pid) === postmaster)
        ms += ((Number(f[11]) + Number(f[12])) * 1000) / tick;
    } catch {
      // The process ended meanwhile.
    }
  }
  return ms;
}

const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const cluster = await startCluster();
try {
  const admin = await openDatabase({ key: "admin", url: cluster.url() });
  await admin.exec("CREATE DATABASE bench");
  await admin.close();
  const db = await openDatabase({ key: "primary", url: cluster.url("bench") });
  await migrate(db, "building");
  await migrate(db, "state");
  const t = await testApp("postgres", {
    dbs: {
      primary: db,
      secondaries: [],
      state: db,
      stateIsPrimary: true,
      all: () => [db],
      close: async () => {},
    },
  });
  const { org } = await seedOrg(t.deps, { key: "bench" });

  // The backfill ends at a fixed, aligned instant: the run is the same every time.
  const end = new Date("2025-06-30T23:30:00Z");
  let writeMs = 0;
  let entitiesMs = 0;
  let chunks = 0;
  // Between one chunk's write and the next one's start the backfill waits for the model (and
  // does its per-chunk bookkeeping); before the first write, it generates the first chunk.
  let betweenMs = 0;
  let lastWriteEnd: number | null = null;
  let firstWriteAt = 0;
  let entitiesEnd = 0;
  const rt = createSimulatorRuntime({
    deps: t.deps,
    now: () => end,
    schedule: false,
    ports: {
      upsertEntities: async (o) => {
        const t0 = performance.now();
        const r = await upsertEntities(o);
        entitiesEnd = performance.now();
        entitiesMs += entitiesEnd - t0;
        return r;
      },
      writeValues: async (o) => {
        const t0 = performance.now();
        if (lastWriteEnd !== null) betweenMs += t0 - lastWriteEnd;
        else firstWriteAt = t0;
        const r = await writeValues(o);
        lastWriteEnd = performance.now();
        writeMs += lastWriteEnd - t0;
        chunks += 1;
        return r;
      },
    },
  });
  const sim = await createSimulator({
    deps: t.deps,
    actor: systemActor,
    orgId: org.id,
    input: { key: "tower", template: "office-tower", interval_minutes: INTERVAL, backfill_days: DAYS },
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const pg0 = serverCpuMs(cluster.dir);
  const r = await rt.tick(sim.id);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const benchCpuMs = (cpu.user + cpu.system) / 1000;
  const pgCpuMs = serverCpuMs(cluster.dir) - pg0;
  await rt.stop();
  if (r.status !== "running") throw new Error(`backfill ended ${r.status}`);

  // COPY of the same rows, server side (no client transfer), into a table with the same indexes.
  const file = `${cluster.dir}/values.copy`;
  await db.exec(`COPY core.values_bench TO '${file}'`);
  await db.exec("CREATE TABLE core.values_copy (LIKE core.values_bench INCLUDING ALL)");
  const c0 = performance.now();
  await db.exec(`COPY core.values_copy FROM '${file}'`);
  const copyMs = performance.now() - c0;
  const [n] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM core.values_copy");
  if (n?.n !== r.written) throw new Error(`COPY loaded ${n?.n} rows, the backfill wrote ${r.written}`);
  const engine = await db.engine();

  const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString("en");
  const rows = [
    [
      "backfill (generate + write), end to end",
      String(r.written),
      (wallMs / 1000).toFixed(1),
      rate(r.written, wallMs),
    ],
    ["backfill: creating its entities", String(sim.entity_count), (entitiesMs / 1000).toFixed(1), "—"],
    [
      "backfill: ingest writes only",
      String(r.written),
      (writeMs / 1000).toFixed(1),
      rate(r.written, writeMs),
    ],
    [
      "backfill: before the first write (first chunk)",
      "—",
      ((firstWriteAt - entitiesEnd) / 1000).toFixed(1),
      "—",
    ],
    ["backfill: between writes (waiting for the model)", "—", (betweenMs / 1000).toFixed(1), "—"],
    [
      "COPY of the same rows (server side)",
      String(r.written),
      (copyMs / 1000).toFixed(1),
      rate(r.written, copyMs),
    ],
  ];
  console.log(
    `office-tower, ${DAYS} days at ${INTERVAL} min: ${r.intervals} intervals, ${sim.point_count} points, ` +
      `${chunks} transactions, ${engine}`,
  );
  printTable(["path", "rows", "seconds", "rows/s"], rows);
  console.log(
    `CPU during the backfill: this process ${(benchCpuMs / 1000).toFixed(1)} s, PostgreSQL ` +
      `${(pgCpuMs / 1000).toFixed(1)} s (wall ${(wallMs / 1000).toFixed(1)} s; load ${loadAverage()})`,
  );
  console.log(
    `COPY is ${(wallMs / copyMs).toFixed(1)}× the end-to-end backfill, ${(writeMs / copyMs).toFixed(1)}× its writes`,
  );
  await db.close();
} finally {
  await cluster.destroy();
}
