// API tokens for pollers, simulators and scripts: one org, one role (member by default; admin only
// when the creator is admin there), optional expiry. The secret (`hst_` + 43 characters) is
// returned once by createApiToken and stored only as its SHA-256.
import { randomBytes } from "node:crypto";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, type OrgRole, requireRole } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { sha256Hex } from "./passwords.ts";
import { API_TOKEN_PREFIX } from "./resolve.ts";
import { paging, write } from "./tx.ts";
import { roleOf, userById } from "./users.ts";

export interface ApiTokenInfo {
  id: number;
  name: string;
  org_id: number;
  user_id: number;
  role: OrgRole;
  /** The first characters of the secret, to recognise it. */
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiToken extends ApiTokenInfo {
  /** The secret: shown once, never stored. */
  token: string;
}

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const INFO = `id, name, org_id, user_id, role, prefix, ${iso("created_at")} AS created_at, ${iso("expires_at")} AS expires_at,
  ${iso("last_used_at")} AS last_used_at, ${iso("revoked_at")} AS revoked_at`;

/**
 * Creates an API token in an org. A user acts for themself and needs membership there (admin for
 * an admin token); the system (CLI) names the user in `userId`. API tokens cannot create tokens.
 * Audited (`token.create`).
 * @throws AppError forbidden, invalid.
 */
export async function createApiToken(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  name: string;
  role?: OrgRole;
  expiresAt?: Date | null;
  /** Only for the system actor: the user the token acts for. */
  userId?: number;
  ip?: string | null;
}): Promise<CreatedApiToken> {
  const { deps, actor, orgId } = opts;
  const role = opts.role ?? "member";
  if (role !== "member" && role !== "admin") throw new AppError("invalid", "role must be member or admin");
  if (actor.kind === "token") throw new AppError("forbidden", "API tokens cannot create tokens");
  requireRole(actor, orgId, role);
  const name = typeof opts.name === "string" ? opts.name.trim() : "";
  if (!name || name.length > 200) throw new AppError("invalid", "name must be 1 to 200 characters");
  if (
    opts.expiresAt &&
    (Number.isNaN(opts.expiresAt.getTime()) || opts.expiresAt.getTime() <= deps.clock.now().getTime())
  )
    throw new AppError("invalid", "expires_at must be in the future");
  let userId: number;
  if (actor.kind === "system") {
    if (!opts.userId) throw new AppError("invalid", "the user the token acts for is required");
    const u = await userById(deps.dbs.primary, opts.userId);
    const has = await roleOf(deps.dbs.primary, orgId, opts.userId);
    if (!u || u.disabled || !has || (role === "admin" && has !== "admin"))
      throw new AppError(
        "forbidden",
        `that user is not ${role === "admin" ? "an admin" : "a member"} of the org`,
      );
    userId = opts.userId;
  } else userId = actor.userId!;
  const [org] = await deps.dbs.primary.query("SELECT 1 FROM core.org WHERE id = $1 AND disabled_ts IS NULL", [
    orgId,
  ]);
  if (!org) throw new AppError("forbidden", "not allowed in this org");
  const token = API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const prefix = token.slice(0, 10);
  return write(deps, async (tx) => {
    const [row] = await tx.query<ApiTokenInfo>(
      `INSERT INTO core.hs_api_token (user_id, org_id, name, role, token_hash, prefix, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz) RETURNING ${INFO}`,
      [userId, orgId, name, role, sha256Hex(token), prefix, opts.expiresAt?.toISOString() ?? null],
    );
    await recordAudit(tx, actor, {
      action: "token.create",
      orgId,
      target: `token:${row!.id}`,
      details: { name, role, user_id: userId, expires_at: row!.expires_at },
      ip: opts.ip,
    });
    return { ...row!, token };
  });
}

/** The org's API tokens, newest first, without secrets (org admin; not through an API token). */
export async function listApiTokens(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  skip?: number;
  limit?: number;
}): Promise<ApiTokenInfo[]> {
  requireRole(opts.actor, opts.orgId, "admin");
  if (opts.actor.kind === "token") throw new AppError("forbidden", "API tokens cannot list tokens");
  const { skip, limit } = paging(opts.skip, opts.limit);
  return opts.deps.dbs.primary.query<ApiTokenInfo>(
    `SELECT ${INFO} FROM core.hs_api_token WHERE org_id = $1 ORDER BY id DESC OFFSET $2 LIMIT $3`,
    [opts.orgId, skip, limit],
  );
}

/** Every token (CLI, system actor). */
export async function listAllApiTokens(deps: ServiceDeps, orgId?: number | null): Promise<ApiTokenInfo[]> {
  return deps.dbs.primary.query<ApiTokenInfo>(
    `SELECT ${INFO} FROM core.hs_api_token WHERE ($1::int4 IS NULL OR org_id = $1) ORDER BY id`,
    [orgId ?? null],
  );
}

/**
 * Revokes a token: its creator or an admin of its org may. Unknown ids and tokens of other orgs
 * answer forbidden alike. Revoking twice is a no-op. Audited (`token.revoke`).
 * @throws AppError forbidden.
 */
export async function revokeApiToken(opts: {
  deps: ServiceDeps;
  actor: Actor;
  tokenId: number;
  ip?: string | null;
}): Promise<ApiTokenInfo> {
  const { deps, actor } = opts;
  if (actor.kind === "token") throw new AppError("forbidden", "API tokens cannot revoke tokens");
  const [t] = await deps.dbs.primary.query<ApiTokenInfo>(
    `SELECT ${INFO} FROM core.hs_api_token WHERE id = $1`,
    [opts.tokenId],
  );
  const own = t && actor.kind === "user" && t.user_id === actor.userId && actor.roleIn(t.org_id) !== null;
  if (!t || (!own && actor.roleIn(t.org_id) !== "admin")) throw new AppError("forbidden", "not allowed");
  return write(deps, async (tx) => {
    const [row] = await tx.query<ApiTokenInfo>(
      `UPDATE core.hs_api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${INFO}`,
      [opts.tokenId],
    );
    await recordAudit(tx, actor, {
      action: "token.revoke",
      orgId: t.org_id,
      target: `token:${t.id}`,
      details: { name: t.name },
      ip: opts.ip,
    });
    return row!;
  });
}
