/**
 * A remote runner (`haystack-sim simulate`): the same model and planning as the engine, run in this
 * process, writing to another server over its REST API as a virtual poller. Each chunk of intervals
 * is posted to `POST /bulk/value`, then reported with the carried state to `POST /simulator/state/
 * {id}` (which moves the server's checkpoint forward and renews this runner's lease); activity goes
 * to `POST /simulator/activity/{id}`. When the server answers 503 or cannot be reached the runner
 * goes `waiting`, retries with back-off, and fills the gap once the server commits again. Values are
 * deterministic (seed, interval, state), so a chunk sent twice (a crash between the value post and
 * the state report) rewrites identical rows.
 */
import { hostname } from "node:os";
import { sleep } from "../cron.ts";
import type { Logger } from "../log.ts";
import type { ActivityType } from "./activity.ts";
import { generateChunkAsync } from "./chunk.ts";
import { type ChunkResult, type ChunkSession, type ChunkThread, createChunkThread } from "./chunk-thread.ts";
import type { SimulatorConfig } from "./config.ts";
import { initialState } from "./model/generate.ts";
import type { Entity, ModelState } from "./model/types.ts";
import type { WeatherFile } from "./model/weather-file.ts";
import { planIntervals } from "./plan.ts";
import type { DesiredStatus, RunStatus } from "./store.ts";
import { storedConfigOf } from "./stored-config.ts";
import { withWeatherFiles } from "./weather-store.ts";

export interface RemoteOptions {
  /** Base URL of the server, e.g. `https://sim.example.com`. */
  apiUrl: string;
  /** An API token (org admin) or access token of the simulator's org. */
  token: string;
  simulatorId: number;
  /** This runner's name in the server's lease (default: host and pid). */
  holder?: string;
  log: Logger;
  now?: () => Date;
  /** Replaces `fetch` (tests route requests into an app). */
  fetch?: (req: Request) => Promise<Response>;
  /** Values per `POST /bulk/value` (default 10,000). */
  batchValues?: number;
  /** First retry delay while the server is unavailable (default 5 s; doubles up to 60 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * Where a backfill or gap fill of more than one chunk generates its chunks: by default the model's
   * own thread (`chunk-thread.ts`, as the server's backfill; this thread when its worker cannot
   * start). Stopped when `run` ends.
   */
  chunks?: ChunkThread;
}

export interface StepResult {
  status: RunStatus;
  intervals: number;
  written: number;
}

export interface RemoteRunner {
  /** Writes every interval due up to now (or as far as the server accepts). Never throws for 503.
   * When `signal` aborts, stops after the chunk in flight (its values and state report together). */
  step(signal?: AbortSignal): Promise<StepResult>;
  /** Steps at each interval boundary (sooner while waiting) until `signal` aborts; then releases the lease. */
  run(signal: AbortSignal): Promise<void>;
  readonly status: RunStatus;
}

/** A reply of the server that is not a success. */
export class RemoteHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
  /** 503, or no answer at all: wait and retry. */
  get unavailable(): boolean {
    return this.status === 503 || this.status === 0;
  }
}

interface Loaded {
  orgId: number;
  updatedAt: string;
  config: SimulatorConfig;
  entities: Entity[];
  /** Entities with history (`his`): the values of one interval. */
  hisCount: number;
  map: Map<string, number>;
  lastTs: Date | undefined;
  firstTs: Date | undefined;
  state: ModelState;
}

const EVENT_QUEUE = 1000;

