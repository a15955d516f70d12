// The permission tables of the original contract, acting on the TARGET user (never the caller):
// - org grants (`org_entity_permission`, `org_tag_permission`): application admins only;
// - user grants and revokes (`user_entity_add/rev_permission`, `user_tag_add/rev_permission`): org
//   admins of an org the target user belongs to, for entities granted to that org and tag
//   libraries visible in it. A row outside the caller's org answers like an unknown id.
// Every write is recorded for the secondaries and audited (`permission.grant` / `permission.revoke`).
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, requireAppAdmin, requireRole } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { paging, write } from "./tx.ts";
import { rejectApiToken, userByEmail } from "./users.ts";

export type PermissionKind =
  | "orgentity"
  | "orgtag"
  | "userentityadd"
  | "userentityrev"
  | "usertagadd"
  | "usertagrev";

interface Spec {
  table: string;
  owner: "org_id" | "user_id";
  object: "entity_id" | "tag_id";
}

export const PERMISSION_TABLES: Record<PermissionKind, Spec> = {
  orgentity: { table: "org_entity_permission", owner: "org_id", object: "entity_id" },
  orgtag: { table: "org_tag_permission", owner: "org_id", object: "tag_id" },
  userentityadd: { table: "user_entity_add_permission", owner: "user_id", object: "entity_id" },
  userentityrev: { table: "user_entity_rev_permission", owner: "user_id", object: "entity_id" },
  usertagadd: { table: "user_tag_add_permission", owner: "user_id", object: "tag_id" },
  usertagrev: { table: "user_tag_rev_permission", owner: "user_id", object: "tag_id" },
};

/** A permission row: `{id, org_id | user_id, entity_id | tag_id}`. */
export type PermissionRow = { id: number } & Record<string, number>;

/** What names the row's owner and object in a request (ids or the original's names). */
export interface PermissionTarget {
  /** The org the caller acts in (user… tables: required; org… tables: the org granted). */
  orgId?: number | null;
  orgName?: string | null;
  userId?: number | null;
  userEmail?: string | null;
  entityId?: number | null;
  tagId?: number | null;
  tagName?: string | null;
}

const forbidden = () => new AppError("forbidden", "not allowed");

const isUserKind = (kind: PermissionKind) => PERMISSION_TABLES[kind].owner === "user_id";

function checkActor(actor: Actor, kind: PermissionKind, orgId: number | null | undefined): void {
  rejectApiToken(actor);
  if (!isUserKind(kind)) {
    requireAppAdmin(actor);
    return;
  }
  if (!orgId) throw new AppError("invalid", "org_id is required");
  requireRole(actor, orgId, "admin");
}

/** SQL true when the row `p` (alias) may be seen by an admin of org `$1`. */
function rowInOrg(kind: PermissionKind): string {
  const s = PERMISSION_TABLES[kind];
  const userIn = `(EXISTS (SELECT 1 FROM core.org_user m WHERE m.org_id = $1 AND m.user_id = p.user_id)
                   OR EXISTS (SELECT 1 FROM core.org_admin a WHERE a.org_id = $1 AND a.user_id = p.user_id))`;
  const objectIn =
    s.object === "entity_id"
      ? "EXISTS (SELECT 1 FROM core.org_entity_permission oe WHERE oe.org_id = $1 AND oe.entity_id = p.entity_id)"
      : tagInOrg("p.tag_id", "$1");
  return `(${userIn} AND ${objectIn})`;
}

/** A tag (normally a library) visible in the org: granted to it, or in a library granted to it. */
function tagInOrg(tagSql: string, orgSql: string): string {
  return `(EXISTS (SELECT 1 FROM core.org_tag_permission ot WHERE ot.org_id = ${orgSql} AND ot.tag_id = ${tagSql})
           OR EXISTS (SELECT 1 FROM core.tag_meta tm JOIN core.tag_def la ON la.id = tm.attribute AND la.name = 'lib'
                       JOIN core.org_tag_permission ot ON ot.org_id = ${orgSql} AND ot.tag_id = tm.value
                      WHERE tm.tag_id = ${tagSql} AND tm.disabled_ts IS NULL))`;
}

const columns = (kind: PermissionKind) => {
  const s = PERMISSION_TABLES[kind];
  return `p.id, p.${s.owner}, p.${s.object}`;
};

/**
 * Lists rows. Org tables: every row (application admin), optionally of one org. User tables: the
 * rows of users and objects of the caller's org.
 * @throws AppError forbidden, invalid.
 */
