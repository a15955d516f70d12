/**
 * Simulator service verbs: create, configure, control, reset, delete, list and read simulators, and
 * their activity. Every verb takes `{deps, actor, …}` and checks the actor again (cron and start-up
 * call them without HTTP). Reads need membership of the simulator's org, everything else org admin;
 * an id the actor cannot see answers `forbidden` (no existence oracle).
 *
 * A simulator is a poller of type `simulator` (`core.poller_config`, whose config the catalog keeps
 * Fernet-encrypted) plus its readable definition in `core.hs_simulator` (same id). Running happens in
 * the process's runtime (`engine.ts`); verbs that control it tell the runtime when one is registered.
 */
import YAML from "yaml";
import { type Actor, requireRole, systemActor } from "../access/actor.ts";
import { recordAudit } from "../access/audit.ts";
import { entitiesByIdTag } from "../catalog/entities.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import {
  ACTIVITY_TYPES,
  type ActivityRecord,
  type ActivityType,
  activityLogOf,
  countErrors,
  countErrorsBySimulator,
  readActivity,
} from "./activity.ts";
import { parseSimulatorConfig, type SimulatorConfig } from "./config.ts";
import { type LiveStatus, resolveConfig, runtimeOf, type TickResult } from "./engine.ts";
import { buildEntities } from "./model/entities.ts";
import { alignDown } from "./model/time.ts";
import type { ModelState } from "./model/types.ts";
import { defaultPorts, pollers, type SimulatorPorts } from "./ports.ts";
import {
  acquireRemoteLease,
  advanceCheckpoint,
  type Checkpoint,
  type DesiredStatus,
  listSimulatorRows,
  loadCheckpoint,
  loadSimulator,
  mirrorState,
  REMOTE_HOLDER,
  type RunStatus,
  readState,
  releaseLease,
  type SimulatorRow,
} from "./store.ts";
import { entityIdOf, toCatalogEntity } from "./tags.ts";
import { listTemplates } from "./templates/index.ts";

/** A simulator key: prefixes its entity ids (`<key>.<local id>`), unique in its org. */
export const SIMULATOR_KEY = /^[a-z][a-z0-9_-]{0,39}$/;

/** What a client sends to create or reconfigure a simulator. */
export interface SimulatorInput {
  name?: string;
  key?: string;
  template?: string;
  /** The configuration document: an object, or JSON/YAML text (original `building_config.yaml` keys too). */
  config?: string | Record<string, unknown>;
  interval_minutes?: number;
  seed?: number;
  backfill_days?: number;
  max_gap_days?: number;
  /** Initial desired state (default running). */
  status?: DesiredStatus;
}

export interface SimulatorView {
  id: number;
  org_id: number;
  key: string;
  name: string;
  template: string | null;
  interval_minutes: number;
  seed: number;
  backfill_days: number;
  max_gap_days: number;
  desired_status: DesiredStatus;
  status: RunStatus;
  error: string | null;
  last_run: string | null;
  last_interval: string | null;
  first_interval: string | null;
  points_written: number;
  last_duration_ms: number | null;
  entity_count: number;
  point_count: number;
  next_run: string | null;
  progress: LiveStatus["progress"];
  config: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

type Deps = ServiceDeps;

const ports = (deps: ServiceDeps): SimulatorPorts => runtimeOf(deps)?.ports ?? defaultPorts;
const now = (deps: ServiceDeps): Date => runtimeOf(deps)?.now() ?? new Date();
const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A stable seed from the key, so two simulators of one template produce different data. */
function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (const ch of key) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 1_000_000;
}

function invalid(issues: Array<{ path: string; message: string }>, base: string[]): AppError {
  return new AppError(
    "invalid",
    issues[0] ? `${issues[0].path || "config"}: ${issues[0].message}` : "invalid configuration",
    issues.map((i) => ({
      loc: [...base, ...(i.path ? i.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [])],
      msg: i.message,
      type: "value_error",
    })),
  );
}

