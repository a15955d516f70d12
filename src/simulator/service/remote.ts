/**
 * Remote-runner verbs (org admin): what a runner (`haystack-sim simulate`) needs to continue a
 * simulator, and its reports of state (lease, checkpoint, status) and activity.
 */
import type { Actor } from "../../access/actor.ts";
import { entitiesByIdTag } from "../../catalog/entities.ts";
import type { ServiceDeps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { ACTIVITY_TYPES, type ActivityType, activityLogOf } from "../activity.ts";
import type { ModelState } from "../model/types.ts";
import {
  acquireRemoteLease,
  advanceCheckpoint,
  type DesiredStatus,
  loadCheckpoint,
  mirrorState,
  REMOTE_HOLDER,
  type RunStatus,
  releaseLease,
} from "../store.ts";
import { storedConfigOf } from "../stored-config.ts";
import { entityIdOf } from "../tags.ts";
import { loadFor, now } from "./common.ts";
import { type SimulatorView, view } from "./view.ts";

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
  const { entities } = storedConfigOf(row);
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
  // The parsed configuration is cached by version: a runner reports after every chunk.
  const { intervalMinutes } = storedConfigOf(row).config;
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
