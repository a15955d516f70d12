// Users, memberships (org member / org admin), application admins and passwords. A user row
// (replicated) holds no secret; the password (argon2id) and SCRAM keys live in core.hs_credential
// on the primary only. Setting a password, disabling a user or removing their last membership
// ends their sessions.
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, type OrgRole, requireAppAdmin, requireRole } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import {
  checkPasswordPolicy,
  generatePassword,
  hashPassword,
  scramCredentials,
  verifyPassword,
} from "./passwords.ts";
import { paging, write } from "./tx.ts";

export interface User {
  id: number;
  email: string;
  display_name: string | null;
  disabled: boolean;
}

export interface OrgMember extends User {
  role: OrgRole;
  visible_entities: number[];
  invisible_entities: number[];
  visible_tags: number[];
  invisible_tags: number[];
}

const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,255}$/;

export function normalizeEmail(email: unknown): string {
  if (typeof email !== "string") throw new AppError("invalid", "email is required");
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new AppError("invalid", "email is not valid");
  return e;
}

const USER_COLUMNS = `u.id, u.email, u.display_name, (u.disabled_ts IS NOT NULL) AS disabled`;

export async function userByEmail(sql: Sql, email: string): Promise<User | null> {
  const [u] = await sql.query<User>(`SELECT ${USER_COLUMNS} FROM core."user" u WHERE lower(u.email) = $1`, [
    normalizeEmail(email),
  ]);
  return u ?? null;
}

export async function userById(sql: Sql, id: number): Promise<User | null> {
  const [u] = await sql.query<User>(`SELECT ${USER_COLUMNS} FROM core."user" u WHERE u.id = $1`, [id]);
  return u ?? null;
}

/** Hashes a password into the stored form (argon2id + SCRAM-SHA-256). Slow: call outside transactions. */
export async function credentialFor(password: string) {
  checkPasswordPolicy(password);
  const [hash, scram] = await Promise.all([hashPassword(password), scramCredentials(password)]);
  return { hash, scram };
}
type Credential = Awaited<ReturnType<typeof credentialFor>>;

async function storeCredential(tx: Sql, userId: number, c: Credential, mustChange: boolean): Promise<void> {
  await tx.query(
    `INSERT INTO core.hs_credential (user_id, password_hash, scram_salt, scram_iterations, scram_stored_key,
                                     scram_server_key, must_change, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, scram_salt = EXCLUDED.scram_salt,
       scram_iterations = EXCLUDED.scram_iterations, scram_stored_key = EXCLUDED.scram_stored_key,
       scram_server_key = EXCLUDED.scram_server_key, must_change = EXCLUDED.must_change, updated_at = now()`,
    [userId, c.hash, c.scram.salt, c.scram.iterations, c.scram.storedKey, c.scram.serverKey, mustChange],
  );
}

/** Ends every session and access token of a user (JWTs we issued stop working at once). */
export async function revokeSessionsOf(tx: Sql, userId: number, except?: string | null): Promise<void> {
  await tx.query(
    "UPDATE core.hs_session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
    [userId, except ?? null],
  );
}

/**
 * Inserts a user (and its credential when given) in `tx`; records the row for the secondaries.
 * No permission check.
 * @throws AppError invalid, conflict (email taken).
 */
export async function insertUser(
  deps: ServiceDeps,
  tx: Sql,
  input: { email: string; displayName?: string | null; credential?: Credential; mustChange?: boolean },
): Promise<User> {
  const email = normalizeEmail(input.email);
  if (await userByEmail(tx, email)) throw new AppError("conflict", "a user with this email exists");
  const displayName = input.displayName?.trim() || null;
  if (displayName && displayName.length > 200) throw new AppError("invalid", "display name is too long");
  const [u] = await tx.query<User>(
    `INSERT INTO core."user" AS u (email, display_name) VALUES ($1, $2) RETURNING ${USER_COLUMNS}`,
    [email, displayName],
  );
  if (!u) throw new Error("user insert returned nothing");
  if (input.credential) await storeCredential(tx, u.id, input.credential, input.mustChange ?? false);
  await deps.replicator.recordRows(tx, 'core."user"', "id", [u.id]);
  return u;
}