/** Builds and validates the configuration document from the input (settings override the document). */
function documentOf(
  input: SimulatorInput,
  key: string,
): { doc: Record<string, unknown>; config: SimulatorConfig } {
  let doc: Record<string, unknown> = {};
  if (typeof input.config === "string") {
    let parsed: unknown;
    try {
      parsed = YAML.parse(input.config);
    } catch (e) {
      throw invalid(
        [{ path: "", message: `not valid JSON or YAML: ${(e as Error).message}` }],
        ["body", "config"],
      );
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed)))
      throw invalid([{ path: "", message: "must be a mapping" }], ["body", "config"]);
    doc = (parsed as Record<string, unknown> | null) ?? {};
  } else if (input.config !== undefined) {
    if (typeof input.config !== "object" || input.config === null || Array.isArray(input.config))
      throw invalid([{ path: "", message: "must be an object or JSON/YAML text" }], ["body", "config"]);
    doc = structuredClone(input.config);
  }
  if (input.template !== undefined && doc.building === undefined) doc.template = input.template;
  if (input.name !== undefined) doc.name = input.name;
  if (input.interval_minutes !== undefined) doc.intervalMinutes = input.interval_minutes;
  if (input.seed !== undefined) doc.seed = input.seed;
  if (input.backfill_days !== undefined) doc.backfillDays = input.backfill_days;
  if (input.max_gap_days !== undefined) doc.maxGapDays = input.max_gap_days;
  if (doc.seed === undefined) doc.seed = seedOf(key);
  const r = parseSimulatorConfig(doc);
  if (!r.ok) throw invalid(r.issues, ["body", "config"]);
  return { doc, config: r.config };
}

/**
 * The simulator with this id, checked against the actor.
 * @throws AppError forbidden (unknown or not visible; not_found for an application admin).
 */
async function loadFor(deps: ServiceDeps, actor: Actor, id: number, role: "member" | "admin") {
  const row = Number.isInteger(id) && id > 0 ? await loadSimulator(deps.dbs.primary, id) : undefined;
  if (!row) {
    if (actor.appAdmin) throw new AppError("not_found", "simulator not found");
    throw new AppError("forbidden", "not allowed");
  }
  requireRole(actor, row.org_id, role);
  return row;
}

/**
 * The parsed configuration of a stored one and the size of its building, by the configuration's
 * text: building the entities takes milliseconds, and every card and page of a simulator needs them.
 */
const shapes = new Map<string, { config: SimulatorConfig; entityCount: number; pointCount: number }>();
function shapeOf(row: SimulatorRow) {
  const key = typeof row.config === "string" ? row.config : JSON.stringify(row.config);
  let shape = shapes.get(key);
  if (!shape) {
    const config = resolveConfig(row);
    const entities = buildEntities(config.building);
    shape = { config, entityCount: entities.length, pointCount: entities.filter((e) => e.tags.his).length };
    if (shapes.size >= 64) shapes.delete(shapes.keys().next().value as string);
    shapes.set(key, shape);
  }
  return shape;
}

