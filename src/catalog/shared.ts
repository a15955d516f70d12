// Helpers shared by the catalog verbs: the write transaction (primary, then a nudge to the outbox
// deliverer), paging, tag visibility by library, history rows (`*_h`) with their replication, and
// the kind of a tag definition (walking `tag_hierarchy`).
import type { Actor } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError, type FieldErrorType } from "../errors.ts";

/**
 * `writeTx`: one primary transaction, then a nudge to the outbox deliverer; `paging`: `skip`
 * (default 0) and `limit` (default 100, at most `max`). The same helpers as the access verbs'.
 */
export { paging, write as writeTx } from "../access/tx.ts";

/** The `user_id` of history rows: the acting user, or 0 for API tokens and the system. */
export function historyUserId(actor: Actor): number {
  return actor.kind === "user" && actor.userId !== null ? actor.userId : 0;
}

/**
 * SQL selecting the ids of the tag definitions the actor may see in the org: active tags with an
 * active `lib` meta naming a library granted to the org (or added for the user) and not revoked for
 * the user. Application admins (and the system) see every active tag. Parameters are appended to
 * `params`.
 */
export function visibleTagIdsSql(actor: Actor, orgId: number, params: unknown[]): string {
  if (actor.appAdmin) return "SELECT vd.id FROM core.tag_def vd WHERE vd.disabled_ts IS NULL";
  params.push(orgId);
  const org = `$${params.length}`;
  let userGrant = "FALSE";
  let revoked = "FALSE";
  if (actor.userId !== null) {
    params.push(actor.userId);
    const user = `$${params.length}`;
    userGrant = `EXISTS (SELECT 1 FROM core.user_tag_add_permission uta WHERE uta.user_id = ${user} AND uta.tag_id = vm.value)`;
    revoked = `EXISTS (SELECT 1 FROM core.user_tag_rev_permission utr WHERE utr.user_id = ${user} AND utr.tag_id = vm.value)`;
  }
  return `SELECT vm.tag_id FROM core.tag_meta vm
      JOIN core.tag_def va ON va.id = vm.attribute AND va.name = 'lib'
      JOIN core.tag_def vd ON vd.id = vm.tag_id AND vd.disabled_ts IS NULL
     WHERE vm.disabled_ts IS NULL
       AND (EXISTS (SELECT 1 FROM core.org_tag_permission otp WHERE otp.org_id = ${org} AND otp.tag_id = vm.value)
            OR ${userGrant})
       AND NOT ${revoked}`;
}

const HISTORY_COLUMNS = {
  entity_tag:
    "id, entity_id, tag_id, value_n, value_b, value_s, value_ts, value_list, value_dict, value_ref, value_enum, disabled_ts, value_unit, value_kind",
  tag_def:
    "id, name, url, doc, dis, file_ext, mime, version, min_val, max_val, base_uri, pref_unit, disabled_ts",
  tag_meta: "id, tag_id, attribute, value, disabled_ts",
  tag_hierarchy: "id, child_id, parent_id, disabled_ts",
  tag_def_enum: "id, tag_id, value, label, disabled_ts",
} as const;

export type HistoryTable = keyof typeof HISTORY_COLUMNS;

/**
 * After rows of `table` with these ids were inserted or changed in `tx`: writes their history rows
 * (`<table>_h`, user and time of the change) and records both for the secondaries.
 */
export async function recordChange(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  table: HistoryTable,
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  const cols = HISTORY_COLUMNS[table];
  const sets = cols
    .split(", ")
    .filter((c) => c !== "id")
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(", ");
  const h = await tx.query<{ hs_id: string }>(
    `INSERT INTO core.${table}_h (${cols}, user_id, modified)
     SELECT ${cols}, $2, now()::timestamp FROM core.${table} WHERE id = ANY($1::int[])
     ON CONFLICT (id, modified) DO UPDATE SET ${sets}, user_id = EXCLUDED.user_id
     RETURNING hs_id`,
    [ids, historyUserId(actor)],
  );
  await deps.replicator.recordRows(tx, `core.${table}`, "id", ids);
  await deps.replicator.recordRows(
    tx,
    `core.${table}_h`,
    "hs_id",
    h.map((r) => r.hs_id),
  );
}

/** The names of the kind definitions a tag's `is` chain can end in. */
export const KIND_DEFS = [
  "marker",
  "bool",
  "number",
  "str",
  "uri",
  "ref",
  "symbol",
  "date",
  "time",
  "dateTime",
  "coord",
  "xstr",
  "dict",
  "list",
  "grid",
  "scalar",
] as const;

/**
 * The kind (a name of `KIND_DEFS`) of each tag definition, following `tag_hierarchy` upwards;
 * tags without one are absent from the map.
 */
export async function tagKinds(tx: Sql, tagIds: readonly number[]): Promise<Map<number, string>> {
  if (tagIds.length === 0) return new Map();
  const rows = await tx.query<{ tag_id: number; kind: string }>(
    `WITH RECURSIVE up (tag_id, node, depth) AS (
       SELECT id, id, 0 FROM core.tag_def WHERE id = ANY($1::int[])
       UNION ALL
       SELECT up.tag_id, h.parent_id, up.depth + 1 FROM up
         JOIN core.tag_hierarchy h ON h.child_id = up.node AND h.disabled_ts IS NULL
        WHERE up.depth < 12)
     SELECT DISTINCT ON (up.tag_id) up.tag_id, d.name AS kind
       FROM up JOIN core.tag_def d ON d.id = up.node
      WHERE up.depth > 0 AND d.name = ANY($2::text[])
      ORDER BY up.tag_id, up.depth`,
    [tagIds, [...KIND_DEFS]],
  );
  return new Map(rows.map((r) => [r.tag_id, r.kind]));
}

/** A 422 naming the offending body field, in the FastAPI shape. */
export function invalidField(
  loc: (string | number)[],
  msg: string,
  type: FieldErrorType = "value_error",
): AppError {
  return new AppError("invalid", msg, [{ loc: ["body", ...loc], msg, type }]);
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ` of a driver timestamp (Date or text), or null. */
export function isoOut(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  const s = v.includes("T") ? v : v.replace(" ", "T");
  return new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(s) ? s : `${s}Z`).toISOString();
}
