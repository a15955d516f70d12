/**
 * The simulator runtime of one process: which simulators it runs (a lease per simulator in the state
 * database), one croner job per running simulator aligned to its interval, and the tick that brings a
 * simulator's history up to now. A tick never overlaps itself; it writes every missing interval since
 * the checkpoint (capped at `maxGapDays`, or `backfillDays` for a new simulator) in bounded chunks,
 * each one primary transaction holding the chunk's rows and the checkpoint, so an interrupted gap
 * fill resumes where it stopped and nothing is written twice. Failures never escape: a primary that
 * is down makes the simulator `waiting` (retried every tick), anything else `error` (retried with
 * back-off).
 */
import { Cron, scheduledJobs } from "croner";
import { systemActor } from "../access/actor.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import type { ValueInput } from "../ingest/write.ts";
import { isConnectionError } from "../ingest/write.ts";
import { type ActivityType, activityLogOf } from "./activity.ts";
import { parseSimulatorConfig, type SimulatorConfig } from "./config.ts";
import { buildEntities } from "./model/entities.ts";
import { generateInterval, initialState } from "./model/generate.ts";
import { alignDown, intervalsBetween } from "./model/time.ts";
import type { Entity, ModelState, OverrideValue } from "./model/types.ts";
import { defaultPorts, type SimulatorPorts } from "./ports.ts";
import {
  acquireLease,
  type Checkpoint,
  listSimulatorRows,
  loadCheckpoint,
  loadSimulator,
  mirrorState,
  type RunStatus,
  releaseLease,
  type SimulatorRow,
  saveCheckpoint,
} from "./store.ts";
import { entityIdOf, toCatalogEntity } from "./tags.ts";

const DAY_MS = 86_400_000;

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
  ports?: Partial<SimulatorPorts>;
}

/** What the runtime knows of one simulator it has seen. */
export interface LiveStatus {
  status: RunStatus;
  error: string | null;
  lastRun: Date | null;
  lastTs: Date | null;
  lastDurationMs: number | null;
  lastPoints: number | null;
  nextRun: Date | null;
  holder: boolean;
  progress: { kind: "gap_fill" | "backfill"; done: number; total: number } | null;
}

export interface TickResult {
  written: number;
  intervals: number;
  status: RunStatus;
}

export interface TickOptions {
  /** Ignore `maxGapDays` (an explicit backfill). */
  ignoreMaxGap?: boolean;
  /** For a simulator without history: start after this instant instead of `backfillDays` ago. */
  from?: Date;
  /** Stop at this interval end instead of now. */
  until?: Date;
}

export interface SimulatorRuntime {
  readonly holder: string;
  /** The verbs of other services the runtime (and the service verbs) use. */
  readonly ports: SimulatorPorts;
  now(): Date;
  /** Runs a first supervise pass (in the background) and schedules `simulator.supervise`. */
  start(): Promise<void>;
  /** Stops every job, lets running ticks finish their current chunk, releases leases. */
  stop(): Promise<void>;
  /** Reconciles jobs and leases with the simulators in the primary. */
  supervise(): Promise<void>;
  /** Brings one simulator up to date now (waits for a running tick instead of overlapping it). */
  tick(id: number, opts?: TickOptions): Promise<TickResult>;
  /** Asks a running tick to stop after its current chunk. */
  cancel(id: number): void;
  /** Forgets a simulator (deleted or reset): stops its job and drops cached entities and errors. */
  forget(id: number): Promise<void>;
  status(id: number): LiveStatus | undefined;
  /** Status of every simulator this process knows, and the lag of those it runs (for /metrics). */
  overview(): Array<{ id: number; status: RunStatus; held: boolean; lagSeconds: number | null }>;
}

interface Runner {
  id: number;
  row: SimulatorRow;
  config: SimulatorConfig;
  entities: Entity[];
  hisCount: number;
  map: Map<string, number> | null;
  status: RunStatus;
  error: string | null;
  failures: number;
  retryAt: number;
  held: boolean;
  job: Cron | null;
  running: Promise<TickResult> | null;
  cancel: boolean;
  lastRun: Date | null;
  lastTs: Date | null;
  lastDurationMs: number | null;
  lastPoints: number | null;
  progress: LiveStatus["progress"];
}

const runtimes = new WeakMap<ServiceDeps, SimulatorRuntime>();

/** The runtime registered for these deps (by `createSimulatorRuntime`), if any. */
export function runtimeOf(deps: ServiceDeps): SimulatorRuntime | undefined {
  return runtimes.get(deps);
}

/** True when the error means the primary (or the state database) cannot be reached. */
export function isUnavailable(e: unknown): boolean {
  return (e instanceof AppError && e.code === "unavailable") || isConnectionError(e);
}

