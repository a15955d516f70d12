/**
 * One run of a simulator (the body of a tick): reloads its row, takes its lease, plans the intervals
 * due, and writes them in bounded chunks, each one primary transaction holding the chunk's rows and
 * the checkpoint. Failures never escape: a primary that is down makes the simulator `waiting`,
 * anything else `error` with back-off. The runtime (`engine.ts`) owns scheduling and supervision and
 * hands its parts to a run as a `RunContext`.
 */
import type { Cron } from "croner";
import { systemActor } from "../access/actor.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { isConnectionError } from "../ingest/write.ts";
import type { ActivityLog, ActivityType } from "./activity.ts";
import { generateChunkAsync } from "./chunk.ts";
import type { ChunkSession, ChunkThread } from "./chunk-thread.ts";
import type { SimulatorConfig } from "./config.ts";
import { initialState } from "./model/generate.ts";
import type { Entity, ModelState, OverrideValue } from "./model/types.ts";
import { planIntervals } from "./plan.ts";
import type { SimulatorPorts } from "./ports.ts";
import type { LiveStatus, TickOptions, TickResult } from "./runtime-registry.ts";
import {
  loadCheckpoint,
  loadSimulator,
  mirrorState,
  type RunStatus,
  type SimulatorRow,
  saveCheckpoint,
} from "./store.ts";
import { entityIdOf, toCatalogEntity } from "./tags.ts";
import { loadWeatherFiles, withWeatherFiles } from "./weather-store.ts";

/** The runtime's state of one simulator it has seen. */
export interface Runner {
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
  /** The configuration version (`updated_at`, ms) whose weather files `config` carries. */
  weatherVersion?: number;
}

/** What a run needs from the runtime that runs it. */
export interface RunContext {
  deps: ServiceDeps;
  ports: SimulatorPorts;
  activity: ActivityLog;
  now(): Date;
  leaseMs: number;
  chunkRows: number;
  /** The model's own thread, shared by this runtime's runs. */
  chunks: ChunkThread;
  /** True once the runtime is stopping. */
  stopped(): boolean;
  /** The runner of this row (re-reading its configuration when the row's version changed). */
  runnerFor(row: SimulatorRow): Runner;
  /** Takes or renews the lease; false when another process holds it. */
  renew(r: Runner): Promise<boolean>;
  scheduleJob(r: Runner): void;
  unschedule(r: Runner): void;
  forget(id: number): Promise<void>;
}

/** True when the error means the primary (or the state database) cannot be reached. */
export function isUnavailable(e: unknown): boolean {
  return (e instanceof AppError && e.code === "unavailable") || isConnectionError(e);
}

/** Logs an activity event of this simulator. */
export function logEvent(
  ctx: RunContext,
  r: Runner,
  type: ActivityType,
  message: string,
  details?: Record<string, unknown>,
) {
  return ctx.activity.log({
    simulatorId: r.id,
    orgId: r.row.org_id,
    type,
    message,
    details: details ?? null,
    at: ctx.now(),
  });
}

/** Sets the live status; a change is published and mirrored to the state database. */
export async function setStatus(ctx: RunContext, r: Runner, status: RunStatus, error: string | null = null) {
  const changed = r.status !== status || r.error !== error;
  r.status = status;
  r.error = error;
  if (changed) {
    ctx.deps.broker.publish("simulator:status_changed", r.row.org_id, { simulator_id: r.id, status, error });
    await mirrorState(ctx.deps, { simulatorId: r.id, orgId: r.row.org_id, status, error, at: ctx.now() });
  }
}

