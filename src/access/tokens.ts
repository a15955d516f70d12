// API tokens for pollers, simulators and scripts: one org, one role (member by default; admin only
// when the creator is admin there), optional expiry. The secret (`hst_` + 43 characters) is
// returned once by createApiToken and stored only as its SHA-256.
import { randomBytes } from "node:crypto";
import { desc, eq, sql } from "drizzle-orm";
import { orm } from "../db/orm.ts";
import { hsApiToken } from "../db/schema.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, type OrgRole, requireRole } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { roleOf } from "./memberships.ts";
import { sha256Hex } from "./passwords.ts";
import { API_TOKEN_PREFIX } from "./resolve.ts";
import { paging, write } from "./tx.ts";
import { userById } from "./users.ts";

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

const t = hsApiToken;
/** The columns of a token without its hash. */
const INFO = {
  id: t.id,
  name: t.name,
  orgId: t.orgId,
  userId: t.userId,
  role: t.role,
  prefix: t.prefix,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
};
type InfoRow = Omit<typeof hsApiToken.$inferSelect, "tokenHash">;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const info = (r: InfoRow): ApiTokenInfo => ({
  id: r.id,
  name: r.name,
  org_id: r.orgId,
  user_id: r.userId,
  role: r.role as OrgRole,
  prefix: r.prefix,
  created_at: r.createdAt.toISOString(),
  expires_at: iso(r.expiresAt),
  last_used_at: iso(r.lastUsedAt),
  revoked_at: iso(r.revokedAt),
});

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
  const bodyField = (field: string, msg: string) =>
    new AppError("invalid", msg, [{ loc: ["body", field], msg, type: "value_error" }]);
  if (!name || name.length > 200) throw bodyField("name", "name must be 1 to 200 characters");
  if (
    opts.expiresAt &&
    (Number.isNaN(opts.expiresAt.getTime()) || opts.expiresAt.getTime() <= deps.clock.now().getTime())
  )
    throw bodyField("expires_at", "expires_at must be in the future");
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
    const [inserted] = await orm(tx)
      .insert(t)
      .values({
        userId,
        orgId,
        name,
        role,
        tokenHash: sha256Hex(token),
        prefix,
        expiresAt: opts.expiresAt ?? null,
      })
      .returning(INFO);
    const row = info(inserted!);
    await recordAudit(tx, actor, {
      action: "token.create",
      orgId,
      target: `token:${row.id}`,
      details: { name, role, user_id: userId, expires_at: row.expires_at },
      ip: opts.ip,
    });
    return { ...row, token };
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
  const rows = await orm(opts.deps.dbs.primary)
    .select(INFO)
    .from(t)
    .where(eq(t.orgId, opts.orgId))
    .orderBy(desc(t.id))
    .offset(skip)
    .limit(limit);
  return rows.map(info);
}

/** Every token (CLI, system actor). */
export async function listAllApiTokens(deps: ServiceDeps, orgId?: number | null): Promise<ApiTokenInfo[]> {
  const rows = await orm(deps.dbs.primary)
    .select(INFO)
    .from(t)
    .where(orgId == null ? undefined : eq(t.orgId, orgId))
    .orderBy(t.id);
  return rows.map(info);
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
  const [found] = await orm(deps.dbs.primary).select(INFO).from(t).where(eq(t.id, opts.tokenId));
  const tok = found && info(found);
  const own =
    tok && actor.kind === "user" && tok.user_id === actor.userId && actor.roleIn(tok.org_id) !== null;
  if (!tok || (!own && actor.roleIn(tok.org_id) !== "admin")) throw new AppError("forbidden", "not allowed");
  return write(deps, async (tx) => {
    const [row] = await orm(tx)
      .update(t)
      .set({ revokedAt: sql`coalesce(${t.revokedAt}, now())` })
      .where(eq(t.id, opts.tokenId))
      .returning(INFO);
    await recordAudit(tx, actor, {
      action: "token.revoke",
      orgId: tok.org_id,
      target: `token:${tok.id}`,
      details: { name: tok.name },
      ip: opts.ip,
    });
    return info(row!);
  });
}

/** When an API token (by its secret) expires: null for never, undefined when unknown. */
export async function apiTokenExpiry(
  deps: Pick<ServiceDeps, "dbs">,
  secret: string,
): Promise<Date | null | undefined> {
  const [row] = await orm(deps.dbs.primary)
    .select({ expiresAt: t.expiresAt })
    .from(t)
    .where(eq(t.tokenHash, sha256Hex(secret)));
  return row ? row.expiresAt : undefined;
}
