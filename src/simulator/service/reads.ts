/**
 * Simulator read verbs (org member): list and read simulators, their metrics and error counts, their
 * activity, and the building templates.
 */
import type { Actor } from "../../access/actor.ts";
import { requireRole } from "../../access/actor.ts";
import type { ServiceDeps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import {
  ACTIVITY_TYPES,
  type ActivityRecord,
  type ActivityType,
  countErrors,
  countErrorsBySimulator,
  readActivity,
} from "../activity.ts";
import { type FaultRecord, faultRecords, faultRecordsCsv } from "../model/faults.ts";
import { alignDown } from "../model/time.ts";
import { simulatorRuntimeOf } from "../runtime-registry.ts";
import { listSimulatorRows } from "../store.ts";
import { storedConfigOf } from "../stored-config.ts";
import { entityIdOf } from "../tags.ts";
import { listTemplates } from "../templates/index.ts";
import { lastKnownSimulators, loadFor, now } from "./common.ts";
import { type SimulatorView, view } from "./view.ts";

/** The simulators of an org (member). */
export async function listSimulators(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
}): Promise<SimulatorView[]> {
  requireRole(opts.actor, opts.orgId, "member");
  // The org's simulators as last read, while the primary is unreachable: their status is in memory
  // and the state database, so the console's list and dashboard still show them `waiting`.
  const rows = await lastKnownSimulators(opts.deps).remember(`simulators:org:${opts.orgId}`, () =>
    listSimulatorRows(opts.deps.dbs.primary, opts.orgId),
  );
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
  const live = simulatorRuntimeOf(deps)?.status(v.id);
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

/**
 * The ground truth of a simulator's faults (member): one record per configured or scenario fault
 * overlapping [`from`, `to`) (all when omitted), with catalog ids (`<key>.<local id>`) for the fault,
 * its equipment and evidence points. `csv` gives the same records as RFC 4180 text.
 * @throws AppError invalid when `to` is not after `from`.
 */
export async function simulatorFaults(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  from?: Date;
  to?: Date;
}): Promise<{ records: FaultRecord[]; csv: string }> {
  const row = await loadFor(opts.deps, opts.actor, opts.id, "member");
  if (opts.from && opts.to && !(opts.to > opts.from)) throw new AppError("invalid", "to must be after from");
  const { config, entities } = storedConfigOf(row);
  const range =
    opts.from || opts.to
      ? { from: opts.from ?? new Date(-8.64e15), to: opts.to ?? new Date(8.64e15) }
      : undefined;
  const local = faultRecords(config.faults, entities, range);
  const idOf = (localId: string) => entityIdOf(row.key, localId);
  const records = local.map((r) => ({
    ...r,
    id: idOf(r.id),
    equip: idOf(r.equip),
    points: r.points.map(idOf),
  }));
  return { records, csv: faultRecordsCsv(local, idOf) };
}

/** The building templates a simulator can start from. */
export function simulatorTemplates() {
  return listTemplates();
}
