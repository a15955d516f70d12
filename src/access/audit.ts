// The audit log (primary only): who did what, when, in which org. Written in the same transaction
// as the change it records; failed logins are written on their own. Never holds secrets.
import { desc, eq } from "drizzle-orm";
import type { Sql } from "../db/index.ts";
import { orm } from "../db/orm.ts";
import { hsAuditLog } from "../db/schema.ts";
import type { ServiceDeps } from "../deps.ts";
import { type Actor, requireAppAdmin, requireRole } from "./actor.ts";

export interface AuditEntry {
  /** dotted verb: `login.ok`, `login.failed`, `token.create`, `membership.add`, `org.delete`, … */
  readonly action: string;
  readonly orgId?: number | null;
  /** what was acted on, e.g. `user:12`, `token:3`, `org:4` */
  readonly target?: string | null;
  readonly details?: Record<string, unknown>;
  readonly ip?: string | null;
}

export interface AuditRow {
  id: number;
  ts: string;
  actor_user_id: number | null;
  actor_token_id: number | null;
  actor_email: string | null;
  org_id: number | null;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
}

/** Appends one audit row through `sql` (a transaction, to commit with the change). */
export async function recordAudit(sql: Sql, actor: Actor | null, e: AuditEntry): Promise<void> {
  await orm(sql)
    .insert(hsAuditLog)
    .values({
      actorUserId: actor?.userId ?? null,
      actorTokenId: actor?.tokenId ?? null,
      actorEmail: actor?.email ?? (actor?.kind === "system" ? "system" : null),
      orgId: e.orgId ?? null,
      action: e.action,
      target: e.target ?? null,
      details: e.details ?? null,
      ip: e.ip ?? null,
    });
}

/**
 * Audit rows, newest first. With `orgId`: that org's rows (org admin or app admin). Without:
 * every row (app admin only).
 * @throws AppError forbidden.
 */
export async function listAudit(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId?: number | null;
  skip?: number;
  limit?: number;
}): Promise<AuditRow[]> {
  const { deps, actor } = opts;
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
  const skip = Math.max(opts.skip ?? 0, 0);
  if (opts.orgId == null) requireAppAdmin(actor);
  else requireRole(actor, opts.orgId, "admin");
  const t = hsAuditLog;
  const rows = await orm(deps.dbs.primary)
    .select()
    .from(t)
    .where(opts.orgId == null ? undefined : eq(t.orgId, opts.orgId))
    .orderBy(desc(t.id))
    .offset(skip)
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    ts: r.ts.toISOString(),
    actor_user_id: r.actorUserId,
    actor_token_id: r.actorTokenId,
    actor_email: r.actorEmail,
    org_id: r.orgId,
    action: r.action,
    target: r.target,
    details: r.details,
    ip: r.ip,
  }));
}
