/**
 * The view of a simulator answered by every verb: its stored row, its parsed configuration
 * (`storedConfigOf`), its checkpoint, and its live status (this process's runtime, else the state
 * mirror).
 */
import { isConnectionError } from "../../db/index.ts";
import type { ServiceDeps } from "../../deps.ts";
import { type DatabaseConfig, maskedDatabaseConfig } from "../database-config.ts";
import type { LiveStatus } from "../runtime-registry.ts";
import { simulatorRuntimeOf } from "../runtime-registry.ts";
import {
  type Checkpoint,
  type DesiredStatus,
  loadCheckpoint,
  type RunStatus,
  readState,
  type SimulatorRow,
} from "../store.ts";
import { storedConfigOf } from "../stored-config.ts";
import { iso } from "./common.ts";

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
  /** Totalizer readings by point local id at the last interval written (the checkpoint). */
  totalizers: Record<string, number>;
  config: Record<string, unknown>;
  /** The plan's `database_config` as stored, secrets masked; null when none was given. */
  database_config: DatabaseConfig | null;
  created_at: string;
  updated_at: string;
}

/** `checkpoint`: the one the caller already read (it is not read again). */
export async function view(
  deps: ServiceDeps,
  row: SimulatorRow,
  checkpoint?: Checkpoint | null,
): Promise<SimulatorView> {
  const { config, entityCount, pointCount } = storedConfigOf(row);
  const live = simulatorRuntimeOf(deps)?.status(row.simulator_id);
  // The checkpoint (primary) and the state mirror (state database) are read at the same time.
  const [ck, mirror, databaseConfig] = await Promise.all([
    checkpoint !== undefined
      ? (checkpoint ?? undefined)
      : // Primary down: the state database's mirror of the checkpoint answers instead.
        loadCheckpoint(deps.dbs.primary, row.simulator_id).catch((e) => {
          if (isConnectionError(e)) return undefined;
          throw e;
        }),
    readState(deps, row.simulator_id).catch(() => undefined),
    maskedDatabaseConfig(deps, row.database_config),
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
    points_written: ck?.points_written ?? mirror?.points_written ?? 0,
    last_duration_ms: live?.lastDurationMs ?? mirror?.last_duration_ms ?? null,
    entity_count: entityCount,
    point_count: pointCount,
    next_run: iso(live?.nextRun),
    progress: live?.progress ?? null,
    totalizers: ck?.state?.totals ?? {},
    config: row.config,
    database_config: databaseConfig,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
