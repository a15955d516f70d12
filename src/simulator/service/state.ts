/**
 * The plan's `SimulatorState` (CONTRACT.md, `/simulator/state/{id}`): `{id, simulator_id,
 * service_name, last_run_timestamp, totalizers, status, config, error_message, created_at,
 * updated_at}`, answered beside ours, and the plan client's report of it.
 *
 * A plan client (a simulator service of the original's kind, running the building elsewhere) POSTs
 * its state; it is stored in the state database's `core.simulator_state` row of the simulator, in
 * its own `plan_*` columns (never in the columns of this server's mirror of the run, which the
 * console reads as the run status), and `reported_at` marks when. The answer takes the plan's fields from the
 * newer of that report and this server's own checkpoint: after a report, GET answers what was
 * reported; once this server writes a newer interval, its own figures again. Fields of a report:
 * absent keeps the stored value, `null` clears it (the original's COALESCE could not clear
 * `last_run_timestamp`), except `error_message`, which every report sets (absent: cleared), as the
 * original's `save_service_state` did.
 */
import type { Actor } from "../../access/actor.ts";
import { isConnectionError } from "../../db/index.ts";
import type { ServiceDeps } from "../../deps.ts";
import { type Checkpoint, loadCheckpoint } from "../store.ts";
import { iso, loadFor, now } from "./common.ts";
import { type SimulatorView, view } from "./view.ts";

/** Statuses a plan client reports: ours and the original's `initialized`. */
export const PLAN_STATUSES = ["initialized", "running", "paused", "stopped", "waiting", "error"] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** A plan client's report; every field optional (see the header for absent and null). */
export interface PlanStateInput {
  service_name?: string;
  status?: PlanStatus;
  last_run_timestamp?: Date | null;
  totalizers?: Record<string, unknown> | null;
  config?: Record<string, unknown> | null;
  error_message?: string | null;
}

interface ReportRow {
  service_name: string;
  status: string;
  last_run_timestamp: Date | null;
  totalizers: Record<string, unknown> | null;
  config: Record<string, unknown> | null;
  error_message: string | null;
  reported_at: Date | null;
}

/** The state answer: our view's fields, then the plan's. */
export type SimulatorStateAnswer = ReturnType<typeof answer>;

function answer(v: SimulatorView, report: ReportRow | undefined, ck: Checkpoint | undefined) {
  const ours = {
    id: v.id,
    simulator_id: v.id,
    name: v.name,
    service_name: v.key,
    status: v.status as string,
    desired_status: v.desired_status,
    healthy: v.status === "running" || v.status === "paused" || v.status === "stopped",
    error: v.error,
    last_run: v.last_run,
    last_interval: v.last_interval,
    points_written: v.points_written,
    last_duration_ms: v.last_duration_ms,
    next_run: v.next_run,
    progress: v.progress,
    last_run_timestamp: v.last_interval,
    totalizers: v.totalizers as Record<string, unknown> | null,
    config: v.config as Record<string, unknown> | null,
    error_message: v.error,
    // a stored configuration was validated when it was stored
    config_status: "valid",
    created_at: v.created_at,
    updated_at: v.updated_at,
  };
  // The plan client's report answers while it is newer than this server's last interval.
  if (!report?.reported_at || (ck && ck.updated_at > report.reported_at)) return ours;
  return {
    ...ours,
    service_name: report.service_name,
    status: report.status,
    healthy: report.status !== "error" && report.status !== "waiting",
    last_run_timestamp: iso(report.last_run_timestamp),
    totalizers: report.totalizers,
    config: report.config ?? ours.config,
    error_message: report.error_message,
    updated_at: report.reported_at.toISOString(),
  };
}

async function readReport(deps: ServiceDeps, id: number): Promise<ReportRow | undefined> {
  const [r] = await deps.dbs.state.query<ReportRow>(
    `SELECT plan_service_name AS service_name, plan_status AS status,
            plan_last_run_timestamp AS last_run_timestamp, plan_totalizers AS totalizers,
            plan_config AS config, plan_error_message AS error_message, reported_at
       FROM core.simulator_state WHERE simulator_id = $1`,
    [id],
  );
  return r;
}

/** The state of one simulator, in our names and the plan's (member; readable while the primary is down). */
export async function simulatorState(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
}): Promise<SimulatorStateAnswer> {
  const { deps } = opts;
  const row = await loadFor(deps, opts.actor, opts.id, "member");
  const [ck, report] = await Promise.all([
    loadCheckpoint(deps.dbs.primary, row.simulator_id).catch((e) => {
      if (isConnectionError(e)) return undefined;
      throw e;
    }),
    readReport(deps, row.simulator_id).catch(() => undefined),
  ]);
  return answer(await view(deps, row, ck ?? null), report, ck);
}

/**
 * Stores a plan client's report of its state (org admin) and answers the state as GET does.
 * @throws AppError forbidden.
 */
export async function reportPlanState(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  input: PlanStateInput;
}): Promise<SimulatorStateAnswer> {
  const { deps, input } = opts;
  const row = await loadFor(deps, opts.actor, opts.id, "admin");
  const json = (x: Record<string, unknown> | null | undefined) => (x == null ? null : JSON.stringify(x));
  // $n::boolean: whether the report carries the field (absent keeps the stored value)
  await deps.dbs.state.query(
    `INSERT INTO core.simulator_state (simulator_id, org_id, plan_service_name, plan_status,
       plan_last_run_timestamp, plan_totalizers, plan_config, plan_error_message, reported_at)
     VALUES ($1, $2, coalesce($3, 'haystack_simulator'), coalesce($4, 'stopped'), $5, $6::text::jsonb,
       $7::text::jsonb, $8, $9)
     ON CONFLICT (simulator_id) DO UPDATE SET
       plan_service_name = coalesce($3, core.simulator_state.plan_service_name, 'haystack_simulator'),
       plan_status = coalesce($4, core.simulator_state.plan_status, 'stopped'),
       plan_last_run_timestamp = CASE WHEN $10 THEN excluded.plan_last_run_timestamp
                                      ELSE core.simulator_state.plan_last_run_timestamp END,
       plan_totalizers = CASE WHEN $11 THEN excluded.plan_totalizers ELSE core.simulator_state.plan_totalizers END,
       plan_config = CASE WHEN $12 THEN excluded.plan_config ELSE core.simulator_state.plan_config END,
       plan_error_message = excluded.plan_error_message,
       reported_at = excluded.reported_at`,
    [
      row.simulator_id,
      row.org_id,
      input.service_name ?? null,
      input.status ?? null,
      input.last_run_timestamp ?? null,
      json(input.totalizers),
      json(input.config),
      input.error_message ?? null,
      now(deps),
      input.last_run_timestamp !== undefined,
      input.totalizers !== undefined,
      input.config !== undefined,
    ],
  );
  return simulatorState({ deps, actor: opts.actor, id: opts.id });
}
