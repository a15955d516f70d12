// Stored credentials read for the Haystack client authentication: the SCRAM-SHA-256 material kept
// with every password (core.hs_credential; written by users.ts when a password is set).
import type { Sql } from "../db/index.ts";
import type { ScramCredentials } from "./passwords.ts";

/**
 * The SCRAM credentials of the active user with this email (case-insensitive, trimmed); null for
 * an unknown or disabled user, or one without a password.
 */
export async function scramCredentialsOf(
  sql: Sql,
  email: string,
): Promise<{ userId: number; creds: ScramCredentials } | null> {
  const [row] = await sql.query<{
    user_id: number;
    scram_salt: string;
    scram_iterations: number;
    scram_stored_key: string;
    scram_server_key: string;
  }>(
    `SELECT c.user_id, c.scram_salt, c.scram_iterations, c.scram_stored_key, c.scram_server_key
       FROM core.hs_credential c JOIN core."user" u ON u.id = c.user_id
      WHERE lower(u.email) = lower($1) AND u.disabled_ts IS NULL`,
    [email.trim()],
  );
  if (!row) return null;
  return {
    userId: row.user_id,
    creds: {
      salt: row.scram_salt,
      iterations: row.scram_iterations,
      storedKey: row.scram_stored_key,
      serverKey: row.scram_server_key,
    },
  };
}