/** Parses a stored configuration document; a stored document is always valid (it was validated). */
export function resolveConfig(row: Pick<SimulatorRow, "config">): SimulatorConfig {
  const r = parseSimulatorConfig(row.config);
  if (!r.ok) throw new Error(`stored simulator configuration is invalid: ${r.issues[0]?.message}`);
  return r.config;
}

/** Cron pattern firing two seconds after each interval boundary (UTC). */
export function cronPattern(intervalMinutes: number): string {
  return intervalMinutes >= 60 ? "2 0 * * * *" : `2 */${intervalMinutes} * * * *`;
}

/**
 * The interval ends to write now, the kind of run, and how many older intervals were skipped
 * (beyond `maxGapDays`). Without a checkpoint (`lastTs`) history starts `backfillDays` ago (or after
 * `from`); with one, right after it.
 */
export function planIntervals(o: {
  config: SimulatorConfig;
  lastTs: Date | undefined;
  now: Date;
  from?: Date;
  until?: Date;
  ignoreMaxGap?: boolean;
}): { list: Date[]; kind: "generation" | "backfill" | "gap_fill"; skipped: number } {
  const interval = o.config.intervalMinutes;
  const target = alignDown(o.until && o.until < o.now ? o.until : o.now, interval);
  if (!o.lastTs) {
    const from = o.from ?? new Date(target.getTime() - o.config.backfillDays * DAY_MS);
    const list = o.config.backfillDays === 0 && !o.from ? [target] : intervalsBetween(from, target, interval);
    return { list, kind: list.length > 1 ? "backfill" : "generation", skipped: 0 };
  }
  let from = o.lastTs;
  let skipped = 0;
  const earliest = new Date(target.getTime() - o.config.maxGapDays * DAY_MS);
  if (!o.ignoreMaxGap && from < earliest) {
    skipped = intervalsBetween(from, alignDown(earliest, interval), interval).length;
    from = alignDown(earliest, interval);
  }
  const list = intervalsBetween(from, target, interval);
  return { list, kind: list.length > 1 ? "gap_fill" : "generation", skipped };
}

/**
 * The values of consecutive intervals `list` starting from `state` (operator overrides apply from
 * the first), mapped to entity ids, and the state after the last one. Pure: the engine and remote
 * runners (`remote.ts`) produce identical rows for identical inputs.
 * @throws Error when an entity has no id in `map`.
 */
export function generateChunk(o: {
  config: SimulatorConfig;
  entities: Entity[];
  map: ReadonlyMap<string, number>;
  state: ModelState;
  list: readonly Date[];
  overrides?: Record<string, OverrideValue>;
}): { values: ValueInput[]; state: ModelState } {
  const { config } = o;
  const values: ValueInput[] = [];
  let next = o.state;
  for (const ts of o.list) {
    const out = generateInterval({
      building: config.building,
      entities: o.entities,
      seed: config.seed,
      ts,
      intervalMinutes: config.intervalMinutes,
      state: next,
      quality: config.quality,
      faults: config.faults,
      overrides: ts === o.list[0] ? o.overrides : undefined,
      noise: config.noise,
    });
    next = out.state;
    for (const row of out.rows) {
      const entityId = o.map.get(row.localId);
      if (entityId === undefined) throw new Error(`no entity for ${row.localId}`);
      values.push({
        entity_id: entityId,
        ts: row.ts,
        value_n: row.value_n,
        value_b: row.value_b,
        value_s: row.value_s,
        status: row.status,
      });
    }
  }
  return { values, state: next };
}