/** `checkpoint`: the one the caller already read (it is not read again). */
async function view(
  deps: ServiceDeps,
  row: SimulatorRow,
  checkpoint?: Checkpoint | null,
): Promise<SimulatorView> {
  const { config, entityCount, pointCount } = shapeOf(row);
  const live = runtimeOf(deps)?.status(row.simulator_id);
  // The checkpoint (primary) and the state mirror (state database) are read at the same time.
  const [ck, mirror] = await Promise.all([
    checkpoint !== undefined ? (checkpoint ?? undefined) : loadCheckpoint(deps.dbs.primary, row.simulator_id),
    readState(deps, row.simulator_id).catch(() => undefined),
  ]);
  const status: RunStatus =
    live?.holder && live.status !== "stopped"
      ? live.status
      : row.desired_status === "running"
        ? (mirror?.status ?? "stopped")
        : row.desired_status;
  return {
    id: row.simulator_id,
    org_id: row.org_id,
    key: row.key,
    name: row.name,
    template: config.template,
    interval_minutes: config.intervalMinutes,
    seed: config.seed,
    backfill_days: config.backfillDays,
    max_gap_days: config.maxGapDays,
    desired_status: row.desired_status,
    status,
    error: (live?.holder ? live.error : mirror?.error_message) ?? null,
    last_run: iso(live?.lastRun ?? ck?.updated_at ?? null),
    last_interval: iso(ck?.last_ts),
    first_interval: iso(ck?.first_ts),
    points_written: ck?.points_written ?? 0,
    last_duration_ms: live?.lastDurationMs ?? mirror?.last_duration_ms ?? null,
    entity_count: entityCount,
    point_count: pointCount,
    next_run: iso(live?.nextRun),
    progress: live?.progress ?? null,
    config: row.config,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Creates or updates the entities of a simulator's building (catalog ids `<key>.<local id>`). */
function upsertSimulatorEntities(deps: ServiceDeps, orgId: number, key: string, config: SimulatorConfig) {
  return ports(deps).upsertEntities({
    deps,
    actor: systemActor,
    orgId,
    entities: buildEntities(config.building).map((e) => toCatalogEntity(key, e)),
  });
}

async function event(
  deps: ServiceDeps,
  row: Pick<SimulatorRow, "simulator_id" | "org_id">,
  type: ActivityType,
  message: string,
  details?: Record<string, unknown>,
) {
  await activityLogOf(deps).log({
    simulatorId: row.simulator_id,
    orgId: row.org_id,
    type,
    message,
    details: details ?? null,
    at: now(deps),
  });
}

/**
 * Creates a simulator: validates the configuration, checks the key is unused in the org, stores the
 * poller and the definition, creates its entities (idempotently, one transaction, through the
 * catalog) and, when it is to run, asks the runtime to backfill `backfillDays` in the background.
 * Logs `config_change` (and `start`).
 * @throws AppError invalid (422 detail with config paths), conflict (key in use), forbidden.
 */
export async function createSimulator(opts: {
  deps: Deps;
  actor: Actor;
  orgId: number;
  input: SimulatorInput;
}): Promise<SimulatorView> {
  const { deps, actor, orgId, input } = opts;
  requireRole(actor, orgId, "admin");
  const key = input.key;
  if (typeof key !== "string" || !SIMULATOR_KEY.test(key))
    throw new AppError(
      "invalid",
      "key: lower-case letters, digits, _ or -, starting with a letter (at most 40)",
      [{ loc: ["body", "key"], msg: "must match ^[a-z][a-z0-9_-]{0,39}$", type: "string_pattern_mismatch" }],
    );
  const desired = input.status ?? "running";
  if (!["running", "paused", "stopped"].includes(desired))
    throw new AppError("invalid", "status must be running, paused or stopped");
  const { doc, config } = documentOf(input, key);
  const name = (input.name ?? config.name).trim().slice(0, 255) || key;

  const taken = await deps.dbs.primary.query(
    "SELECT 1 FROM core.hs_simulator WHERE org_id = $1 AND key = $2",
    [orgId, key],
  );
  if (taken.length > 0) throw new AppError("conflict", `a simulator with key "${key}" exists in this org`);
  const poller = await pollers.createPoller({
    deps,
    actor,
    orgId,
    pollerType: "simulator",
    pollerName: name,
    config: { key, ...doc },
  });
  const id = poller.poller_id;
  try {
    await deps.dbs.primary.query(
      `INSERT INTO core.hs_simulator (simulator_id, org_id, key, name, config, desired_status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7, $7)`,
      [id, orgId, key, name, JSON.stringify(doc), desired, now(deps)],
    );
  } catch (e) {
    await deps.dbs.primary
      .query("DELETE FROM core.poller_config WHERE poller_id = $1", [id])
      .catch(() => undefined);
    if (String((e as { code?: unknown }).code) === "23505")
      throw new AppError("conflict", `a simulator with key "${key}" exists in this org`);
    throw e;
  }
  const row = (await loadSimulator(deps.dbs.primary, id)) as SimulatorRow;
  await upsertSimulatorEntities(deps, orgId, key, config);
  await mirrorState(deps, { simulatorId: id, orgId, status: "stopped", at: now(deps) });
  await event(deps, row, "config_change", `Simulator "${name}" created`, {
    key,
    template: config.template,
    interval_minutes: config.intervalMinutes,
    backfill_days: config.backfillDays,
  });
  if (desired === "running") {
    await event(deps, row, "start", "Simulator started", { reason: "created" });
    void runtimeOf(deps)?.supervise();
  }
  return view(deps, row);
}

/**
 * Replaces a simulator's configuration (the key stays). New entities are created; entities no longer
 * in the building are left as they are (their history stays readable). The runtime applies the new
 * configuration from its next interval. Logs `config_change`.
 * @throws AppError invalid, forbidden.
 */
export async function updateSimulatorConfig(opts: {
  deps: Deps;
  actor: Actor;
  id: number;
  input: SimulatorInput;
}): Promise<SimulatorView> {
  const { deps, actor, id, input } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  if (input.key !== undefined && input.key !== row.key)
    throw new AppError("invalid", "the key of a simulator cannot change");
  const merged: SimulatorInput = { ...input, config: input.config ?? row.config };
  const { doc, config } = documentOf(merged, row.key);
  const name = (input.name ?? config.name).trim().slice(0, 255) || row.name;
  await upsertSimulatorEntities(deps, row.org_id, row.key, config);
  const updated = now(deps);
  await deps.dbs.primary.query(
    `UPDATE core.hs_simulator SET config = $2::text::jsonb, name = $3,
       updated_at = greatest($4, updated_at + interval '1 millisecond') WHERE simulator_id = $1`,
    [id, JSON.stringify(doc), name, updated],
  );
  await pollers.updatePoller({
    deps,
    actor,
    pollerId: id,
    pollerName: name,
    config: { key: row.key, ...doc },
  });
  await event(deps, row, "config_change", "Configuration updated", { config: doc });
  return view(deps, (await loadSimulator(deps.dbs.primary, id)) as SimulatorRow);
}

async function setDesired(
  deps: ServiceDeps,
  actor: Actor,
  id: number,
  desired: DesiredStatus,
  type: ActivityType,
  message: string,
): Promise<SimulatorView> {
  const row = await loadFor(deps, actor, id, "admin");
  await deps.dbs.primary.query("UPDATE core.hs_simulator SET desired_status = $2 WHERE simulator_id = $1", [
    id,
    desired,
  ]);
  const rt = runtimeOf(deps);
  if (desired !== "running") rt?.cancel(id);
  await event(deps, row, type, message, { by: actor.email ?? actor.kind });
  if (rt) await rt.supervise();
  else await mirrorState(deps, { simulatorId: id, orgId: row.org_id, status: desired, at: now(deps) });
  return view(deps, { ...row, desired_status: desired });
}

/** Starts a stopped (or paused) simulator; the gap since its last interval is filled. Logs `start`. */
export const startSimulator = (o: { deps: ServiceDeps; actor: Actor; id: number }) =>
  setDesired(o.deps, o.actor, o.id, "running", "start", "Simulator started");
/** Stops a simulator (its job and lease); the process keeps running. Logs `stop`. */
export const stopSimulator = (o: { deps: ServiceDeps; actor: Actor; id: number }) =>
  setDesired(o.deps, o.actor, o.id, "stopped", "stop", "Simulator stopped: user requested stop");
/** Pauses a simulator: it keeps its lease but writes nothing until resumed. Logs `pause`. */
export const pauseSimulator = (o: { deps: ServiceDeps; actor: Actor; id: number }) =>
  setDesired(o.deps, o.actor, o.id, "paused", "pause", "Simulator paused");
/** Resumes a paused simulator; the paused period is filled. Logs `resume`. */
export const resumeSimulator = (o: { deps: ServiceDeps; actor: Actor; id: number }) =>
  setDesired(o.deps, o.actor, o.id, "running", "resume", "Simulator resumed");

function requireRuntime(deps: ServiceDeps) {
  const rt = runtimeOf(deps);
  if (!rt) throw new AppError("unavailable", "simulators are not running in this process");
  return rt;
}

/**
 * Runs a simulator now: writes every interval due up to now. With `wait` the result is returned,
 * otherwise it runs in the background.
 * @throws AppError conflict (not running), unavailable (no runtime in this process).
 */
export async function runNow(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  wait?: boolean;
}): Promise<TickResult | { started: true }> {
  const row = await loadFor(opts.deps, opts.actor, opts.id, "admin");
  if (row.desired_status !== "running") throw new AppError("conflict", `simulator is ${row.desired_status}`);
  const rt = requireRuntime(opts.deps);
  const p = rt.tick(row.simulator_id);
  if (opts.wait) return p;
  void p.catch(() => undefined);
  return { started: true };
}

/**
 * Backfills a range. Intervals after the checkpoint up to `to` (default now) are written even beyond
 * `maxGapDays`; for a simulator with no history yet, history starts after `from`. History before the
 * checkpoint cannot be regenerated without breaking totalizers: reset the simulator instead.
 * @throws AppError invalid, conflict (not running), unavailable.
 */
export async function backfillRange(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  from?: Date;
  to?: Date;
  wait?: boolean;
}): Promise<TickResult | { started: true }> {
  const { deps, actor, id } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  if (row.desired_status !== "running") throw new AppError("conflict", `simulator is ${row.desired_status}`);
  const t = now(deps);
  for (const [k, d] of [
    ["from", opts.from],
    ["to", opts.to],
  ] as const) {
    if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()) || d > t))
      throw new AppError("invalid", `${k} must be a timestamp not in the future`);
  }
  if (opts.from && opts.to && opts.from >= opts.to) throw new AppError("invalid", "from must be before to");
  const ck = await loadCheckpoint(deps.dbs.primary, id);
  if (ck && opts.from && opts.from < ck.last_ts)
    throw new AppError(
      "invalid",
      `history up to ${ck.last_ts.toISOString()} exists; only later intervals can be backfilled (reset to rebuild)`,
    );
  const rt = requireRuntime(deps);
  await event(deps, row, "backfill", "Backfill requested", { from: iso(opts.from), to: iso(opts.to ?? t) });
  const p = rt.tick(id, { ignoreMaxGap: true, from: opts.from, until: opts.to });
  if (opts.wait) return p;
  void p.catch(() => undefined);
  return { started: true };
}

