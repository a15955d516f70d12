/**
 * What the simulator engine needs from the other services, as one replaceable object: the catalog's
 * idempotent entity upsert, the ingest write and delete paths, and (when present) the Haystack operator
 * overrides. Tests may replace single verbs; production uses the real ones.
 */
import type { Actor } from "../access/actor.ts";
import { upsertEntities } from "../catalog/bulk.ts";
import { createPoller, deletePoller, discardPoller, updatePoller } from "../catalog/pollers.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import type { Dict } from "../haystack/kinds.ts";
import { deleteValues } from "../ingest/delete.ts";
import { type ValueInput, writeValues } from "../ingest/write.ts";
import { effectiveWrites } from "../points/point-write.ts";

export interface SimulatorPorts {
  /** Creates or updates entities by `id` tag in one transaction; returns id → entity id. */
  upsertEntities(opts: {
    deps: ServiceDeps;
    actor: Actor;
    orgId: number;
    entities: Array<{ id: string; tags: Dict }>;
  }): Promise<Map<string, number>>;
  /** The ingest write path (one primary transaction with `inTransaction`). */
  writeValues(opts: {
    deps: ServiceDeps;
    actor: Actor;
    orgId: number;
    values: readonly ValueInput[];
    inTransaction?: (tx: Sql) => Promise<void>;
  }): Promise<{ written: number }>;
  /** Deletes every value (history and current, on every database) of these entities. */
  deleteValues(opts: {
    deps: ServiceDeps;
    actor: Actor;
    orgId: number;
    entityIds: readonly number[];
  }): Promise<{ deleted: number }>;
  /** Operator overrides in force (pointWrite priority arrays), by entity id; absent when unsupported. */
  effectiveWrites?(opts: {
    deps: ServiceDeps;
    orgId: number;
  }): Promise<Map<number, number | boolean | string>>;
}

export const defaultPorts: SimulatorPorts = { upsertEntities, writeValues, deleteValues, effectiveWrites };

/** The catalog's poller verbs: a simulator is a poller of type `simulator` (config encrypted). */
export const pollers = { createPoller, updatePoller, deletePoller, discardPoller };