/** Creates the runtime of this process and registers it for `deps` (service verbs find it there). */
export function createSimulatorRuntime(opts: RuntimeOptions): SimulatorRuntime {
  const { deps } = opts;
  const now = opts.now ?? (() => new Date());
  const holder = opts.holder ?? `${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const leaseMs = opts.leaseMs ?? 90_000;
  const schedule = opts.schedule ?? true;
  const chunkRows = opts.chunkRows ?? 20_000;
  const ports: SimulatorPorts = { ...defaultPorts, ...opts.ports };
  const activity = activityLogOf(deps);
  const runners = new Map<number, Runner>();
  let supervisor: Cron | null = null;
  let supervising: Promise<void> | null = null;
  let stopped = false;

  const event = (r: Runner, type: ActivityType, message: string, details?: Record<string, unknown>) =>
    activity.log({
      simulatorId: r.id,
      orgId: r.row.org_id,
      type,
      message,
      details: details ?? null,
      at: now(),
    });

  const setStatus = async (r: Runner, status: RunStatus, error: string | null = null) => {
    const changed = r.status !== status || r.error !== error;
    r.status = status;
    r.error = error;
    if (changed) {
      deps.broker.publish("simulator:status_changed", r.row.org_id, { simulator_id: r.id, status, error });
      await mirrorState(deps, { simulatorId: r.id, orgId: r.row.org_id, status, error, at: now() });
    }
  };

  const runnerFor = (row: SimulatorRow): Runner => {
    const existing = runners.get(row.simulator_id);
    if (existing && existing.row.updated_at.getTime() === row.updated_at.getTime()) {
      existing.row = row;
      return existing;
    }
    const config = resolveConfig(row);
    const entities = buildEntities(config.building);
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
    r.hisCount = entities.filter((e) => e.tags.his).length;
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
    const name = `simulator.tick:${r.id}`;
    r.job = new Cron(
      cronPattern(r.config.intervalMinutes),
      {
        name: scheduledJobs.some((j) => j.name === name) ? undefined : name,
        timezone: "UTC",
        protect: true,
        catch: (e: unknown) => deps.log.error("simulator tick failed", { simulator: r.id, error: e }),
      },
      async () => {
        await tick(r.id);
      },
    );
  };

  const renew = async (r: Runner): Promise<boolean> => {
    const t = now();
    r.held = await acquireLease(deps, r.id, holder, t, new Date(t.getTime() + leaseMs));
    return r.held;
  };

  const ensureEntities = async (r: Runner): Promise<Map<string, number>> => {
    if (r.map) return r.map;
    const ids = await ports.upsertEntities({
      deps,
      actor: systemActor,
      orgId: r.row.org_id,
      entities: r.entities.map((e) => toCatalogEntity(r.row.key, e)),
    });
    const map = new Map<string, number>();
    for (const e of r.entities) {
      const id = ids.get(entityIdOf(r.row.key, e.localId));
      if (id === undefined) throw new Error(`entity ${entityIdOf(r.row.key, e.localId)} was not created`);
      map.set(e.localId, id);
    }
    r.map = map;
    return map;
  };

  /** Operator overrides by local id: values in force, and `null` for ones released since. */
  const overridesFor = async (r: Runner, state: ModelState): Promise<Record<string, OverrideValue>> => {
    if (!ports.effectiveWrites || !r.map) return {};
    const writes = await ports.effectiveWrites({ deps, orgId: r.row.org_id });
    const out: Record<string, OverrideValue> = {};
    for (const e of r.entities) {
      if (!e.tags.writable || !e.tags.his) continue;
      const id = r.map.get(e.localId);
      const v = id === undefined ? undefined : writes.get(id);
      const kind = e.tags.kind?.kind === "Str" ? e.tags.kind.val : undefined;
      if ((kind === "Bool" && typeof v === "boolean") || (kind === "Number" && typeof v === "number")) {
        out[e.localId] = v;
      } else if (state.overrides[e.localId] !== undefined) out[e.localId] = null;
    }
    return out;
  };

  const plan = (r: Runner, ck: Checkpoint | undefined, o: TickOptions) =>
    planIntervals({ config: r.config, lastTs: ck?.last_ts, now: now(), ...o });

  const run = async (r: Runner, o: TickOptions): Promise<TickResult> => {
    const started = now();
    if (r.status === "error" && started.getTime() < r.retryAt && !o.until && !o.ignoreMaxGap) {
      return { written: 0, intervals: 0, status: r.status };
    }
    const recovering = r.status === "waiting" || r.status === "error";
    let written = 0;
    let done = 0;
    try {
      const row = await loadSimulator(deps.dbs.primary, r.id);
      if (!row) {
        await forget(r.id);
        return { written: 0, intervals: 0, status: "stopped" };
      }
      r = runnerFor(row);
      if (row.desired_status !== "running") {
        await setStatus(r, row.desired_status);
        return { written: 0, intervals: 0, status: r.status };
      }
      if (!(await renew(r))) {
        unschedule(r);
        return { written: 0, intervals: 0, status: r.status };
      }
      const map = await ensureEntities(r);
      const ck = await loadCheckpoint(deps.dbs.primary, r.id);
      const { list, kind, skipped } = plan(r, ck, o);
      if (skipped > 0) {
        await event(
          r,
          "gap_fill",
          `Gap longer than ${r.config.maxGapDays} days: ${skipped} intervals skipped`,
          {
            skipped,
            max_gap_days: r.config.maxGapDays,
          },
        );
      }
      let state: ModelState =
        ck?.state ?? initialState({ building: r.config.building, entities: r.entities, seed: r.config.seed });
      const firstTs = ck?.first_ts ?? list[0];
      const label = kind === "backfill" ? "Backfill" : "Gap fill";
      const perChunk =
        kind === "generation" ? 1 : Math.max(1, Math.floor(chunkRows / Math.max(1, r.hisCount)));
      if (kind !== "generation" && list.length > 0) {
        r.progress = { kind, done: 0, total: list.length };
        await event(r, kind, `${label} of ${list.length} intervals started`, {
          from: list[0]?.toISOString(),
          to: list.at(-1)?.toISOString(),
          total: list.length,
        });
      }
      let renewed = now().getTime();
      for (let i = 0; i < list.length; i += perChunk) {
        if (r.cancel || stopped) break;
        // A long gap fill keeps its lease; if another process took it meanwhile, stop here.
        if (now().getTime() - renewed > leaseMs / 3) {
          if (!(await renew(r))) break;
          renewed = now().getTime();
        }
        const chunk = list.slice(i, i + perChunk);
        const overrides = await overridesFor(r, state);
        const { values, state: next } = generateChunk({
          config: r.config,
          entities: r.entities,
          map,
          state,
          list: chunk,
          overrides,
        });
        const lastTs = chunk.at(-1) as Date;
        const t0 = performance.now();
        await ports.writeValues({
          deps,
          actor: systemActor,
          orgId: r.row.org_id,
          values,
          inTransaction: (tx) =>
            saveCheckpoint(tx, {
              simulatorId: r.id,
              lastTs,
              firstTs: firstTs ?? lastTs,
              state: next,
              points: values.length,
              at: now(),
            }),
        });
        const ms = Math.round(performance.now() - t0);
        state = next;
        written += values.length;
        done += chunk.length;
        r.lastTs = lastTs;
        r.lastRun = now();
        r.lastDurationMs = ms;
        r.lastPoints = values.length / chunk.length;
        if (r.progress) r.progress.done = done;
        deps.broker.publish("simulator:interval_written", r.row.org_id, {
          simulator_id: r.id,
          ts: lastTs.toISOString(),
          intervals: chunk.length,
          points: values.length,
          duration_ms: ms,
          kind,
        });
        await mirrorState(deps, {
          simulatorId: r.id,
          orgId: r.row.org_id,
          status: "running",
          lastTs,
          totals: state.totals,
          pointsWritten: (ck?.points_written ?? 0) + written,
          durationMs: ms,
          at: now(),
        });
        if (kind === "generation") {
          await event(
            r,
            "generation",
            `Generated ${values.length} points for interval ${lastTs.toISOString()}`,
            {
              interval: lastTs.toISOString(),
              point_count: values.length,
              entity_count: r.entities.length,
              duration_ms: ms,
            },
          );
        } else if (i + perChunk < list.length) {
          await event(r, kind, `${label}: ${done} of ${list.length} intervals`, {
            done,
            total: list.length,
            to: lastTs.toISOString(),
          });
        }
        await new Promise((res) => setTimeout(res, 0));
      }
      if (kind !== "generation" && list.length > 0) {
        const complete = done === list.length;
        await event(
          r,
          kind,
          complete
            ? `${label} complete: ${done} intervals, ${written} points`
            : `${label} interrupted after ${done} of ${list.length} intervals; it resumes on the next run`,
          { done, total: list.length, points: written, complete },
        );
      }
      r.progress = null;
      r.failures = 0;
      r.retryAt = 0;
      if (recovering)
        await event(r, "recovered", "Simulator recovered", { previous: r.status, error: r.error });
      await setStatus(r, "running");
      scheduleJob(r);
      return { written, intervals: done, status: r.status };
    } catch (e) {
      r.progress = null;
      const message = e instanceof Error ? e.message : String(e);
      if (isUnavailable(e)) {
        if (r.status !== "waiting") {
          await event(r, "error", "Primary database unavailable; waiting for it to return", {
            error: message,
          });
        }
        await setStatus(r, "waiting", message);
      } else {
        r.failures += 1;
        const backoff = Math.min(30 * 60_000, 30_000 * 2 ** (r.failures - 1));
        r.retryAt = now().getTime() + backoff;
        deps.log.error("simulator run failed", { simulator: r.id, error: e });
        await event(r, "error", `Simulator run failed: ${message}`, {
          error: message,
          failures: r.failures,
          retry_in_ms: backoff,
        });
        await setStatus(r, "error", message);
      }
      return { written, intervals: done, status: r.status };
    }
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
    const p = run(r, o);
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
          if (r.held && r.status === "running") await setStatus(r, "waiting", String(e));
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
            if (r.status !== "stopped") await setStatus(r, "stopped");
            continue;
          }
          if (!(await renew(r))) {
            unschedule(r);
            continue;
          }
          if (row.desired_status === "paused") {
            unschedule(r);
            if (r.status !== "paused") await setStatus(r, "paused");
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
        supervisor = new Cron(
          "*/30 * * * * *",
          {
            name: scheduledJobs.some((j) => j.name === "simulator.supervise")
              ? undefined
              : "simulator.supervise",
            timezone: "UTC",
            protect: true,
            catch: (e: unknown) => deps.log.error("simulator supervision failed", { error: e }),
          },
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
  runtimes.set(deps, runtime);
  return runtime;
}
