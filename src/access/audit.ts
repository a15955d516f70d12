// The audit log (primary only): who did what, when, in which org. Written in the same transaction
// as the change it records; failed logins are written on their own. Never holds secrets.
import type { Sql } from "../db/index.ts";
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
  await sql.query(
    `INSERT INTO core.hs_audit_log (actor_user_id, actor_token_id, actor_email, org_id, action, target, details, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8)`,
    [
      actor?.userId ?? null,
      actor?.tokenId ?? null,
      actor?.email ?? (actor?.kind === "system" ? "system" : null),
      e.orgId ?? null,
      e.action,
      e.target ?? null,
      e.details ? JSON.stringify(e.details) : null,
      e.ip ?? null,
    ],
  );
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
  if (opts.orgId == null) {
    requireAppAdmin(actor);
    return deps.dbs.primary.query<AuditRow>(
      `SELECT id::int AS id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, actor_user_id,
              actor_token_id, actor_email, org_id, action, target, details, ip
         FROM core.hs_audit_log ORDER BY id DESC OFFSET $1 LIMIT $2`,
      [skip, limit],
    );
  }
  requireRole(actor, opts.orgId, "admin");
  return deps.dbs.primary.query<AuditRow>(
    `SELECT id::int AS id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, actor_user_id,
            actor_token_id, actor_email, org_id, action, target, details, ip
       FROM core.hs_audit_log WHERE org_id = $1 ORDER BY id DESC OFFSET $2 LIMIT $3`,
    [opts.orgId, skip, limit],
  );
}