export async function listPermissions(opts: {
  deps: ServiceDeps;
  actor: Actor;
  kind: PermissionKind;
  orgId?: number | null;
  skip?: number;
  limit?: number;
}): Promise<PermissionRow[]> {
  const { kind } = opts;
  checkActor(opts.actor, kind, opts.orgId);
  const { skip, limit } = paging(opts.skip, opts.limit);
  const s = PERMISSION_TABLES[kind];
  if (!isUserKind(kind))
    return opts.deps.dbs.primary.query<PermissionRow>(
      `SELECT ${columns(kind)} FROM core.${s.table} p WHERE ($1::int4 IS NULL OR p.org_id = $1) ORDER BY p.id OFFSET $2 LIMIT $3`,
      [opts.orgId ?? null, skip, limit],
    );
  return opts.deps.dbs.primary.query<PermissionRow>(
    `SELECT ${columns(kind)} FROM core.${s.table} p WHERE ${rowInOrg(kind)} ORDER BY p.id OFFSET $2 LIMIT $3`,
    [opts.orgId, skip, limit],
  );
}

async function findRow(sql: Sql, kind: PermissionKind, id: number, orgId: number | null | undefined) {
  const s = PERMISSION_TABLES[kind];
  const [row] = isUserKind(kind)
    ? await sql.query<PermissionRow>(
        `SELECT ${columns(kind)} FROM core.${s.table} p WHERE p.id = $2 AND ${rowInOrg(kind)}`,
        [orgId, id],
      )
    : await sql.query<PermissionRow>(`SELECT ${columns(kind)} FROM core.${s.table} p WHERE p.id = $1`, [id]);
  return row ?? null;
}

/**
 * One row; a row outside the caller's org answers like an unknown one.
 * @throws AppError forbidden, invalid.
 */
export async function getPermission(opts: {
  deps: ServiceDeps;
  actor: Actor;
  kind: PermissionKind;
  id: number;
  orgId?: number | null;
}): Promise<PermissionRow> {
  checkActor(opts.actor, opts.kind, opts.orgId);
  const row = await findRow(opts.deps.dbs.primary, opts.kind, opts.id, opts.orgId);
  if (!row) throw forbidden();
  return row;
}

async function resolveOwner(sql: Sql, kind: PermissionKind, t: PermissionTarget, actingOrg: number | null) {
  if (isUserKind(kind)) {
    let userId = t.userId ?? null;
    if (!userId && t.userEmail) {
      try {
        userId = (await userByEmail(sql, t.userEmail))?.id ?? null;
      } catch {
        userId = null;
      }
    }
    if (!userId) throw forbidden();
    const [inOrg] = await sql.query(
      `SELECT 1 FROM core."user" u WHERE u.id = $2 AND u.disabled_ts IS NULL
          AND (EXISTS (SELECT 1 FROM core.org_user m WHERE m.org_id = $1 AND m.user_id = u.id)
               OR EXISTS (SELECT 1 FROM core.org_admin a WHERE a.org_id = $1 AND a.user_id = u.id))`,
      [actingOrg, userId],
    );
    if (!inOrg) throw forbidden();
    return userId;
  }
  const [org] = t.orgId
    ? await sql.query<{ id: number }>("SELECT id FROM core.org WHERE id = $1 AND disabled_ts IS NULL", [
        t.orgId,
      ])
    : await sql.query<{ id: number }>("SELECT id FROM core.org WHERE name = $1 AND disabled_ts IS NULL", [
        t.orgName ?? "",
      ]);
  if (!org) throw forbidden();
  return org.id;
}

async function resolveObject(sql: Sql, kind: PermissionKind, t: PermissionTarget, actingOrg: number | null) {
  const s = PERMISSION_TABLES[kind];
  if (s.object === "entity_id") {
    if (!t.entityId) throw new AppError("invalid", "entity_id is required");
    const [e] = isUserKind(kind)
      ? await sql.query(
          `SELECT 1 FROM core.entity e WHERE e.id = $2 AND e.disabled_ts IS NULL
              AND EXISTS (SELECT 1 FROM core.org_entity_permission oe WHERE oe.org_id = $1 AND oe.entity_id = e.id)`,
          [actingOrg, t.entityId],
        )
      : await sql.query("SELECT 1 FROM core.entity WHERE id = $1 AND disabled_ts IS NULL", [t.entityId]);
    if (!e) throw forbidden();
    return t.entityId;
  }
  const [tag] = t.tagId
    ? await sql.query<{ id: number }>("SELECT id FROM core.tag_def WHERE id = $1 AND disabled_ts IS NULL", [
        t.tagId,
      ])
    : await sql.query<{ id: number }>("SELECT id FROM core.tag_def WHERE name = $1 AND disabled_ts IS NULL", [
        t.tagName ?? "",
      ]);
  if (!tag) throw forbidden();
  if (isUserKind(kind)) {
    const [visible] = await sql.query(`SELECT 1 WHERE ${tagInOrg("$2", "$1")}`, [actingOrg, tag.id]);
    if (!visible) throw forbidden();
  }
  return tag.id;
}

/**
 * Adds a row (idempotent: an existing one is returned). The target user must belong to the
 * caller's org; the entity must be granted to that org, the tag visible in it.
 * @throws AppError forbidden, invalid.
 */