/**
 * Resets a simulator (org admin; `confirm` must equal its key): stops its current run, deletes its
 * checkpoint and its values (the ingest path's `deleteValues`: primary and secondaries), so the next
 * run starts over with a fresh backfill. Never stops the process. Logs `reset`.
 * @throws AppError invalid (not confirmed), forbidden.
 */
export async function resetSimulator(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  confirm: string;
}): Promise<SimulatorView> {
  const { deps, actor, id } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  if (opts.confirm !== row.key)
    throw new AppError("invalid", "reset deletes this simulator's history: confirm with its key", [
      { loc: ["body", "confirm"], msg: `must equal the simulator key "${row.key}"`, type: "value_error" },
    ]);
  const rt = runtimeOf(deps);
  rt?.cancel(id);
  await rt?.forget(id);
  const ids = await upsertSimulatorEntities(deps, row.org_id, row.key, resolveConfig(row));
  // Checkpoint first: a failure between the two leaves old values that the next backfill rewrites,
  // never a checkpoint pointing at deleted history.
  await deps.dbs.primary.query("DELETE FROM core.hs_simulator_checkpoint WHERE simulator_id = $1", [id]);
  const { deleted } = await ports(deps).deleteValues({
    deps,
    actor: systemActor,
    orgId: row.org_id,
    entityIds: [...ids.values()],
  });
  await recordAudit(deps.dbs.primary, actor, {
    action: "simulator.reset",
    orgId: row.org_id,
    target: `simulator:${id}`,
    details: { key: row.key, values_deleted: deleted },
  });
  await mirrorState(deps, {
    simulatorId: id,
    orgId: row.org_id,
    status: "stopped",
    lastTs: null,
    pointsWritten: 0,
    at: now(deps),
  });
  await event(
    deps,
    row,
    "reset",
    "Simulator reset: checkpoint and values deleted, history is rebuilt from the backfill",
    { by: actor.email ?? actor.kind, values_deleted: deleted },
  );
  if (rt && row.desired_status === "running") void rt.supervise();
  return view(deps, row);
}

