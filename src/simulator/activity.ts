/**
 * Simulator activity events: stored in the state database's `core.simulator_activity_log` and
 * published live (`activity:logged`). When the state database cannot be written, events wait in a
 * bounded in-memory queue (the oldest are dropped beyond its size, and counted) and are written, in
 * order, before the next event that can be stored, or by `flush()`. Only an unreachable database
 * keeps events queued: an event the database refuses for its content (e.g. a NUL in its message)
 * is dropped with a log line and counted, never retried ahead of the others. The queue is memory:
 * what is queued when the process stops is lost (see design.md).
 */
import type { ServiceDeps } from "../deps.ts";
import { isConnectionError } from "../ingest/write.ts";
import { slot } from "../runtime.ts";

export const ACTIVITY_TYPES = [
  "start",
  "stop",
  "pause",
  "resume",
  "generation",
  "gap_fill",
  "backfill",
  "error",
  "recovered",
  "config_change",
  "reset",
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ActivityEvent {
  simulatorId: number;
  orgId: number;
  type: ActivityType;
  message: string;
  details?: Record<string, unknown> | null;
  at: Date;
}

export interface ActivityRecord {
  id: number;
  simulator_id: number;
  org_id: number;
  timestamp: Date;
  event_type: ActivityType;
  message: string;
  details: Record<string, unknown> | null;
}

export interface ActivityLog {
  /** Publishes the event and stores it (or queues it when the state database is unreachable). */
  log(ev: ActivityEvent): Promise<void>;
  /** Writes queued events; returns how many are still queued. */
  flush(): Promise<number>;
  readonly queued: number;
  /** Events dropped because the queue was full, since start. */
  readonly dropped: number;
  /** Events dropped because the state database refused their content, since start. */
  readonly refused: number;
}

const QUEUE_LIMIT = 10_000;
/** This process's activity queue (a slot of deps.runtime). */
const ACTIVITY = slot("simulator.activity", (deps: ServiceDeps) => createActivityLog(deps));

/** The activity log of this process. */
export function activityLogOf(deps: ServiceDeps): ActivityLog {
  return ACTIVITY.of(deps);
}

function createActivityLog(deps: ServiceDeps, limit = QUEUE_LIMIT): ActivityLog {
  const queue: ActivityEvent[] = [];
  let dropped = 0;
  let refused = 0;
  let busy: Promise<unknown> = Promise.resolve();

  const insert = (evs: ActivityEvent[]) => {
    const params: unknown[] = [];
    const tuples = evs.map((e) => {
      params.push(
        e.at,
        e.type,
        e.message,
        e.details ? JSON.stringify(e.details) : null,
        e.simulatorId,
        e.orgId,
      );
      const b = params.length - 6;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::text::jsonb, $${b + 5}, $${b + 6})`;
    });
    return deps.dbs.state.query(
      `INSERT INTO core.simulator_activity_log (timestamp, event_type, message, details, simulator_id, org_id)
       VALUES ${tuples.join(", ")}`,
      params,
    );
  };

  /**
   * Writes the queue in order. A connection failure stops it with the rest still queued (thrown);
   * any other failure of a batch is an event's content: the batch is written event by event and
   * each event refused is dropped.
   */
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.slice(0, 500);
      try {
        await insert(batch);
        queue.splice(0, batch.length);
        continue;
      } catch (e) {
        if (isConnectionError(e)) throw e;
      }
      for (const ev of batch) {
        try {
          await insert([ev]);
        } catch (e) {
          if (isConnectionError(e)) throw e;
          refused += 1;
          deps.log.warn("activity event dropped: the state database refused it", {
            simulatorId: ev.simulatorId,
            type: ev.type,
            error: e instanceof Error ? e.message : String(e),
          });
        }
        queue.shift();
      }
    }
  };

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = busy.then(fn, fn);
    busy = p.catch(() => undefined);
    return p;
  };

  return {
    log(ev) {
      deps.broker.publish("activity:logged", ev.orgId, {
        simulator_id: ev.simulatorId,
        event_type: ev.type,
        message: ev.message,
        details: ev.details ?? null,
        timestamp: ev.at.toISOString(),
      });
      return serial(async () => {
        queue.push(ev);
        if (queue.length > limit) {
          queue.shift();
          dropped += 1;
        }
        try {
          await drain();
        } catch (e) {
          deps.log.warn("activity event queued (state database unreachable)", {
            queued: queue.length,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      });
    },
    flush() {
      return serial(async () => {
        try {
          await drain();
        } catch {
          // still unreachable: keep the queue
        }
        return queue.length;
      });
    },
    get queued() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
    get refused() {
      return refused;
    },
  };
}

/** Reads stored activity of one simulator, newest first. */
export async function readActivity(
  deps: ServiceDeps,
  q: { simulatorId: number; type?: ActivityType; since?: Date; until?: Date; skip: number; limit: number },
): Promise<ActivityRecord[]> {
  const params: unknown[] = [q.simulatorId];
  const where = ["simulator_id = $1"];
  if (q.type) {
    params.push(q.type);
    where.push(`event_type = $${params.length}`);
  }
  if (q.since) {
    params.push(q.since);
    where.push(`timestamp >= $${params.length}`);
  }
  if (q.until) {
    params.push(q.until);
    where.push(`timestamp < $${params.length}`);
  }
  params.push(q.limit, q.skip);
  return deps.dbs.state.query<ActivityRecord>(
    `SELECT id, simulator_id, org_id, timestamp, event_type, message, details
       FROM core.simulator_activity_log WHERE ${where.join(" AND ")}
      ORDER BY timestamp DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
}

/** Number of `error` events since `since` of each of these simulators (one query; 0 when none). */
export async function countErrorsBySimulator(
  deps: ServiceDeps,
  simulatorIds: readonly number[],
  since: Date,
): Promise<Map<number, number>> {
  const out = new Map<number, number>(simulatorIds.map((id) => [id, 0]));
  if (simulatorIds.length === 0) return out;
  const rows = await deps.dbs.state.query<{ simulator_id: number; n: number | string }>(
    `SELECT simulator_id, count(*) AS n FROM core.simulator_activity_log
      WHERE simulator_id = ANY($1::int4[]) AND event_type = 'error' AND timestamp >= $2
      GROUP BY simulator_id`,
    [[...new Set(simulatorIds)], since],
  );
  for (const r of rows) out.set(r.simulator_id, Number(r.n));
  return out;
}

/** Number of `error` events of a simulator since `since`. */
export async function countErrors(deps: ServiceDeps, simulatorId: number, since: Date): Promise<number> {
  const [r] = await deps.dbs.state.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM core.simulator_activity_log
      WHERE simulator_id = $1 AND event_type = 'error' AND timestamp >= $2`,
    [simulatorId, since],
  );
  return Number(r?.n ?? 0);
}
