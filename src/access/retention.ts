// Retention of access records: audit rows older than 90 days, and sessions (browser sessions and
// access tokens) that ended more than a day ago. A daily cron job (`access.retention`) on the
// primary; these tables are never replicated, so nothing goes to the outbox.
import { cronService } from "../cron.ts";
import type { ServiceDeps } from "../deps.ts";

export const AUDIT_RETENTION_DAYS = 90;

/** Deletes expired audit rows and ended sessions. Returns how many of each. */
export async function pruneAccessRecords(
  deps: ServiceDeps,
  now = deps.clock.now(),
): Promise<{ audit: number; sessions: number }> {
  const audit = await deps.dbs.primary.query<{ id: number }>(
    "DELETE FROM core.hs_audit_log WHERE ts < $1::timestamptz - make_interval(days => $2) RETURNING id",
    [now.toISOString(), AUDIT_RETENTION_DAYS],
  );
  const sessions = await deps.dbs.primary.query<{ id: string }>(
    `DELETE FROM core.hs_session
      WHERE expires_at < $1::timestamptz - interval '1 day' OR revoked_at < $1::timestamptz - interval '1 day'
      RETURNING id`,
    [now.toISOString()],
  );
  return { audit: audit.length, sessions: sessions.length };
}

/** The daily job, as a background service of the server. */
export function accessRetentionService(deps: ServiceDeps) {
  return cronService({
    name: "access.retention",
    pattern: "41 3 * * *",
    log: deps.log,
    failure: "access retention failed; retried tomorrow",
    run: async () => {
      const n = await pruneAccessRecords(deps);
      if (n.audit || n.sessions) deps.log.info("access records pruned", n);
    },
  });
}