/**
 * Deletes a simulator: its job, lease, poller, definition and checkpoint. Its entities and their
 * history stay in the catalog. Never stops the process.
 */
export async function deleteSimulator(opts: { deps: ServiceDeps; actor: Actor; id: number }): Promise<void> {
  const { deps, actor, id } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  const rt = runtimeOf(deps);
  rt?.cancel(id);
  await rt?.forget(id);
  // The definition and checkpoint go with the poller (foreign keys, ON DELETE CASCADE).
  await pollers.deletePoller({ deps, actor, pollerId: id });
  await recordAudit(deps.dbs.primary, actor, {
    action: "simulator.delete",
    orgId: row.org_id,
    target: `simulator:${id}`,
    details: { key: row.key },
  });
  await event(deps, row, "stop", "Simulator deleted", { by: actor.email ?? actor.kind });
  try {
    await deps.dbs.state.query("DELETE FROM core.simulator_state WHERE simulator_id = $1", [id]);
    await deps.dbs.state.query("DELETE FROM core.simulator_lease WHERE simulator_id = $1", [id]);
  } catch (e) {
    deps.log.warn("simulator state not removed (state database unreachable)", { simulator: id, error: e });
  }
}

/** The simulators of an org (member). */
export async function listSimulators(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
}): Promise<SimulatorView[]> {
  requireRole(opts.actor, opts.orgId, "member");
  const rows = await listSimulatorRows(opts.deps.dbs.primary, opts.orgId);
  return Promise.all(rows.map((r) => view(opts.deps, r)));
}

