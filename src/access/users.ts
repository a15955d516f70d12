// Users and passwords. A user row (replicated) holds no secret; the password (argon2id) and SCRAM
// keys live in core.hs_credential on the primary only. Setting a password or disabling a user ends
// their sessions. Memberships are `memberships.ts`, application admins `app-admins.ts`.

import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, type OrgRole, requireAppAdmin } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { checkPasswordPolicy, hashPassword, scramCredentials, verifyPassword } from "./passwords.ts";
import type { PermissionRow } from "./permissions.ts";
import { accessRuntime } from "./runtime.ts";
import { write } from "./tx.ts";

export interface User {
  id: number;
  email: string;
  display_name: string | null;
  disabled: boolean;
}

export interface OrgMember extends User {
  role: OrgRole;
  /** The original's `User` permission objects (`{id, user_id, entity_id | tag_id}`). */
  visible_entities: PermissionRow[];
  invisible_entities: PermissionRow[];
  visible_tags: PermissionRow[];
  invisible_tags: PermissionRow[];
}

const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,255}$/;

export function normalizeEmail(email: unknown): string {
  if (typeof email !== "string") throw new AppError("invalid", "email is required");
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new AppError("invalid", "email is not valid");
  return e;
}

export const USER_COLUMNS = `u.id, u.email, u.display_name, (u.disabled_ts IS NOT NULL) AS disabled`;

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

/** Disables a user in `tx` and ends their sessions and API tokens (no audit). */
export async function disableInTx(deps: ServiceDeps, tx: Sql, userId: number): Promise<void> {
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
  const userId = actor.userId;
  // Served from memory while the primary is unreachable (a password cannot change then either).
  return accessRuntime(opts.deps).lastKnown.remember(`must-change:${userId}`, async () => {
    const [c] = await opts.deps.dbs.primary.query<{ must_change: boolean | null }>(
      "SELECT must_change FROM core.hs_credential WHERE user_id = $1",
      [userId],
    );
    return !!c?.must_change;
  });
}

/** The orgs the actor belongs to, with its role (an API token: its one org). */

export function rejectApiToken(actor: Actor): void {
  if (actor.kind === "token") throw new AppError("forbidden", "API tokens cannot do this");
}
