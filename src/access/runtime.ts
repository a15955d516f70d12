// Per-process access state (a slot of deps.runtime, see runtime.ts): the signing key (AUTH_SECRET,
// or generated once and kept in the state database's core.app_secret), the login rate limiter and
// the throttles of token last-use writes and rate-limit audits.
import { randomBytes } from "node:crypto";
import { createOutageMemo, type OutageMemo } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { slot } from "../runtime.ts";
import { RateLimiter } from "./rate-limit.ts";

interface AccessRuntime {
  key?: Promise<Uint8Array>;
  loginLimiter: RateLimiter;
  /** Last time each API token's last_used_at was written (ms), to write it at most once a minute. */
  tokenTouched: Map<number, number>;
  /** Last time a refused (rate-limited) login was audited per account and address (ms). */
  limitedAudited: Map<string, number>;
  /**
   * Who each recently seen credential belongs to, served only while the primary is unreachable
   * (nothing can be revoked then either), so signed-in users and pollers can still read what is
   * served from memory and the state database. At most 15 minutes old.
   */
  lastKnown: OutageMemo;
}

const ACCESS = slot(
  "access",
  (): AccessRuntime => ({
    loginLimiter: new RateLimiter({ limit: 10, windowMs: 60_000 }),
    tokenTouched: new Map(),
    limitedAudited: new Map(),
    lastKnown: createOutageMemo({ maxAgeMs: 15 * 60_000, maxEntries: 10_000 }),
  }),
);

/** This process's access state. */
export function accessRuntime(deps: Pick<ServiceDeps, "runtime">): AccessRuntime {
  return ACCESS.of(deps);
}

const SECRET_NAME = "auth_signing_key";

/**
 * The HS256 signing key: AUTH_SECRET when configured, else 32 random bytes generated on first
 * start and stored in the state database (so restarts keep sessions). Concurrent first starts
 * agree on one key (insert-if-absent, then read).
 */
export function signingKey(deps: Pick<ServiceDeps, "dbs" | "config" | "runtime">): Promise<Uint8Array> {
  const r = accessRuntime(deps);
  r.key ??= (async () => {
    if (deps.config.authSecret) return new TextEncoder().encode(deps.config.authSecret);
    const fresh = randomBytes(32).toString("base64url");
    await deps.dbs.state.query(
      "INSERT INTO core.app_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
      [SECRET_NAME, fresh],
    );
    const rows = await deps.dbs.state.query<{ value: string }>(
      "SELECT value FROM core.app_secret WHERE name = $1",
      [SECRET_NAME],
    );
    const value = rows[0]?.value;
    if (!value) throw new Error("signing key could not be stored");
    const bytes = Buffer.from(value, "base64url");
    if (bytes.length < 32) throw new Error("stored signing key is shorter than 32 bytes");
    return new Uint8Array(bytes);
  })().catch((e) => {
    r.key = undefined;
    throw e;
  });
  return r.key;
}
