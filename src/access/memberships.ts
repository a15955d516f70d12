// Memberships: a user is a member or an admin of an org (`org_user`, `org_admin`). Adding a user
// to an org creates the user when new; removing their last membership disables them (and so ends
// their sessions).
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, type OrgRole, requireRole } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { generatePassword } from "./passwords.ts";
import {
  grantUserPermissions,
  type PermissionTarget,
  type UserPermissionField,
  userPermissions,
} from "./permissions.ts";
import { accessRuntime } from "./runtime.ts";
import { paging, write } from "./tx.ts";

import {
  credentialFor,
  disableInTx,
  insertUser,
  normalizeEmail,
  type OrgMember,
  rejectApiToken,
  userByEmail,
  userById,
} from "./users.ts";

export async function setMembership(
  deps: ServiceDeps,
  tx: Sql,
  orgId: number,
  userId: number,
  role: OrgRole,
) {
  const ou = await tx.query<{ id: number }>(
    `INSERT INTO core.org_user (user_id, org_id) SELECT $1, $2
      WHERE NOT EXISTS (SELECT 1 FROM core.org_user WHERE user_id = $1 AND org_id = $2) RETURNING id`,
    [userId, orgId],
  );
  await deps.replicator.recordRows(
    tx,
    "core.org_user",
    "id",
    ou.map((r) => r.id),
  );
  if (role === "admin") {
    const oa = await tx.query<{ id: number }>(
      "INSERT INTO core.org_admin (org_id, user_id) VALUES ($1, $2) ON CONFLICT (org_id, user_id) DO NOTHING RETURNING id",
      [orgId, userId],
    );
    await deps.replicator.recordRows(
      tx,
      "core.org_admin",
      "id",
      oa.map((r) => r.id),
    );
  } else {
    const gone = await tx.query<{ id: number }>(
      "DELETE FROM core.org_admin WHERE org_id = $1 AND user_id = $2 RETURNING id",
      [orgId, userId],
    );
    await deps.replicator.recordDelete(
      tx,
      "core.org_admin",
      "id",
      gone.map((r) => r.id),
    );
  }
}

/** The user's role in an org from the membership tables (ignores application admin). */
export async function roleOf(sql: Sql, orgId: number, userId: number): Promise<OrgRole | null> {
  const [r] = await sql.query<{ admin: boolean; member: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM core.org_admin WHERE org_id = $1 AND user_id = $2) AS admin,
            EXISTS (SELECT 1 FROM core.org_user WHERE org_id = $1 AND user_id = $2) AS member`,
    [orgId, userId],
  );
  return r?.admin ? "admin" : r?.member ? "member" : null;
}

async function memberView(sql: Sql, orgId: number, userId: number): Promise<OrgMember | null> {
  const role = await roleOf(sql, orgId, userId);
  const u = role ? await userById(sql, userId) : null;
  if (!u || !role) return null;
  return { ...u, role, ...(await userPermissions(sql, orgId, userId)) };
}

/**
 * Adds a user to an org (org admin of that org), with the original's permission lists: entities
 * added for or revoked from the user, tag libraries added or revoked (`grants`; the entities must
 * be the org's, the libraries visible in it, else nothing is created). A new email creates the
 * user: with `password`, or with a generated one returned once (`password` in the result) that
 * must be changed at first login. An existing user is only added (their password is never set through another org: a
 * password for an existing email is refused with conflict). Audited (`membership.add`).
 * @throws AppError forbidden, invalid, conflict.
 */
export async function addOrgUser(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  email: string;
  password?: string | null;
  role?: OrgRole;
  displayName?: string | null;
  grants?: Partial<Record<UserPermissionField, readonly PermissionTarget[]>>;
  ip?: string | null;
}): Promise<{ user: OrgMember; created: boolean; password?: string }> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  rejectApiToken(actor);
  const email = normalizeEmail(opts.email);
  const role = opts.role ?? "member";
  if (role !== "member" && role !== "admin") throw new AppError("invalid", "role must be member or admin");
  const existing = await userByEmail(deps.dbs.primary, email);
  if (existing && opts.password)
    throw new AppError("conflict", "a user with this email exists; add them without a password");
  const generated = !existing && !opts.password ? generatePassword() : undefined;
  const credential = existing ? undefined : await credentialFor(opts.password ?? generated!);
  return write(deps, async (tx) => {
    let userId: number;
    let created = false;
    const again = await userByEmail(tx, email);
    if (again) userId = again.id;
    else {
      userId = (
        await insertUser(deps, tx, {
          email,
          displayName: opts.displayName,
          credential,
          mustChange: !!generated,
        })
      ).id;
      created = true;
    }
    await setMembership(deps, tx, orgId, userId, role);
    if (opts.grants) await grantUserPermissions(deps, tx, actor, orgId, userId, opts.grants, opts.ip);
    await recordAudit(tx, actor, {
      action: "membership.add",
      orgId,
      target: `user:${userId}`,
      details: { email, role, created },
      ip: opts.ip,
    });
    const user = (await memberView(tx, orgId, userId))!;
    return generated && created ? { user, created, password: generated } : { user, created };
  });
}

/** Members of an org (org admin). */
export async function listOrgUsers(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  skip?: number;
  limit?: number;
}): Promise<OrgMember[]> {
  requireRole(opts.actor, opts.orgId, "admin");
  rejectApiToken(opts.actor);
  const { skip, limit } = paging(opts.skip, opts.limit);
  const sql = opts.deps.dbs.primary;
  const ids = await sql.query<{ id: number }>(
    `SELECT u.id FROM core."user" u
      WHERE EXISTS (SELECT 1 FROM core.org_user m WHERE m.user_id = u.id AND m.org_id = $1)
         OR EXISTS (SELECT 1 FROM core.org_admin a WHERE a.user_id = u.id AND a.org_id = $1)
      ORDER BY u.id OFFSET $2 LIMIT $3`,
    [opts.orgId, skip, limit],
  );
  const out: OrgMember[] = [];
  for (const { id } of ids) {
    const m = await memberView(sql, opts.orgId, id);
    if (m) out.push(m);
  }
  return out;
}

/**
 * One member of an org (org admin). A user outside the org answers like an unknown id.
 * @throws AppError forbidden.
 */
export async function getOrgUser(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  userId: number;
}): Promise<OrgMember> {
  requireRole(opts.actor, opts.orgId, "admin");
  rejectApiToken(opts.actor);
  const m = await memberView(opts.deps.dbs.primary, opts.orgId, opts.userId);
  if (!m) throw new AppError("forbidden", "not allowed in this org");
  return m;
}

/**
 * Removes a user from an org (org admin): the membership and admin rows go, and the user's API
 * tokens for that org are revoked. A user left in no org (and not an application admin) is also
 * disabled and signed out. One cannot remove oneself. Audited (`membership.remove`).
 * @throws AppError forbidden, conflict.
 */
export async function removeOrgUser(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  userId: number;
  ip?: string | null;
}): Promise<OrgMember> {
  const { deps, actor, orgId, userId } = opts;
  const member = await getOrgUser(opts);
  if (actor.userId === userId) throw new AppError("conflict", "you cannot remove yourself from an org");
  await write(deps, async (tx) => {
    const ou = await tx.query<{ id: number }>(
      "DELETE FROM core.org_user WHERE org_id = $1 AND user_id = $2 RETURNING id",
      [orgId, userId],
    );
    const oa = await tx.query<{ id: number }>(
      "DELETE FROM core.org_admin WHERE org_id = $1 AND user_id = $2 RETURNING id",
      [orgId, userId],
    );
    await deps.replicator.recordDelete(
      tx,
      "core.org_user",
      "id",
      ou.map((r) => r.id),
    );
    await deps.replicator.recordDelete(
      tx,
      "core.org_admin",
      "id",
      oa.map((r) => r.id),
    );
    await tx.query(
      "UPDATE core.hs_api_token SET revoked_at = now() WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL",
      [orgId, userId],
    );
    const [left] = await tx.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM core.org_user WHERE user_id = $1) + (SELECT count(*) FROM core.org_admin WHERE user_id = $1)
              + (SELECT count(*) FROM core.user_app WHERE user_id = $1))::int AS n`,
      [userId],
    );
    const disabled = (left?.n ?? 0) === 0;
    if (disabled) await disableInTx(deps, tx, userId);
    await recordAudit(tx, actor, {
      action: "membership.remove",
      orgId,
      target: `user:${userId}`,
      details: { email: member.email, disabled },
      ip: opts.ip,
    });
  });
  return member;
}