/** Makes `userId` a member (or admin) of `orgId` in `tx`, replacing any other role there. */
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
  const ids = async (table: string, col: string) =>
    (
      await sql.query<{ v: number }>(
        `SELECT ${col} AS v FROM core.${table} WHERE user_id = $1 ORDER BY ${col}`,
        [userId],
      )
    ).map((r) => r.v);
  return {
    ...u,
    role,
    visible_entities: await ids("user_entity_add_permission", "entity_id"),
    invisible_entities: await ids("user_entity_rev_permission", "entity_id"),
    visible_tags: await ids("user_tag_add_permission", "tag_id"),
    invisible_tags: await ids("user_tag_rev_permission", "tag_id"),
  };
}

/**
 * Adds a user to an org (org admin of that org). A new email creates the user: with `password`,
 * or with a generated one returned once (`password` in the result) that must be changed at first
 * login. An existing user is only added (their password is never set through another org: a
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

async function disableInTx(deps: ServiceDeps, tx: Sql, userId: number): Promise<void> {
  await tx.query(
    `UPDATE core."user" SET disabled_ts = (now() AT TIME ZONE 'UTC') WHERE id = $1 AND disabled_ts IS NULL`,
    [userId],
  );
  await tx.query(
    "UPDATE core.hs_api_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    [userId],
  );
  await revokeSessionsOf(tx, userId);
  await deps.replicator.recordRows(tx, 'core."user"', "id", [userId]);
}

/**
 * Disables a user everywhere: sessions, access tokens and API tokens stop working. Application
 * admin (or the system). Audited (`user.disable`).
 * @throws AppError forbidden (also for an unknown user).
 */
export async function disableUser(opts: {
  deps: ServiceDeps;
  actor: Actor;
  userId: number;
  ip?: string | null;
}): Promise<User> {
  requireAppAdmin(opts.actor);
  const u = await userById(opts.deps.dbs.primary, opts.userId);
  if (!u) throw new AppError("forbidden", "not allowed");
  await write(opts.deps, async (tx) => {
    await disableInTx(opts.deps, tx, opts.userId);
    await recordAudit(tx, opts.actor, {
      action: "user.disable",
      target: `user:${u.id}`,
      details: { email: u.email },
      ip: opts.ip,
    });
  });
  return { ...u, disabled: true };
}

/**
 * Sets a user's password (application admin, the system, or the user themself through
 * changePassword). Stores argon2id and SCRAM credentials, ends the user's sessions (except
 * `keepSession`). Audited (`user.password`).
 * @throws AppError forbidden, invalid.
 */
export async function setPassword(opts: {
  deps: ServiceDeps;
  actor: Actor;
  userId: number;
  password: string;
  mustChange?: boolean;
  keepSession?: string | null;
  ip?: string | null;
}): Promise<void> {
  if (opts.actor.userId !== opts.userId || opts.actor.kind !== "user") requireAppAdmin(opts.actor);
  const u = await userById(opts.deps.dbs.primary, opts.userId);
  if (!u) throw new AppError("forbidden", "not allowed");
  const credential = await credentialFor(opts.password);
  await write(opts.deps, async (tx) => {
    await storeCredential(tx, opts.userId, credential, opts.mustChange ?? false);
    await revokeSessionsOf(tx, opts.userId, opts.keepSession);
    await recordAudit(tx, opts.actor, {
      action: "user.password",
      target: `user:${u.id}`,
      details: { email: u.email },
      ip: opts.ip,
    });
  });
}

/**
 * The signed-in user changes their own password (console profile page). Other sessions end;
 * `sessionId` (the current one) stays.
 * @throws AppError unauthorized (wrong current password), invalid, forbidden.
 */
export async function changePassword(opts: {
  deps: ServiceDeps;
  actor: Actor;
  currentPassword: string;
  newPassword: string;
  sessionId?: string | null;
  ip?: string | null;
}): Promise<void> {
  const { actor } = opts;
  if (actor.kind !== "user" || actor.userId === null)
    throw new AppError("forbidden", "only a signed-in user can change their password");
  const [c] = await opts.deps.dbs.primary.query<{ password_hash: string }>(
    "SELECT password_hash FROM core.hs_credential WHERE user_id = $1",
    [actor.userId],
  );
  if (!c || !(await verifyPassword(opts.currentPassword, c.password_hash)))
    throw new AppError("unauthorized", "current password is wrong");
  if (opts.currentPassword === opts.newPassword) throw new AppError("invalid", "choose a different password");
  await setPassword({
    deps: opts.deps,
    actor,
    userId: actor.userId,
    password: opts.newPassword,
    keepSession: opts.sessionId,
    ip: opts.ip,
  });
}