export async function createPermission(opts: {
  deps: ServiceDeps;
  actor: Actor;
  kind: PermissionKind;
  target: PermissionTarget;
  ip?: string | null;
}): Promise<PermissionRow> {
  const { deps, actor, kind, target } = opts;
  const acting = isUserKind(kind) ? (target.orgId ?? null) : null;
  checkActor(actor, kind, acting);
  return write(deps, async (tx) => {
    const owner = await resolveOwner(tx, kind, target, acting);
    return insertPermission(deps, tx, actor, kind, owner, target, acting, opts.ip);
  });
}

/** The four user tables, by the name of the original's `User` field listing their rows. */
export const USER_PERMISSION_FIELDS = {
  visible_entities: "userentityadd",
  invisible_entities: "userentityrev",
  visible_tags: "usertagadd",
  invisible_tags: "usertagrev",
} as const satisfies Record<string, PermissionKind>;
export type UserPermissionField = keyof typeof USER_PERMISSION_FIELDS;

/**
 * Inside `tx`, for a user the caller (an admin of `orgId`, already checked) has just made a member
 * of it: adds the rows each field names (`{entity_id}` or `{tag_name}`, as the original's
 * `POST /user`), with the checks of `createPermission`. @throws AppError forbidden, invalid.
 */
export async function grantUserPermissions(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  orgId: number,
  userId: number,
  grants: Partial<Record<UserPermissionField, readonly PermissionTarget[]>>,
  ip?: string | null,
): Promise<void> {
  for (const [field, kind] of Object.entries(USER_PERMISSION_FIELDS) as [
    UserPermissionField,
    PermissionKind,
  ][])
    for (const target of grants[field] ?? [])
      await insertPermission(deps, tx, actor, kind, userId, { ...target, orgId }, orgId, ip);
}

/**
 * The original's `User` permission objects of a user, as an admin of `orgId` may see them (rows
 * whose entity or tag is in that org): `{id, user_id, entity_id}` / `{id, user_id, tag_id}`.
 */
export async function userPermissions(
  sql: Sql,
  orgId: number,
  userId: number,
): Promise<Record<UserPermissionField, PermissionRow[]>> {
  const out = {} as Record<UserPermissionField, PermissionRow[]>;
  for (const [field, kind] of Object.entries(USER_PERMISSION_FIELDS) as [
    UserPermissionField,
    PermissionKind,
  ][])
    out[field] = await sql.query<PermissionRow>(
      `SELECT ${columns(kind)} FROM core.${PERMISSION_TABLES[kind].table} p
        WHERE p.user_id = $2 AND ${rowInOrg(kind)} ORDER BY p.id`,
      [orgId, userId],
    );
  return out;
}

/** Inserts one row of `kind` for `owner` (or returns the existing one), recorded and audited. */
async function insertPermission(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  kind: PermissionKind,
  owner: number,
  target: PermissionTarget,
  acting: number | null,
  ip?: string | null,
): Promise<PermissionRow> {
  const s = PERMISSION_TABLES[kind];
  const object = await resolveObject(tx, kind, target, acting);
  const inserted = await tx.query<PermissionRow>(
    `INSERT INTO core.${s.table} AS p (${s.owner}, ${s.object}) VALUES ($1, $2)
     ON CONFLICT (${s.owner === "org_id" ? "org_id" : "user_id"}, ${s.object}) DO NOTHING RETURNING ${columns(kind)}`,
    [owner, object],
  );
  if (inserted[0]) {
    await deps.replicator.recordRows(tx, `core.${s.table}`, "id", [inserted[0].id]);
    await recordAudit(tx, actor, {
      action: "permission.grant",
      orgId: isUserKind(kind) ? acting : owner,
      target: `${kind}:${inserted[0].id}`,
      details: { [s.owner]: owner, [s.object]: object },
      ip,
    });
    return inserted[0];
  }
  const [existing] = await tx.query<PermissionRow>(
    `SELECT ${columns(kind)} FROM core.${s.table} p WHERE p.${s.owner} = $1 AND p.${s.object} = $2`,
    [owner, object],
  );
  return existing!;
}

/**
 * Deletes a row (hard delete, as the original). A row outside the caller's org answers like an
 * unknown one.
 * @throws AppError forbidden, invalid.
 */
export async function deletePermission(opts: {
  deps: ServiceDeps;
  actor: Actor;
  kind: PermissionKind;
  id: number;
  orgId?: number | null;
  ip?: string | null;
}): Promise<PermissionRow> {
  const row = await getPermission(opts);
  const s = PERMISSION_TABLES[opts.kind];
  await write(opts.deps, async (tx) => {
    await tx.query(`DELETE FROM core.${s.table} WHERE id = $1`, [opts.id]);
    await opts.deps.replicator.recordDelete(tx, `core.${s.table}`, "id", [opts.id]);
    await recordAudit(tx, opts.actor, {
      action: "permission.revoke",
      orgId: isUserKind(opts.kind) ? opts.orgId : row.org_id,
      target: `${opts.kind}:${opts.id}`,
      details: { [s.owner]: row[s.owner], [s.object]: row[s.object] },
      ip: opts.ip,
    });
  });
  return row;
}
