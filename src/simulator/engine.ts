/**
 * The simulator runtime of one process: which simulators it runs (a lease per simulator in the state
 * database), one croner job per running simulator aligned to its interval, and the tick that brings a
 * simulator's history up to now. A tick never overlaps itself; its run (`runner.ts`) writes every
 * missing interval since the checkpoint in bounded chunks. Planning (`plan.ts`) and chunk generation
 * (`chunk.ts`) are pure; the registry of the process's runtime is `runtime-registry.ts`.
 */
import type { Cron } from "croner";
import { scheduleJob as cronJob } from "../cron.ts";
import type { ServiceDeps } from "../deps.ts";
import { activityLogOf } from "./activity.ts";
import { type ChunkThread, createChunkThread } from "./chunk-thread.ts";
import { alignDown } from "./model/time.ts";
import { cronPattern } from "./plan.ts";
import { defaultPorts, type SimulatorPorts } from "./ports.ts";
import { isUnavailable, type RunContext, type Runner, runSimulator, setStatus } from "./runner.ts";
import {
  registerRuntime,
  type SimulatorRuntime,
  type TickOptions,
  type TickResult,
} from "./runtime-registry.ts";
import { acquireLease, listSimulatorRows, loadSimulator, releaseLease, type SimulatorRow } from "./store.ts";
import { storedConfigOf } from "./stored-config.ts";

export type {
  LiveStatus,
  SimulatorRuntime,
  TickOptions,
  TickResult,
} from "./runtime-registry.ts";

export interface RuntimeOptions {
  deps: ServiceDeps;
  /** The clock (tests inject one); defaults to the wall clock. */
  now?: () => Date;
  /** This process's name in leases. */
  holder?: string;
  /** Lease lifetime; renewed by every supervise pass and tick (default 90 s). */
  leaseMs?: number;
  /** Create croner jobs (default true); tests drive `supervise` and `tick` themselves. */
  schedule?: boolean;
  /** Upper bound of rows per gap-fill transaction (default 20,000). */
  chunkRows?: number;
  /**
   * Where a backfill or gap fill of more than one chunk generates its chunks: by default the model's
   * own thread (`chunk-thread.ts`; this thread when its worker cannot start). Stopped by `stop`.
   */
  chunks?: ChunkThread;
  ports?: Partial<SimulatorPorts>;
}