/** One simulator with its status, last run, points written and error (member). */
export async function getSimulator(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
}): Promise<SimulatorView> {
  return view(opts.deps, await loadFor(opts.deps, opts.actor, opts.id, "member"));
}

/** Figures for the console and `GET /simulator/{id}/metrics` (member). */
export async function simulatorMetrics(opts: { deps: ServiceDeps; actor: Actor; id: number }) {
  const { deps } = opts;
  const v = await getSimulator(opts);
  const t = now(deps);
  let errors24h: number | null = null;
  try {
    errors24h = await countErrors(deps, v.id, new Date(t.getTime() - 86_400_000));
  } catch {
    errors24h = null;
  }
  const live = runtimeOf(deps)?.status(v.id);
  const lagSeconds = v.last_interval
    ? Math.max(0, (alignDown(t, v.interval_minutes).getTime() - Date.parse(v.last_interval)) / 1000)
    : null;
  return {
    simulator_id: v.id,
    status: v.status,
    total_points_written: v.points_written,
    points_per_interval: live?.lastPoints ?? v.point_count,
    total_entities: v.entity_count,
    last_interval: v.last_interval,
    last_interval_duration_ms: v.last_duration_ms,
    lag_seconds: lagSeconds,
    error_count_24h: errors24h,
    // Without a cron job in this process (a remote runner, tests), the next boundary is due.
    next_run:
      v.next_run ??
      (v.desired_status === "running"
        ? new Date(alignDown(t, v.interval_minutes).getTime() + v.interval_minutes * 60_000).toISOString()
        : null),
  };
}

/**
 * `error` events in the last 24 h of each of these simulators (member of each one's org), in one
 * query; null when the state database cannot answer. For cards of simulators already read.
 */
export async function simulatorErrors24h(opts: {
  deps: ServiceDeps;
  actor: Actor;
  simulators: ReadonlyArray<Pick<SimulatorView, "id" | "org_id">>;
}): Promise<Map<number, number> | null> {
  for (const v of opts.simulators) requireRole(opts.actor, v.org_id, "member");
  const t = now(opts.deps);
  try {
    return await countErrorsBySimulator(
      opts.deps,
      opts.simulators.map((v) => v.id),
      new Date(t.getTime() - 86_400_000),
    );
  } catch {
    return null;
  }
}

