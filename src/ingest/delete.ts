// deleteValues: removes stored values of some entities of one org (history in a time range, and
// current rows), on the primary in one transaction that also records the deletion in the outbox,
// so every secondary deletes exactly the same rows. Used by a simulator reset; the same rule as
// writes: nothing changes on a secondary that the primary did not commit first.
import { type Actor, requireRole } from "../access/actor.ts";
import { resolveOrgAndEntities } from "../access/orgs.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { valueTables } from "./columns.ts";
import { guarded } from "./write.ts";

/** What a `values_delete` change carries (see `replicate.ts`). */
export interface ValuesDelete {
  table: string;
  entityIds: number[];
  /** ISO instants; history rows with `from <= ts < to` go (an open side is unbounded). */
  from?: string;
  to?: string;
}

/**
 * Deletes the history rows of `d.entityIds` in the range, then rebuilds their current rows from
 * what history remains (the newest remaining row, or none). Runs inside the caller's transaction;
 * the primary and every secondary apply the same statements.
 */
export async function applyValuesDelete(tx: Sql, d: ValuesDelete): Promise<number> {
  const t = valueTables(d.table);
  const ids = `{${d.entityIds.map((x) => Math.trunc(Number(x))).join(",")}}`;
  const [r] = await tx.query<{ n: number }>(
    `WITH d AS (DELETE FROM ${t.hist} WHERE entity_id = ANY($1::text::int4[])
        AND ($2::text IS NULL OR ts >= $2::text::timestamp) AND ($3::text IS NULL OR ts < $3::text::timestamp)
        RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [ids, d.from ?? null, d.to ?? null],
  );
  await tx.query(`DELETE FROM ${t.cur} WHERE entity_id = ANY($1::text::int4[])`, [ids]);
  await tx.query(
    `INSERT INTO ${t.cur} (entity_id, ts, value_n, value_b, value_s, value_ts, value_dict, status)
     SELECT DISTINCT ON (entity_id) entity_id, ts, value_n, value_b, value_s, value_ts, value_dict, status
       FROM ${t.hist} WHERE entity_id = ANY($1::text::int4[]) ORDER BY entity_id, ts DESC`,
    [ids],
  );
  return r?.n ?? 0;
}

/**
 * Deletes the values of these entities of one org: history rows with `from <= ts < to` (all of them
 * without a range) and the current rows, which are rebuilt from the history that remains. One
 * primary transaction with its outbox record; secondaries delete the same rows when delivered.
 * Returns the number of history rows deleted on the primary.
 *
 * @throws AppError forbidden (not an admin of the org, unknown org, or entities the actor cannot see
 *   there), invalid (bad range), unavailable (the primary did not commit).
 */
export async function deleteValues(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entityIds: readonly number[];
  from?: Date;
  to?: Date;
}): Promise<{ deleted: number }> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  const bad = (d: Date | undefined) => d !== undefined && !Number.isFinite(d.getTime());
  if (bad(opts.from) || bad(opts.to)) throw new AppError("invalid", "from and to must be timestamps");
  if (opts.from && opts.to && opts.from >= opts.to) throw new AppError("invalid", "from must be before to");
  const entityIds = [...new Set(opts.entityIds)];
  if (entityIds.some((x) => !Number.isInteger(x) || x < 1))
    throw new AppError("invalid", "entity ids must be positive integers");
  if (entityIds.length === 0) return { deleted: 0 };
  const primary = deps.dbs.primary;
  const org = await guarded(deps, () => resolveOrgAndEntities(primary, actor, orgId, entityIds));
  if (org.hidden.length > 0)
    throw new AppError("forbidden", `not allowed to delete values of entities: ${org.hidden.join(", ")}`);
  const change: ValuesDelete = {
    table: org.valueTable,
    entityIds,
    from: opts.from?.toISOString(),
    to: opts.to?.toISOString(),
  };
  const deleted = await guarded(deps, () =>
    primary.transaction(async (tx) => {
      const n = await applyValuesDelete(tx, change);
      await deps.replicator.record(tx, { op: "values_delete", ...change });
      return n;
    }),
  );
  deps.replicator.kick();
  return { deleted };
}