/**
 * True while a signed-in user's password was generated and must be changed before anything else
 * (the console sends such users to the password page). False for tokens and the system.
 */
export async function mustChangePassword(opts: { deps: ServiceDeps; actor: Actor }): Promise<boolean> {
  const { actor } = opts;
  if (actor.kind !== "user" || actor.userId === null) return false;
  const [c] = await opts.deps.dbs.primary.query<{ must_change: boolean | null }>(
    "SELECT must_change FROM core.hs_credential WHERE user_id = $1",
    [actor.userId],
  );
  return !!c?.must_change;
}

/** The orgs the actor belongs to, with its role (an API token: its one org). */
export async function myOrgs(opts: { deps: ServiceDeps; actor: Actor }): Promise<
  {
    user: { id: number; email: string | null };
    org: { id: number; name: string | null; key: string | null; value_table: string };
    role: OrgRole;
  }[]
> {
  const { actor } = opts;
  if (actor.userId === null) return [];
  const orgs = await opts.deps.dbs.primary.query<{
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
  );
  return orgs.flatMap((org) => {
    const role = actor.roleIn(org.id);
    return role ? [{ user: { id: actor.userId!, email: actor.email }, org, role }] : [];
  });
}

/** @throws AppError forbidden for API tokens (routes that need a person: users, tokens, grants). */
export function rejectApiToken(actor: Actor): void {
  if (actor.kind === "token") throw new AppError("forbidden", "API tokens cannot do this");
}

export interface AppAdmin {
  id: number;
  user: User;
}

/** Application admins. Application admin only. */
export async function listAppAdmins(opts: { deps: ServiceDeps; actor: Actor }): Promise<AppAdmin[]> {
  requireAppAdmin(opts.actor);
  const rows = await opts.deps.dbs.primary.query<User & { app_id: number }>(
    `SELECT a.id AS app_id, ${USER_COLUMNS} FROM core.user_app a JOIN core."user" u ON u.id = a.user_id ORDER BY a.id`,
  );
  return rows.map(({ app_id, ...u }) => ({ id: app_id, user: u }));
}

/** @throws AppError forbidden (unknown id too). */
export async function getAppAdmin(opts: { deps: ServiceDeps; actor: Actor; id: number }): Promise<AppAdmin> {
  const found = (await listAppAdmins(opts)).find((a) => a.id === opts.id);
  if (!found) throw new AppError("forbidden", "not allowed");
  return found;
}

/**
 * Makes an existing user an application admin. Audited (`appuser.add`).
 * @throws AppError forbidden (also for an unknown email), conflict (already one).
 */
export async function addAppAdmin(opts: {
  deps: ServiceDeps;
  actor: Actor;
  email: string;
  ip?: string | null;
}): Promise<AppAdmin> {
  requireAppAdmin(opts.actor);
  const u = await userByEmail(opts.deps.dbs.primary, opts.email);
  if (!u || u.disabled) throw new AppError("forbidden", "not allowed");
  return write(opts.deps, async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      "INSERT INTO core.user_app (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING RETURNING id",
      [u.id],
    );
    if (!row) throw new AppError("conflict", "already an application admin");
    await opts.deps.replicator.recordRows(tx, "core.user_app", "id", [row.id]);
    await recordAudit(tx, opts.actor, {
      action: "appuser.add",
      target: `user:${u.id}`,
      details: { email: u.email },
      ip: opts.ip,
    });
    return { id: row.id, user: u };
  });
}

/**
 * Removes an application admin (by user_app id). The last one cannot be removed. Audited
 * (`appuser.remove`).
 * @throws AppError forbidden, conflict.
 */
export async function removeAppAdmin(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  ip?: string | null;
}): Promise<AppAdmin> {
  const found = await getAppAdmin(opts);
  await write(opts.deps, async (tx) => {
    const [n] = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM core.user_app");
    if ((n?.n ?? 0) <= 1) throw new AppError("conflict", "the last application admin cannot be removed");
    await tx.query("DELETE FROM core.user_app WHERE id = $1", [opts.id]);
    await opts.deps.replicator.recordDelete(tx, "core.user_app", "id", [opts.id]);
    await recordAudit(tx, opts.actor, {
      action: "appuser.remove",
      target: `user:${found.user.id}`,
      details: { email: found.user.email },
      ip: opts.ip,
    });
  });
  return found;
}