/** Activity of one simulator, newest first (member); filters by type and time, paged. */
export async function listActivity(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  type?: string;
  since?: Date;
  until?: Date;
  skip?: number;
  limit?: number;
}): Promise<ActivityRecord[]> {
  const row = await loadFor(opts.deps, opts.actor, opts.id, "member");
  if (opts.type !== undefined && !(ACTIVITY_TYPES as readonly string[]).includes(opts.type))
    throw new AppError("invalid", `type must be one of ${ACTIVITY_TYPES.join(", ")}`);
  try {
    return await readActivity(opts.deps, {
      simulatorId: row.simulator_id,
      type: opts.type as ActivityType | undefined,
      since: opts.since,
      until: opts.until,
      skip: Math.max(0, Math.trunc(opts.skip ?? 0)),
      limit: Math.min(1000, Math.max(1, Math.trunc(opts.limit ?? 100))),
    });
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("unavailable", "the state database is unavailable");
  }
}

/** The building templates a simulator can start from. */
export function simulatorTemplates() {
  return listTemplates();
}

/**
 * First start: unless disabled, creates the demo simulator (office template, 1 day of backfill) in
 * org `demo` when no simulator exists anywhere. Returns its id, or null when nothing was created.
 */
export async function ensureDemoSimulator(deps: Deps): Promise<number | null> {
  if (!deps.config.demo) return null;
  const any = await deps.dbs.primary.query("SELECT 1 FROM core.hs_simulator LIMIT 1");
  if (any.length > 0) return null;
  const [org] = await deps.dbs.primary.query<{ id: number }>(
    "SELECT id FROM core.org WHERE key = 'demo' AND disabled_ts IS NULL",
  );
  if (!org) return null;
  const v = await createSimulator({
    deps,
    actor: systemActor,
    orgId: org.id,
    input: {
      name: "Downtown Office Tower (demo)",
      key: "demo-office",
      template: "office-tower",
      backfill_days: 1,
    },
  });
  return v.id;
}

/** What a remote runner needs to continue a simulator: where its history stands and its entity ids. */
export interface RemoteCheckpoint {
  simulator: SimulatorView;
  checkpoint: {
    last_interval: string;
    first_interval: string;
    points_written: number;
    state: ModelState;
  } | null;
  /** Entity id of each local id (`<key>.<local id>` without the key). */
  entities: Record<string, number>;
}

/**
 * The checkpoint and entity ids of a simulator, for a remote runner (`haystack-sim simulate`) that
 * continues it (org admin).
 * @throws AppError forbidden.
 */
export async function readRemoteCheckpoint(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
}): Promise<RemoteCheckpoint> {
  const { deps } = opts;
  const row = await loadFor(deps, opts.actor, opts.id, "admin");
  const entities = buildEntities(shapeOf(row).config.building);
  const ids = await entitiesByIdTag(
    deps.dbs.primary,
    row.org_id,
    entities.map((e) => entityIdOf(row.key, e.localId)),
  );
  const map: Record<string, number> = {};
  for (const e of entities) {
    const id = ids.get(entityIdOf(row.key, e.localId));
    if (id !== undefined) map[e.localId] = id;
  }
  const ck = await loadCheckpoint(deps.dbs.primary, row.simulator_id);
  return {
    simulator: await view(deps, row, ck ?? null),
    checkpoint: ck
      ? {
          last_interval: ck.last_ts.toISOString(),
          first_interval: ck.first_ts.toISOString(),
          points_written: ck.points_written,
          state: ck.state,
        }
      : null,
    entities: map,
  };
}

/** A remote runner's report (`POST /simulator/state/{id}`). */
export interface RemoteStateInput {
  /** The runner's name; its lease is held as `remote:<holder>`. */
  holder: string;
  status: RunStatus;
  error?: string | null;
  /** After a successful `POST /bulk/value`: the last interval written and the state after it. */
  last_interval?: Date;
  first_interval?: Date;
  state?: ModelState;
  points?: number;
  duration_ms?: number;
  /** The runner is going away: its lease is released. */
  release?: boolean;
}

const LEASE_MIN_MS = 10 * 60_000;

