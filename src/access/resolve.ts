// From credentials to an Actor: a user id (sessions, access JWTs) or an API token. Disabled users,
// disabled orgs, revoked and expired tokens resolve to nothing.
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { type Actor, makeActor, type OrgRole } from "./actor.ts";
import { sha256Hex } from "./passwords.ts";
import { accessRuntime } from "./runtime.ts";

/** An active user's actor with every role they hold; null when unknown or disabled. */
export async function actorForUser(sql: Sql, userId: number): Promise<Actor | null> {
  const [u] = await sql.query<{ email: string | null; app: boolean }>(
    `SELECT u.email, EXISTS (SELECT 1 FROM core.user_app a WHERE a.user_id = u.id) AS app
       FROM core."user" u WHERE u.id = $1 AND u.disabled_ts IS NULL`,
    [userId],
  );
  if (!u) return null;
  const rows = await sql.query<{ org_id: number; admin: boolean }>(
    `SELECT o.id AS org_id, bool_or(r.admin) AS admin FROM core.org o
       JOIN (SELECT org_id, false AS admin FROM core.org_user WHERE user_id = $1
             UNION ALL SELECT org_id, true FROM core.org_admin WHERE user_id = $1) r ON r.org_id = o.id
      WHERE o.disabled_ts IS NULL GROUP BY o.id`,
    [userId],
  );
  const roles = new Map<number, OrgRole>(rows.map((r) => [r.org_id, r.admin ? "admin" : "member"]));
  // An application admin's rights are in every org that exists (and is active), not in any id.
  const orgIds = u.app
    ? new Set(
        (await sql.query<{ id: number }>("SELECT id FROM core.org WHERE disabled_ts IS NULL")).map(
          (r) => r.id,
        ),
      )
    : undefined;
  return makeActor({ kind: "user", userId, email: u.email, appAdmin: u.app, roles, orgIds });
}

export const API_TOKEN_PREFIX = "hst_";

/**
 * The actor of an API token: its one org, with the role it was created with, never more than its
 * creator holds there now (an application admin creator counts as admin). Null when unknown,
 * revoked, expired, or its user or org is disabled. Writes last_used_at at most once a minute.
 */
export async function actorForApiToken(deps: ServiceDeps, secret: string): Promise<Actor | null> {
  if (!secret.startsWith(API_TOKEN_PREFIX) || secret.length > 200) return null;
  const hash = sha256Hex(secret);
  const found = await accessRuntime(deps).lastKnown.remember(`token:${hash}`, () =>
    lookUpApiToken(deps, hash),
  );
  // Expiry is judged by deps.clock (as sessions and token creation are), also for an answer
  // remembered through a primary outage.
  if (!found || (found.expiresAt !== null && found.expiresAt <= deps.clock.now().getTime())) return null;
  return found.actor;
}

async function lookUpApiToken(
  deps: ServiceDeps,
  hash: string,
): Promise<{ actor: Actor; expiresAt: number | null } | null> {
  const sql = deps.dbs.primary;
  const now = deps.clock.now();
  const [t] = await sql.query<{
    id: number;
    user_id: number;
    org_id: number;
    role: OrgRole;
    email: string | null;
    app: boolean;
    admin: boolean;
    member: boolean;
    expires_at: Date | null;
  }>(
    `SELECT t.id, t.user_id, t.org_id, t.role, u.email, t.expires_at,
            EXISTS (SELECT 1 FROM core.user_app a WHERE a.user_id = t.user_id) AS app,
            EXISTS (SELECT 1 FROM core.org_admin a WHERE a.user_id = t.user_id AND a.org_id = t.org_id) AS admin,
            EXISTS (SELECT 1 FROM core.org_user m WHERE m.user_id = t.user_id AND m.org_id = t.org_id) AS member
       FROM core.hs_api_token t
       JOIN core."user" u ON u.id = t.user_id AND u.disabled_ts IS NULL
       JOIN core.org o ON o.id = t.org_id AND o.disabled_ts IS NULL
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2::timestamptz)`,
    [hash, now],
  );
  if (!t) return null;
  const creatorRole: OrgRole | null = t.app || t.admin ? "admin" : t.member ? "member" : null;
  if (!creatorRole) return null;
  const role: OrgRole = t.role === "admin" && creatorRole === "admin" ? "admin" : "member";
  const touched = accessRuntime(deps).tokenTouched;
  if ((touched.get(t.id) ?? 0) < now.getTime() - 60_000) {
    touched.set(t.id, now.getTime());
    await sql.query("UPDATE core.hs_api_token SET last_used_at = $2::timestamptz WHERE id = $1", [t.id, now]);
  }
  const actor = makeActor({
    kind: "token",
    userId: t.user_id,
    tokenId: t.id,
    tokenOrgId: t.org_id,
    email: t.email,
    appAdmin: false,
    roles: new Map([[t.org_id, role]]),
  });
  return { actor, expiresAt: t.expires_at ? new Date(t.expires_at).getTime() : null };
}
