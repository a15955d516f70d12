/**
 * Simulator control verbs: start, stop, pause and resume (the desired status, which the runtime
 * follows), run now, backfill a range, and reset (history deleted and rebuilt).
 */
import { type Actor, systemActor } from "../../access/actor.ts";
import { recordAudit } from "../../access/audit.ts";
import type { ServiceDeps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import type { ActivityType } from "../activity.ts";
import { planIntervals } from "../plan.ts";
import { simulatorRuntimeOf, type TickResult } from "../runtime-registry.ts";
import { type DesiredStatus, loadCheckpoint, mirrorState } from "../store.ts";
import { storedConfigOf } from "../stored-config.ts";
import { event, iso, loadFor, now, ports, requireRuntime, upsertSimulatorEntities } from "./common.ts";
import { type SimulatorView, view } from "./view.ts";

const PAST: Partial<Record<ActivityType, string>> = {
  start: "started",
  stop: "stopped",
  pause: "paused",
  resume: "resumed",
};

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
  const rt = simulatorRuntimeOf(deps);
  if (desired !== "running") rt?.cancel(id);
  deps.log.info(`simulator ${PAST[type] ?? type}`, {
    simulator: id,
    org: row.org_id,
    desired,
    by: actor.email ?? actor.kind,
  });
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

/** What "run now" did: ran (waited for), still running in the background, nothing due, or already running. */
export type RunNowResult =
  | ({ outcome: "ran"; started: true } & TickResult)
  | { outcome: "started"; started: true; due: number }
  | { outcome: "nothing_due"; started: false; next_due: Date }
  | { outcome: "already_running"; started: false };

/**
 * Runs a simulator now: writes every interval due up to now. With nothing due it runs nothing and
 * says when the next interval is due; while a backfill or gap fill runs it starts nothing more.
 * With `wait` the run's result is returned; with `waitMs` it is when the run ends within that
 * time; otherwise (or later) it runs in the background (`started`, with the intervals due).
 * @throws AppError conflict (not running), unavailable (no runtime in this process).
 */
export async function runNow(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  wait?: boolean;
  waitMs?: number;
}): Promise<RunNowResult> {
  const row = await loadFor(opts.deps, opts.actor, opts.id, "admin");
  if (row.desired_status !== "running") throw new AppError("conflict", `simulator is ${row.desired_status}`);
  const rt = requireRuntime(opts.deps);
  if (rt.status(row.simulator_id)?.progress) return { outcome: "already_running", started: false };
  const { config } = storedConfigOf(row);
  const ck = await loadCheckpoint(opts.deps.dbs.primary, row.simulator_id);
  const { list } = planIntervals({ config, lastTs: ck?.last_ts, now: rt.now() });
  if (list.length === 0 && ck) {
    const next_due = new Date(ck.last_ts.getTime() + config.intervalMinutes * 60_000);
    return { outcome: "nothing_due", started: false, next_due };
  }
  const p = rt
    .tick(row.simulator_id)
    .then((r) => ({ outcome: "ran" as const, started: true as const, ...r }));
  if (opts.wait) return p;
  void p.catch(() => undefined);
  const later = { outcome: "started", started: true, due: list.length } as const;
  if (!opts.waitMs) return later;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof later>((resolve) => {
    timer = setTimeout(() => resolve(later), opts.waitMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
  const rt = simulatorRuntimeOf(deps);
  rt?.cancel(id);
  await rt?.forget(id);
  const ids = await upsertSimulatorEntities(deps, row.org_id, row.key, storedConfigOf(row).entities);
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
