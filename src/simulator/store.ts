/**
 * The simulator's own tables. Primary: `core.hs_simulator` (definition, readable configuration
 * document, desired status) and `core.hs_simulator_checkpoint` (last interval written and carried
 * model state; written only inside the interval's own transaction). State database:
 * `core.simulator_state` (mirror for the console) and `core.simulator_lease` (one runner per
 * simulator). Value rows are never written here: they go through the ingest path.
 */
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import type { ModelState } from "./model/types.ts";

export type DesiredStatus = "running" | "paused" | "stopped";
export type RunStatus = "running" | "paused" | "stopped" | "waiting" | "error";

export interface SimulatorRow {
  simulator_id: number;
  org_id: number;
  key: string;
  name: string;
  /** The configuration document as given (validated), not the resolved building. */
  config: Record<string, unknown>;
  desired_status: DesiredStatus;
  /** The plan's `database_config`, sealed (simulator/database-config.ts); null when none was given. */
  database_config?: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface Checkpoint {
  simulator_id: number;
  last_ts: Date;
  first_ts: Date;
  state: ModelState;
  points_written: number;
  updated_at: Date;
}

export interface StateRow {
  simulator_id: number;
  org_id: number;
  status: RunStatus;
  last_run_timestamp: Date | null;
  error_message: string | null;
  points_written: number;
  last_duration_ms: number | null;
  updated_at: Date | null;
}

const SIM_COLS =
  "simulator_id, org_id, key, name, config, desired_status, database_config, created_at, updated_at";

export async function loadSimulator(db: Sql, id: number): Promise<SimulatorRow | undefined> {
  const [r] = await db.query<SimulatorRow>(
    `SELECT ${SIM_COLS} FROM core.hs_simulator WHERE simulator_id = $1`,
    [id],
  );
  return r;
}

export function listSimulatorRows(db: Sql, orgId?: number): Promise<SimulatorRow[]> {
  return orgId === undefined
    ? db.query<SimulatorRow>(`SELECT ${SIM_COLS} FROM core.hs_simulator ORDER BY simulator_id`)
    : db.query<SimulatorRow>(
        `SELECT ${SIM_COLS} FROM core.hs_simulator WHERE org_id = $1 ORDER BY simulator_id`,
        [orgId],
      );
}

export async function loadCheckpoint(db: Sql, id: number): Promise<Checkpoint | undefined> {
  const [r] = await db.query<Checkpoint & { points_written: number | string }>(
    `SELECT simulator_id, last_ts, first_ts, state, points_written, updated_at
       FROM core.hs_simulator_checkpoint WHERE simulator_id = $1`,
    [id],
  );
  return r ? { ...r, points_written: Number(r.points_written) } : undefined;
}

type CheckpointInput = {
  simulatorId: number;
  lastTs: Date;
  firstTs: Date;
  state: ModelState;
  points: number;
  at: Date;
};

/**
 * Inserts or moves the checkpoint (points added to the total); with `onlyForward` an existing one
 * moves only to a later `last_ts`. True when stored.
 */
async function upsertCheckpoint(db: Sql, c: CheckpointInput, onlyForward: boolean): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO core.hs_simulator_checkpoint (simulator_id, last_ts, first_ts, state, points_written, updated_at)
     VALUES ($1, $2, $3, $4::text::jsonb, $5, $6)
     ON CONFLICT (simulator_id) DO UPDATE SET last_ts = excluded.last_ts, state = excluded.state,
       points_written = core.hs_simulator_checkpoint.points_written + excluded.points_written,
       updated_at = excluded.updated_at
       ${onlyForward ? "WHERE core.hs_simulator_checkpoint.last_ts < excluded.last_ts" : ""}
     RETURNING simulator_id`,
    [c.simulatorId, c.lastTs, c.firstTs, JSON.stringify(c.state), c.points, c.at],
  );
  return rows.length === 1;
}

/** Upserts the checkpoint inside the interval's transaction. */
export async function saveCheckpoint(tx: Sql, c: CheckpointInput): Promise<void> {
  await upsertCheckpoint(tx, c, false);
}

/** Writes the state database's mirror of one simulator (never throws; logs instead). */
export async function mirrorState(
  deps: ServiceDeps,
  s: {
    simulatorId: number;
    orgId: number;
    status: RunStatus;
    lastTs?: Date | null;
    totals?: Record<string, number>;
    error?: string | null;
    pointsWritten?: number;
    durationMs?: number | null;
    at: Date;
  },
): Promise<void> {
  try {
    await deps.dbs.state.query(
      `INSERT INTO core.simulator_state (service_name, simulator_id, org_id, status, last_run_timestamp, totalizers,
         error_message, points_written, last_duration_ms, created_at, updated_at)
       VALUES ('haystack_simulator', $1, $2, $3, $4, $5::text::jsonb, $6, coalesce($7, 0), $8, $9, $9)
       ON CONFLICT (simulator_id) DO UPDATE SET org_id = excluded.org_id, status = excluded.status,
         last_run_timestamp = CASE WHEN $10 THEN excluded.last_run_timestamp
                                   ELSE core.simulator_state.last_run_timestamp END,
         totalizers = coalesce(excluded.totalizers, core.simulator_state.totalizers),
         error_message = excluded.error_message,
         points_written = CASE WHEN $7::bigint IS NULL THEN core.simulator_state.points_written ELSE $7 END,
         last_duration_ms = coalesce(excluded.last_duration_ms, core.simulator_state.last_duration_ms),
         updated_at = excluded.updated_at`,
      [
        s.simulatorId,
        s.orgId,
        s.status,
        s.lastTs ?? null,
        s.totals ? JSON.stringify(s.totals) : null,
        s.error ?? null,
        s.pointsWritten ?? null,
        s.durationMs ?? null,
        s.at,
        s.lastTs !== undefined,
      ],
    );
  } catch (e) {
    deps.log.warn("simulator state not mirrored (state database unreachable)", {
      simulator: s.simulatorId,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

export async function readState(deps: ServiceDeps, id: number): Promise<StateRow | undefined> {
  const [r] = await deps.dbs.state.query<StateRow & { points_written: number | string }>(
    `SELECT simulator_id, org_id, status, last_run_timestamp, error_message, points_written, last_duration_ms,
            updated_at FROM core.simulator_state WHERE simulator_id = $1`,
    [id],
  );
  return r ? { ...r, points_written: Number(r.points_written) } : undefined;
}

/**
 * Takes or renews the lease of a simulator for `holder` until `until`; true when held. A lease held
 * by another process is taken over only once it expired (`now` past `expires_at`).
 */
export async function acquireLease(
  deps: ServiceDeps,
  id: number,
  holder: string,
  now: Date,
  until: Date,
): Promise<boolean> {
  return upsertLease(deps, id, holder, now, until, false);
}

/**
 * Inserts or renews the lease row for `holder` until `until`; an existing row of another holder is
 * taken over once it expired (`now` past `expires_at`), and at once when `fromServers` and that
 * holder is a server process (not a remote runner). True when held.
 */
async function upsertLease(
  deps: ServiceDeps,
  id: number,
  holder: string,
  now: Date,
  until: Date,
  fromServers: boolean,
): Promise<boolean> {
  const rows = await deps.dbs.state.query<{ holder: string }>(
    `INSERT INTO core.simulator_lease (simulator_id, holder, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (simulator_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE core.simulator_lease.holder = excluded.holder OR core.simulator_lease.expires_at <= $4
          ${fromServers ? `OR core.simulator_lease.holder NOT LIKE '${REMOTE_HOLDER}%'` : ""}
     RETURNING holder`,
    [id, holder, until, now],
  );
  return rows.length === 1 && rows[0]?.holder === holder;
}

export async function releaseLease(deps: ServiceDeps, id: number, holder: string): Promise<void> {
  await deps.dbs.state.query("DELETE FROM core.simulator_lease WHERE simulator_id = $1 AND holder = $2", [
    id,
    holder,
  ]);
}

/** Lease holders of remote runners (`haystack-sim simulate`) start with this prefix. */
export const REMOTE_HOLDER = "remote:";

/**
 * Takes or renews the lease of a simulator for a remote runner. Unlike `acquireLease`, a lease held
 * by a server process is taken over at once (the server yields on its next renewal); a lease held by
 * another remote runner only once it expired. True when held.
 */
export async function acquireRemoteLease(
  deps: ServiceDeps,
  id: number,
  holder: string,
  now: Date,
  until: Date,
): Promise<boolean> {
  return upsertLease(deps, id, holder, now, until, true);
}

/**
 * Moves the checkpoint forward to what a remote runner wrote (through `POST /bulk/value`): only a
 * later `last_ts` is stored, so a repeated or late report never moves it back. True when stored.
 */
export function advanceCheckpoint(db: Sql, c: CheckpointInput): Promise<boolean> {
  return upsertCheckpoint(db, c, true);
}