/**
 * `GET /user/org`: the caller's orgs as the original's `OrgUser` (`{user, org}`, plus `role`), the
 * user with its `User` permission objects in that org (`myOrgs` without them serves the console).
 */
export async function myOrgUsers(opts: { deps: ServiceDeps; actor: Actor }) {
  const sql = opts.deps.dbs.primary;
  const out = [];
  for (const m of await myOrgs(opts))
    out.push({ ...m, user: { ...m.user, ...(await userPermissions(sql, m.org.id, m.user.id)) } });
  return out;
}

export async function myOrgs(opts: { deps: ServiceDeps; actor: Actor }): Promise<
  {
    user: { id: number; email: string | null };
    org: { id: number; name: string | null; key: string | null; value_table: string };
    role: OrgRole;
  }[]
> {
  const { actor } = opts;
  if (actor.userId === null) return [];
  // Served from memory while the primary is unreachable, so the console can still show what lives in
  // memory and the state database (simulator status) during an outage.
  const who = actor.kind === "token" ? `token:${actor.tokenOrgId}` : `user:${actor.userId}`;
  const orgs = await accessRuntime(opts.deps).lastKnown.remember(`my-orgs:${who}`, () =>
    opts.deps.dbs.primary.query<{
      id: number;
      name: string | null;
      key: string | null;
      value_table: string;
    }>(
      actor.kind === "token"
        ? "SELECT id, name, key, value_table FROM core.org WHERE id = $1 AND disabled_ts IS NULL"
        : `SELECT o.id, o.name, o.key, o.value_table FROM core.org o
          WHERE o.disabled_ts IS NULL AND (EXISTS (SELECT 1 FROM core.org_user m WHERE m.org_id = o.id AND m.user_id = $1)
             OR EXISTS (SELECT 1 FROM core.org_admin a WHERE a.org_id = o.id AND a.user_id = $1))
          ORDER BY o.id`,
      actor.kind === "token" ? [actor.tokenOrgId ?? -1] : [actor.userId],
    ),
  );
  return orgs.flatMap((org) => {
    const role = actor.roleIn(org.id);
    return role ? [{ user: { id: actor.userId!, email: actor.email }, org, role }] : [];
  });
}

/** @throws AppError forbidden for API tokens (routes that need a person: users, tokens, grants). */