/** Creates the runtime of this process and registers it for `deps` (service verbs find it there). */
export function createSimulatorRuntime(opts: RuntimeOptions): SimulatorRuntime {
  const { deps } = opts;
  const now = opts.now ?? (() => deps.clock.now());
  const holder = opts.holder ?? `${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const leaseMs = opts.leaseMs ?? 90_000;
  const schedule = opts.schedule ?? true;
  const chunkRows = opts.chunkRows ?? 20_000;
  const ports: SimulatorPorts = { ...defaultPorts, ...opts.ports };
  const activity = activityLogOf(deps);
  const chunks = opts.chunks ?? createChunkThread({ log: deps.log });
  const runners = new Map<number, Runner>();
  let supervisor: Cron | null = null;
  let supervising: Promise<void> | null = null;
  let stopped = false;

  const runnerFor = (row: SimulatorRow): Runner => {
    const existing = runners.get(row.simulator_id);
    if (existing && existing.row.updated_at.getTime() === row.updated_at.getTime()) {
      existing.row = row;
      return existing;
    }
    const { config, entities, pointCount } = storedConfigOf(row);
    const r: Runner = existing ?? {
      id: row.simulator_id,
      row,
      config,
      entities,
      hisCount: 0,
      map: null,
      status: "stopped",
      error: null,
      failures: 0,
      retryAt: 0,
      held: false,
      job: null,
      running: null,
      cancel: false,
      lastRun: null,
      lastTs: null,
      lastDurationMs: null,
      lastPoints: null,
      progress: null,
    };
    if (existing && existing.config.intervalMinutes !== config.intervalMinutes) unschedule(existing);
    r.row = row;
    r.config = config;
    r.entities = entities;
    r.hisCount = pointCount;
    r.map = null;
    runners.set(r.id, r);
    return r;
  };

  const unschedule = (r: Runner) => {
    r.job?.stop();
    r.job = null;
  };

  const scheduleJob = (r: Runner) => {
    if (!schedule || r.job || stopped) return;
    r.job = cronJob(
      `simulator.tick:${r.id}`,
      cronPattern(r.config.intervalMinutes),
      (e) => deps.log.error("simulator tick failed", { simulator: r.id, error: e }),
      () => tick(r.id),
    );
  };

  const renew = async (r: Runner): Promise<boolean> => {
    const t = now();
    r.held = await acquireLease(deps, r.id, holder, t, new Date(t.getTime() + leaseMs));
    return r.held;
  };

  const ctx: RunContext = {
    deps,
    ports,
    activity,
    now,
    leaseMs,
    chunkRows,
    chunks,
    stopped: () => stopped,
    runnerFor: (row) => runnerFor(row),
    renew: (r) => renew(r),
    scheduleJob: (r) => scheduleJob(r),
    unschedule: (r) => unschedule(r),
    forget: (id) => forget(id),
  };

  const tick = async (id: number, o: TickOptions = {}): Promise<TickResult> => {
    let r = runners.get(id);
    if (!r) {
      const row = await loadSimulator(deps.dbs.primary, id);
      if (!row) return { written: 0, intervals: 0, status: "stopped" };
      r = runnerFor(row);
    }
    while (r.running) await r.running;
    r.cancel = false;
    const p = runSimulator(ctx, r, o);
    r.running = p;
    try {
      return await p;
    } finally {
      r.running = null;
    }
  };

  const forget = async (id: number) => {
    const r = runners.get(id);
    if (!r) return;
    unschedule(r);
    r.cancel = true;
    runners.delete(id);
    if (r.held) await releaseLease(deps, id, holder).catch(() => undefined);
  };

  const supervise = async () => {
    if (supervising) return supervising;
    supervising = (async () => {
      let rows: SimulatorRow[];
      try {
        rows = await listSimulatorRows(deps.dbs.primary);
      } catch (e) {
        if (!isUnavailable(e)) deps.log.error("simulator supervision failed", { error: e });
        for (const r of runners.values())
          if (r.held && r.status === "running") await setStatus(ctx, r, "waiting", String(e));
        return;
      }
      await activity.flush();
      const seen = new Set<number>();
      for (const row of rows) {
        seen.add(row.simulator_id);
        try {
          const r = runnerFor(row);
          if (row.desired_status === "stopped") {
            unschedule(r);
            if (r.held) {
              await releaseLease(deps, r.id, holder);
              r.held = false;
            }
            if (r.status !== "stopped") await setStatus(ctx, r, "stopped");
            continue;
          }
          if (!(await renew(r))) {
            unschedule(r);
            continue;
          }
          if (row.desired_status === "paused") {
            unschedule(r);
            if (r.status !== "paused") await setStatus(ctx, r, "paused");
            continue;
          }
          if (!r.job || r.status !== "running") {
            scheduleJob(r);
            if (schedule && !r.running && !stopped) {
              void tick(r.id).catch((e) =>
                deps.log.error("simulator tick failed", { simulator: r.id, error: e }),
              );
            }
          }
        } catch (e) {
          deps.log.error("simulator supervision failed", { simulator: row.simulator_id, error: e });
        }
      }
      for (const id of [...runners.keys()]) if (!seen.has(id)) await forget(id);
    })().finally(() => {
      supervising = null;
    });
    return supervising;
  };

  const runtime: SimulatorRuntime = {
    holder,
    ports,
    now,
    async start() {
      stopped = false;
      if (schedule) {
        supervisor = cronJob(
          "simulator.supervise",
          "*/30 * * * * *",
          (e) => deps.log.error("simulator supervision failed", { error: e }),
          () => supervise(),
        );
      }
      void supervise().catch((e) => deps.log.error("simulator supervision failed", { error: e }));
    },
    async stop() {
      stopped = true;
      supervisor?.stop();
      supervisor = null;
      if (supervising) await supervising.catch(() => undefined);
      for (const r of runners.values()) {
        unschedule(r);
        r.cancel = true;
      }
      await Promise.allSettled([...runners.values()].map((r) => r.running));
      await chunks.close();
      for (const r of runners.values()) {
        if (r.held) await releaseLease(deps, r.id, holder).catch(() => undefined);
        r.held = false;
      }
    },
    supervise,
    tick,
    cancel(id) {
      const r = runners.get(id);
      if (r) r.cancel = true;
    },
    forget,
    status(id) {
      const r = runners.get(id);
      if (!r) return undefined;
      return {
        status: r.status,
        error: r.error,
        lastRun: r.lastRun,
        lastTs: r.lastTs,
        lastDurationMs: r.lastDurationMs,
        lastPoints: r.lastPoints,
        nextRun: r.job?.nextRun() ?? null,
        holder: r.held,
        progress: r.progress ? { ...r.progress } : null,
      };
    },
    overview() {
      const t = now();
      return [...runners.values()].map((r) => ({
        id: r.id,
        status: r.status,
        held: r.held,
        lagSeconds:
          r.held && r.lastTs
            ? Math.max(0, (alignDown(t, r.config.intervalMinutes).getTime() - r.lastTs.getTime()) / 1000)
            : null,
      }));
    },
  };
  registerRuntime(deps, runtime);
  return runtime;
}