export function createRemoteRunner(opts: RemoteOptions): RemoteRunner {
  const base = opts.apiUrl.replace(/\/+$/, "");
  const now = opts.now ?? (() => new Date());
  const doFetch = opts.fetch ?? ((r: Request) => fetch(r));
  const holder = (opts.holder ?? `${hostname()}-${process.pid}`)
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, 64);
  const batchValues = opts.batchValues ?? 10_000;
  const retryMs = opts.retryMs ?? 5_000;
  const maxRetryMs = opts.maxRetryMs ?? 60_000;
  const id = opts.simulatorId;
  const log = opts.log.child({ simulator: id });
  const chunks = opts.chunks ?? createChunkThread({ log });
  const events: Array<{
    type: ActivityType;
    message: string;
    details?: Record<string, unknown>;
    timestamp: string;
  }> = [];
  let loaded: Loaded | undefined;
  let status: RunStatus = "stopped";
  let failures = 0;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(
        new Request(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${opts.token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    } catch (e) {
      throw new RemoteHttpError(0, `server unreachable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail: unknown = text;
      try {
        detail = (JSON.parse(text) as { detail?: unknown }).detail ?? text;
      } catch {
        // not JSON
      }
      throw new RemoteHttpError(
        res.status,
        `${method} ${path}: ${res.status} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`,
      );
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  const event = (type: ActivityType, message: string, details?: Record<string, unknown>) => {
    events.push({ type, message, details, timestamp: now().toISOString() });
    if (events.length > EVENT_QUEUE) events.shift();
    log.info(message, { event: type });
  };

  /** Sends queued activity; keeps it when the server cannot take it. */
  const flushEvents = async () => {
    while (events.length > 0) {
      const batch = events.slice(0, 500);
      try {
        await call("POST", `/simulator/activity/${id}`, { events: batch });
      } catch (e) {
        if (e instanceof RemoteHttpError && e.unavailable) return;
        log.warn("activity not accepted by the server", { error: (e as Error).message });
      }
      events.splice(0, batch.length);
    }
  };

  /** The sites' weather files (none from a server without the route). */
  const weatherFiles = async (): Promise<Record<string, WeatherFile>> => {
    try {
      // Every record of a sub-hourly file (a server before sub-hourly files ignores the query).
      return await call<Record<string, WeatherFile>>("GET", `/simulator/weather/${id}/hourly?records=all`);
    } catch (e) {
      if (e instanceof RemoteHttpError && e.status === 404) return {};
      throw e;
    }
  };

  const load = async (): Promise<Loaded> => {
    const r = await call<{
      simulator: { org_id: number; config: Record<string, unknown>; updated_at: string };
      checkpoint: { last_interval: string; first_interval: string; state: ModelState } | null;
      entities: Record<string, number>;
    }>("GET", `/simulator/state/${id}?checkpoint=true`);
    // The server validated the document when it stored it; a version is parsed once here too.
    const stored = storedConfigOf({ simulator_id: id, ...r.simulator });
    const { entities, pointCount } = stored;
    const config = withWeatherFiles(stored.config, new Map(Object.entries(await weatherFiles())));
    const map = new Map(Object.entries(r.entities));
    const missing = entities.filter((e) => e.tags.his && !map.has(e.localId));
    if (missing.length > 0)
      throw new Error(`the server has no entity for ${missing.length} points (e.g. ${missing[0]?.localId})`);
    return {
      orgId: r.simulator.org_id,
      updatedAt: r.simulator.updated_at,
      config,
      entities,
      hisCount: pointCount,
      map,
      lastTs: r.checkpoint ? new Date(r.checkpoint.last_interval) : undefined,
      firstTs: r.checkpoint ? new Date(r.checkpoint.first_interval) : undefined,
      state: r.checkpoint?.state ?? initialState({ building: config.building, entities, seed: config.seed }),
    };
  };

  const report = (s: RunStatus, extra: Record<string, unknown> = {}) =>
    call<{ desired_status: DesiredStatus; updated_at: string }>("POST", `/simulator/state/${id}`, {
      holder,
      status: s,
      ...extra,
    });

  async function step(signal?: AbortSignal): Promise<StepResult> {
    const recovering = status === "waiting" || status === "error";
    let written = 0;
    let done = 0;
    try {
      loaded ??= await load();
      const desired = await report(recovering ? status : "running");
      if (desired.updated_at !== loaded.updatedAt) {
        loaded = await load();
        event("config_change", "Configuration reloaded from the server");
      }
      if (desired.desired_status !== "running") {
        if (status !== desired.desired_status)
          event(
            desired.desired_status === "paused" ? "pause" : "stop",
            `Remote runner ${desired.desired_status}: the server asks for it`,
          );
        status = desired.desired_status;
        await report(status);
        await flushEvents();
        return { status, intervals: 0, written: 0 };
      }
      const L = loaded;
      const { list, kind, skipped } = planIntervals({ config: L.config, lastTs: L.lastTs, now: now() });
      if (skipped > 0)
        event("gap_fill", `Gap longer than ${L.config.maxGapDays} days: ${skipped} intervals skipped`, {
          skipped,
        });
      const perChunk =
        kind === "generation" ? 1 : Math.max(1, Math.floor(batchValues / Math.max(1, L.hisCount)));
      const label = kind === "backfill" ? "Backfill" : "Gap fill";
      // The next chunk is generated while this one is posted: with more than one chunk on the
      // model's own thread (`chunk-thread.ts`), as the server's backfill does; the first one here,
      // while the worker starts. Each chunk starts from the state the one before ends with; a chunk
      // generated but not posted (stop, failure) is dropped.
      const run = { config: L.config, entities: L.entities, map: L.map };
      const session: ChunkSession | null =
        kind !== "generation" && list.length > perChunk ? chunks.open(run) : null;
      const generate = (from: number, before: ModelState) => {
        const chunk = list.slice(from, from + perChunk);
        const out: Promise<ChunkResult> =
          session && from > 0
            ? session.generate(before, chunk)
            : generateChunkAsync({ ...run, state: before, list: chunk });
        const p = out.then((r) => ({ chunk, ...r }));
        p.catch(() => {});
        return p;
      };
      try {
        let next = list.length > 0 ? generate(0, L.state) : null;
        for (let i = 0; next && !signal?.aborted; i += perChunk) {
          const { chunk, values, state } = await next;
          if (signal?.aborted) break;
          next = i + perChunk < list.length ? generate(i + perChunk, state) : null;
          const t0 = performance.now();
          await call("POST", "/bulk/value", {
            org_id: L.orgId,
            values: values.map((v) => ({ ...v, ts: v.ts.toISOString() })),
          });
          const ms = Math.round(performance.now() - t0);
          const lastTs = chunk.at(-1) as Date;
          const firstTs = L.firstTs ?? (chunk[0] as Date);
          await report("running", {
            last_interval: lastTs.toISOString(),
            first_interval: firstTs.toISOString(),
            state,
            points: values.length,
            duration_ms: ms,
          });
          L.lastTs = lastTs;
          L.firstTs = firstTs;
          L.state = state;
          // Said once the server took the first chunk, so a run refused by a 503 leaves no trace.
          if (i === 0 && kind !== "generation")
            event(kind, `${label} of ${list.length} intervals started (remote)`, {
              from: list[0]?.toISOString(),
              to: list.at(-1)?.toISOString(),
              total: list.length,
            });
          written += values.length;
          done += chunk.length;
          if (kind === "generation")
            event("generation", `Generated ${values.length} points for interval ${lastTs.toISOString()}`, {
              interval: lastTs.toISOString(),
              point_count: values.length,
              duration_ms: ms,
            });
        }
      } finally {
        session?.close();
      }
      if (kind !== "generation" && list.length > 0 && done === list.length)
        event(kind, `${label} complete: ${done} intervals, ${written} points (remote)`, {
          done,
          total: list.length,
          points: written,
        });
      if (recovering) event("recovered", "Remote runner recovered", { previous: status });
      status = "running";
      failures = 0;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      failures += 1;
      if (e instanceof RemoteHttpError && e.unavailable) {
        if (status !== "waiting")
          event("error", "Server unavailable (503 or unreachable); waiting for it to return", {
            error: message,
          });
        status = "waiting";
      } else if (e instanceof RemoteHttpError && (e.status === 401 || e.status === 403)) {
        throw e;
      } else {
        event("error", `Remote run failed: ${message}`, { error: message, failures });
        status = "error";
        await report("error", { error: message }).catch(() => undefined);
      }
    }
    await flushEvents();
    return { status, intervals: done, written };
  }

  /** Milliseconds until the next interval boundary plus two seconds (as the server's cron). */
  const untilNext = () => {
    const ms = (loaded?.config.intervalMinutes ?? 1) * 60_000;
    const t = now().getTime();
    return Math.floor(t / ms) * ms + ms + 2_000 - t;
  };

  return {
    step,
    get status() {
      return status;
    },
    async run(signal) {
      try {
        while (!signal.aborted) {
          const r = await step(signal);
          const wait =
            r.status === "waiting" || r.status === "error"
              ? Math.min(maxRetryMs, retryMs * 2 ** Math.min(10, failures - 1), untilNext())
              : untilNext();
          await sleep(Math.max(100, wait), signal);
        }
      } finally {
        // Also when a refused token (401/403) ends the run: the worker never outlives it.
        await chunks.close();
      }
      event("stop", "Remote runner stopped");
      await flushEvents();
      await report("stopped", { release: true }).catch((e) =>
        log.warn("lease not released", { error: (e as Error).message }),
      );
    },
  };
}

/**
 * Parses `simulate --api-url URL --token TOKEN --simulator-id N [--holder NAME]`; returns the options
 * or the usage message.
 */
export function parseSimulateArgs(
  args: readonly string[],
):
  | { ok: true; apiUrl: string; token: string; simulatorId: number; holder?: string }
  | { ok: false; message: string } {
  const usage = "usage: haystack-sim simulate --api-url URL --token TOKEN --simulator-id N [--holder NAME]";
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) return { ok: false, message: `unexpected argument "${a}"; ${usage}` };
    const value = m[2] ?? args[++i];
    if (value === undefined) return { ok: false, message: `--${m[1]} needs a value; ${usage}` };
    flags.set(m[1] as string, value);
  }
  for (const k of flags.keys())
    if (!["api-url", "token", "simulator-id", "holder"].includes(k))
      return { ok: false, message: `unknown option --${k}; ${usage}` };
  const apiUrl = flags.get("api-url");
  const token = flags.get("token");
  const idText = flags.get("simulator-id");
  if (!apiUrl || !token || !idText) return { ok: false, message: usage };
  if (!/^https?:\/\/[^\s]+$/.test(apiUrl))
    return { ok: false, message: `--api-url must be an http(s) URL; ${usage}` };
  const simulatorId = /^\d{1,9}$/.test(idText) ? Number(idText) : 0;
  if (simulatorId < 1) return { ok: false, message: `--simulator-id must be a positive integer; ${usage}` };
  return { ok: true, apiUrl, token, simulatorId, holder: flags.get("holder") };
}