async function ensureEntities(ctx: RunContext, r: Runner): Promise<Map<string, number>> {
  if (r.map) return r.map;
  const ids = await ctx.ports.upsertEntities({
    deps: ctx.deps,
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
}

/** Operator overrides by local id: values in force, and `null` for ones released since. */
export async function overridesFor(
  ctx: RunContext,
  r: Runner,
  state: ModelState,
): Promise<Record<string, OverrideValue>> {
  if (!ctx.ports.effectiveWrites || !r.map) return {};
  const writes = await ctx.ports.effectiveWrites({ deps: ctx.deps, orgId: r.row.org_id });
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
}

/** Brings one simulator's history up to now (or `o.until`); never throws. */
export async function runSimulator(ctx: RunContext, r: Runner, o: TickOptions): Promise<TickResult> {
  const started = ctx.now();
  if (r.status === "error" && started.getTime() < r.retryAt && !o.until && !o.ignoreMaxGap) {
    return { written: 0, intervals: 0, status: r.status };
  }
  const recovering = r.status === "waiting" || r.status === "error";
  let written = 0;
  let done = 0;
  let session: ChunkSession | null = null;
  try {
    const row = await loadSimulator(ctx.deps.dbs.primary, r.id);
    if (!row) {
      await ctx.forget(r.id);
      return { written: 0, intervals: 0, status: "stopped" };
    }
    r = ctx.runnerFor(row);
    if (r.weatherVersion !== row.updated_at.getTime()) {
      r.config = withWeatherFiles(r.config, await loadWeatherFiles(ctx.deps.dbs.primary, r.id));
      r.weatherVersion = row.updated_at.getTime();
    }
    if (row.desired_status !== "running") {
      await setStatus(ctx, r, row.desired_status);
      return { written: 0, intervals: 0, status: r.status };
    }
    if (!(await ctx.renew(r))) {
      ctx.unschedule(r);
      return { written: 0, intervals: 0, status: r.status };
    }
    const map = await ensureEntities(ctx, r);
    const ck = await loadCheckpoint(ctx.deps.dbs.primary, r.id);
    const { list, kind, skipped } = planIntervals({
      config: r.config,
      lastTs: ck?.last_ts,
      now: ctx.now(),
      ...o,
    });
    if (skipped > 0) {
      await logEvent(
        ctx,
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
      kind === "generation" ? 1 : Math.max(1, Math.floor(ctx.chunkRows / Math.max(1, r.hisCount)));
    const started = performance.now();
    if (kind !== "generation" && list.length > 0) {
      ctx.deps.log.info(`simulator ${label.toLowerCase()} started`, {
        simulator: r.id,
        intervals: list.length,
        from: list[0]?.toISOString(),
        to: list.at(-1)?.toISOString(),
      });
      r.progress = { kind, done: 0, total: list.length };
      await logEvent(ctx, r, kind, `${label} of ${list.length} intervals started`, {
        from: list[0]?.toISOString(),
        to: list.at(-1)?.toISOString(),
        total: list.length,
      });
    }
    let renewed = ctx.now().getTime();
    // The next chunks are generated (the pure model) while chunk i is being written: the primary
    // and the model work at the same time. With more than one chunk the model runs on its own
    // thread (`chunk-thread.ts`) from the second chunk on and keeps two chunks ahead, so it never
    // waits for a write to start; on this thread, one. Each chunk starts from the state the one before it ends with
    // (the state its checkpoint holds). A chunk that was generated but not written is dropped.
    const run = { config: r.config, entities: r.entities, map };
    session = kind !== "generation" && list.length > perChunk ? ctx.chunks.open(run) : null;
    const generator = session;
    const depth = generator ? 2 : 1;
    const prepare = async (from: number, before: ModelState) => {
      const chunk = list.slice(from, from + perChunk);
      const overrides = await overridesFor(ctx, r, before);
      // The first chunk is generated here: nothing is being written yet, and the worker starts
      // meanwhile (its start would otherwise come before the first write).
      const out =
        generator && from > 0
          ? await generator.generate(before, chunk, overrides)
          : await generateChunkAsync({ ...run, state: before, list: chunk, overrides });
      return { chunk, ...out };
    };
    type Prepared = Awaited<ReturnType<typeof prepare>>;
    const ahead: Array<Promise<Prepared>> = [];
    let planned = 0;
    let tail: Promise<ModelState> = Promise.resolve(state);
    const prepareAhead = (n: number) => {
      while (ahead.length < n && planned < list.length) {
        const from = planned;
        planned += perChunk;
        const p = tail.then((before) => prepare(from, before));
        p.catch(() => {});
        tail = p.then((x) => x.state);
        tail.catch(() => {});
        ahead.push(p);
      }
    };
    prepareAhead(1);
    for (let i = 0; i < list.length; i += perChunk) {
      const ready = ahead.shift();
      if (!ready || r.cancel || ctx.stopped()) break;
      // A long gap fill keeps its lease; if another process took it meanwhile, stop here.
      if (ctx.now().getTime() - renewed > ctx.leaseMs / 3) {
        if (!(await ctx.renew(r))) break;
        renewed = ctx.now().getTime();
      }
      const { chunk, values, state: next } = await ready;
      const lastTs = chunk.at(-1) as Date;
      const t0 = performance.now();
      const writing = ctx.ports.writeValues({
        deps: ctx.deps,
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
            at: ctx.now(),
          }),
      });
      prepareAhead(depth);
      await writing;
      const ms = Math.round(performance.now() - t0);
      state = next;
      written += values.length;
      done += chunk.length;
      r.lastTs = lastTs;
      r.lastRun = ctx.now();
      r.lastDurationMs = ms;
      r.lastPoints = values.length / chunk.length;
      if (r.progress) r.progress.done = done;
      ctx.deps.broker.publish("simulator:interval_written", r.row.org_id, {
        simulator_id: r.id,
        ts: lastTs.toISOString(),
        intervals: chunk.length,
        points: values.length,
        duration_ms: ms,
        kind,
      });
      await mirrorState(ctx.deps, {
        simulatorId: r.id,
        orgId: r.row.org_id,
        status: "running",
        lastTs,
        totals: state.totals,
        pointsWritten: (ck?.points_written ?? 0) + written,
        durationMs: ms,
        at: ctx.now(),
      });
      if (kind === "generation") {
        await logEvent(
          ctx,
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
        await logEvent(ctx, r, kind, `${label}: ${done} of ${list.length} intervals`, {
          done,
          total: list.length,
          to: lastTs.toISOString(),
        });
      }
    }
    if (kind !== "generation" && list.length > 0) {
      const complete = done === list.length;
      ctx.deps.log.info(`simulator ${label.toLowerCase()} ${complete ? "complete" : "interrupted"}`, {
        simulator: r.id,
        intervals: done,
        total: list.length,
        rows: written,
        duration_ms: Math.round(performance.now() - started),
      });
      await logEvent(
        ctx,
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
    if (recovering) {
      ctx.deps.log.info("simulator recovered", { simulator: r.id, previous: r.status });
      await logEvent(ctx, r, "recovered", "Simulator recovered", { previous: r.status, error: r.error });
    }
    await setStatus(ctx, r, "running");
    ctx.scheduleJob(r);
    return { written, intervals: done, status: r.status };
  } catch (e) {
    r.progress = null;
    const message = e instanceof Error ? e.message : String(e);
    if (isUnavailable(e)) {
      if (r.status !== "waiting") {
        ctx.deps.log.warn("simulator waiting: primary database unavailable", {
          simulator: r.id,
          error: message,
        });
        await logEvent(ctx, r, "error", "Primary database unavailable; waiting for it to return", {
          error: message,
        });
      }
      await setStatus(ctx, r, "waiting", message);
    } else {
      r.failures += 1;
      const backoff = Math.min(30 * 60_000, 30_000 * 2 ** (r.failures - 1));
      r.retryAt = ctx.now().getTime() + backoff;
      ctx.deps.log.error("simulator run failed", {
        simulator: r.id,
        error: e,
        failures: r.failures,
        retry_in_ms: backoff,
      });
      await logEvent(ctx, r, "error", `Simulator run failed: ${message}`, {
        error: message,
        failures: r.failures,
        retry_in_ms: backoff,
      });
      await setStatus(ctx, r, "error", message);
    }
    return { written, intervals: done, status: r.status };
  } finally {
    session?.close();
  }
}