/**
 * Records a remote runner's state (org admin): takes or renews its lease (taking it over from a
 * server process, which then stops running the simulator), moves the checkpoint forward when the
 * report carries a written interval, and updates the state mirror. Returns the desired status, so
 * the runner pauses or stops as an operator asked.
 * @throws AppError conflict (another remote runner holds the lease), invalid, forbidden.
 */
export async function reportRemoteState(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  input: RemoteStateInput;
}): Promise<{
  desired_status: DesiredStatus;
  lease_expires_at: string | null;
  checkpoint_moved: boolean;
  /** Changes when the configuration changes: the runner reloads it. */
  updated_at: string;
}> {
  const { deps, input } = opts;
  const row = await loadFor(deps, opts.actor, opts.id, "admin");
  const t = now(deps);
  const holder = `${REMOTE_HOLDER}${input.holder}`;
  if (input.release) {
    await releaseLease(deps, row.simulator_id, holder);
    await mirrorState(deps, {
      simulatorId: row.simulator_id,
      orgId: row.org_id,
      status: input.status,
      error: input.error ?? null,
      at: t,
    });
    return {
      desired_status: row.desired_status,
      lease_expires_at: null,
      checkpoint_moved: false,
      updated_at: row.updated_at.toISOString(),
    };
  }
  // The parsed configuration is cached by its text: a runner reports after every chunk.
  const { intervalMinutes } = shapeOf(row).config;
  const until = new Date(t.getTime() + Math.max(LEASE_MIN_MS, 3 * intervalMinutes * 60_000));
  if (!(await acquireRemoteLease(deps, row.simulator_id, holder, t, until)))
    throw new AppError("conflict", "another remote runner holds this simulator");
  let moved = false;
  if (input.last_interval) {
    if (!input.state) throw new AppError("invalid", "state is required with last_interval");
    moved = await advanceCheckpoint(deps.dbs.primary, {
      simulatorId: row.simulator_id,
      lastTs: input.last_interval,
      firstTs: input.first_interval ?? input.last_interval,
      state: input.state,
      points: Math.max(0, Math.trunc(input.points ?? 0)),
      at: t,
    });
  }
  const ck = moved ? await loadCheckpoint(deps.dbs.primary, row.simulator_id) : undefined;
  await mirrorState(deps, {
    simulatorId: row.simulator_id,
    orgId: row.org_id,
    status: input.status,
    error: input.error ?? null,
    ...(ck ? { lastTs: ck.last_ts, totals: ck.state.totals, pointsWritten: ck.points_written } : {}),
    durationMs: input.duration_ms ?? null,
    at: t,
  });
  if (ck)
    deps.broker.publish("simulator:interval_written", row.org_id, {
      simulator_id: row.simulator_id,
      ts: ck.last_ts.toISOString(),
      points: input.points ?? 0,
      duration_ms: input.duration_ms ?? null,
      kind: "remote",
    });
  return {
    desired_status: row.desired_status,
    lease_expires_at: until.toISOString(),
    checkpoint_moved: moved,
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * Stores activity events reported by a remote runner (org admin), each published live like the
 * server's own. Returns how many were accepted.
 * @throws AppError invalid (unknown type), forbidden.
 */
export async function reportRemoteActivity(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  events: ReadonlyArray<{
    type: string;
    message: string;
    details?: Record<string, unknown> | null;
    timestamp?: Date;
  }>;
}): Promise<{ accepted: number }> {
  const { deps } = opts;
  const row = await loadFor(deps, opts.actor, opts.id, "admin");
  for (const e of opts.events)
    if (!(ACTIVITY_TYPES as readonly string[]).includes(e.type))
      throw new AppError("invalid", `type must be one of ${ACTIVITY_TYPES.join(", ")}`);
  for (const e of opts.events)
    await activityLogOf(deps).log({
      simulatorId: row.simulator_id,
      orgId: row.org_id,
      type: e.type as ActivityType,
      message: e.message.slice(0, 2000),
      details: { ...(e.details ?? {}), remote: true },
      at: e.timestamp ?? now(deps),
    });
  return { accepted: opts.events.length };
}
