// Writes to the primary: one transaction, then a nudge to the outbox deliverer so secondaries get
// the rows recorded in it, and a system-wide `records:written` event (entities, tags, grants,
// memberships changed) after which data read before it is read again (the console's page caches).
// Credentials kept in memory are dropped too (changes.ts), before the caller answers: the next
// request of this process is checked against what was committed.
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { accessChanged } from "./changes.ts";

export async function write<T>(deps: ServiceDeps, fn: (tx: Sql) => Promise<T>): Promise<T> {
  const result = await deps.dbs.primary.transaction(fn);
  accessChanged(deps);
  deps.replicator.kick();
  deps.broker.publish("records:written", null, {});
  return result;
}

/** Clamps paging arguments to the contract's defaults and bounds. */
export function paging(skip?: number | null, limit?: number | null, max = 1000) {
  return {
    skip: Math.max(0, Math.trunc(skip ?? 0)),
    limit: Math.min(Math.max(1, Math.trunc(limit ?? 100)), max),
  };
}
