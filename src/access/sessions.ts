// Signed-in users: browser sessions and access tokens are HS256 JWTs (jose) that name a row of
// core.hs_session, so they can be ended server-side (logout, password change, disabled user).
// Logins are rate limited per account and per client address (10 failures a minute each) and
// every success and failure is audited.
import { createHmac, randomBytes } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import type { Actor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { accessChanged } from "./changes.ts";
import { dummyPasswordHash, safeEqual, verifyPassword } from "./passwords.ts";
import { API_TOKEN_PREFIX, actorForApiToken, actorForUser } from "./resolve.ts";
import { accessRuntime, signingKey } from "./runtime.ts";
import { normalizeEmail } from "./users.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "hs_session";
const ISSUER = "haystack-sim";
export type SessionKind = "session" | "access";

export interface IssuedJwt {
  jwt: string;
  sessionId: string;
  expiresAt: Date;
}

/** Creates a session row and the JWT naming it. */
export async function issueJwt(
  deps: ServiceDeps,
  opts: {
    userId: number;
    kind: SessionKind;
    ip?: string | null;
    userAgent?: string | null;
    ttlSeconds?: number;
  },
): Promise<IssuedJwt> {
  const ttl = opts.ttlSeconds ?? deps.config.sessionHours * 3600;
  const sessionId = randomBytes(18).toString("base64url");
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const expiresAt = new Date((now + ttl) * 1000);
  await deps.dbs.primary.query(
    `INSERT INTO core.hs_session (id, user_id, kind, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4::timestamptz, $5, $6)`,
    [
      sessionId,
      opts.userId,
      opts.kind,
      expiresAt.toISOString(),
      opts.ip ?? null,
      opts.userAgent?.slice(0, 300) ?? null,
    ],
  );
  const jwt = await new SignJWT({ sid: sessionId, typ: opts.kind })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setSubject(String(opts.userId))
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(await signingKey(deps));
  return { jwt, sessionId, expiresAt };
}

export interface VerifiedSession {
  actor: Actor;
  sessionId: string;
  userId: number;
  kind: SessionKind;
}

/**
 * Verifies a JWT we issued (HS256 only, our issuer, not expired) and its session row (not
 * revoked, not expired, user active). Null for anything else.
 */
export async function verifyJwt(
  deps: ServiceDeps,
  jwt: string,
  kind?: SessionKind,
): Promise<VerifiedSession | null> {
  if (jwt.length > 4096) return null;
  let payload: { sub?: string; sid?: unknown; typ?: unknown };
  try {
    ({ payload } = await jwtVerify(jwt, await signingKey(deps), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      currentDate: deps.clock.now(),
    }));
  } catch (e) {
    if (e instanceof joseErrors.JOSEError) return null;
    throw e;
  }
  const userId = Number(payload.sub);
  const sid = payload.sid;
  const typ = payload.typ;
  if (!Number.isSafeInteger(userId) || typeof sid !== "string" || (typ !== "session" && typ !== "access"))
    return null;
  if (kind && typ !== kind) return null;
  const actor = await accessRuntime(deps).lastKnown.remember(`session:${typ}:${sid}:${userId}`, async () => {
    const [row] = await deps.dbs.primary.query<{ user_id: number }>(
      `SELECT user_id FROM core.hs_session WHERE id = $1 AND kind = $2 AND revoked_at IS NULL AND expires_at > $3::timestamptz`,
      [sid, typ, deps.clock.now().toISOString()],
    );
    if (!row || row.user_id !== userId) return null;
    return actorForUser(deps.dbs.primary, userId);
  });
  if (!actor) return null;
  return { actor, sessionId: sid, userId, kind: typ };
}

/** The session of a cookie value, or null (invalid, expired, revoked, disabled user). */
export function sessionFromCookie(
  deps: ServiceDeps,
  cookie: string | undefined | null,
): Promise<VerifiedSession | null> {
  if (!cookie) return Promise.resolve(null);
  return verifyJwt(deps, cookie, "session");
}

/**
 * The CSRF token of a session: an HMAC of its id, so it needs no storage and changes with each
 * login. Pages put it in a `<meta name="csrf-token">` / `hx-headers` (header `X-CSRF-Token`) or a
 * hidden `_csrf` form field.
 */
export async function csrfTokenFor(deps: ServiceDeps, sessionId: string): Promise<string> {
  return createHmac("sha256", await signingKey(deps))
    .update(`csrf:${sessionId}`)
    .digest("base64url");
}

export async function checkCsrfToken(deps: ServiceDeps, sessionId: string, token: string | null | undefined) {
  return !!token && safeEqual(token, await csrfTokenFor(deps, sessionId));
}

interface Checked {
  userId: number;
  email: string;
  displayName: string | null;
  mustChange: boolean;
}

/**
 * Checks an email and password, rate limited (per account and per client address) and audited.
 * @throws AppError rate_limited, unauthorized (same message for unknown email, wrong password,
 * disabled user, no password).
 */
async function checkPassword(
  deps: ServiceDeps,
  input: { email: string; password: string; ip?: string | null; via: string },
): Promise<Checked> {
  let email: string;
  try {
    email = normalizeEmail(input.email);
  } catch {
    email = String(input.email ?? "")
      .slice(0, 200)
      .toLowerCase();
  }
  const runtime = accessRuntime(deps);
  const limiter = runtime.loginLimiter;
  const keys = [`account:${email}`, `ip:${input.ip ?? "unknown"}`];
  const wait = limiter.retryAfter(keys);
  if (wait > 0) {
    // Audited once a minute per account and address, so a flood cannot fill the audit log.
    const seen = keys.join(" ");
    const now = deps.clock.now().getTime();
    if ((runtime.limitedAudited.get(seen) ?? 0) < now - 60_000) {
      if (runtime.limitedAudited.size > 10_000) runtime.limitedAudited.clear();
      runtime.limitedAudited.set(seen, now);
      await recordAudit(deps.dbs.primary, null, {
        action: "login.limited",
        details: { email, via: input.via },
        ip: input.ip,
      });
    }
    throw new AppError(
      "rate_limited",
      `too many login attempts; try again in ${wait} s`,
      undefined,
      undefined,
    );
  }
  const release = limiter.reserve(keys);
  // An email no text column can hold (NUL, lone surrogate) names no user: no query, same answer,
  // and the audit records it with those characters replaced.
  const storable = !email.includes("\u0000") && email.isWellFormed();
  if (!storable) email = email.toWellFormed().replaceAll("\u0000", "\ufffd");
  const [row] = !storable
    ? []
    : await deps.dbs.primary.query<{
        id: number;
        email: string;
        display_name: string | null;
        disabled: boolean;
        password_hash: string | null;
        must_change: boolean | null;
      }>(
        `SELECT u.id, u.email, u.display_name, (u.disabled_ts IS NOT NULL) AS disabled, c.password_hash, c.must_change
       FROM core."user" u LEFT JOIN core.hs_credential c ON c.user_id = u.id WHERE lower(u.email) = $1`,
        [email],
      );
  const ok = await verifyPassword(
    typeof input.password === "string" ? input.password.slice(0, 1024) : "",
    row?.password_hash ?? (await dummyPasswordHash()),
  );
  if (!row?.password_hash || row.disabled || !ok) {
    await recordAudit(deps.dbs.primary, null, {
      action: "login.failed",
      target: row ? `user:${row.id}` : null,
      details: { email, via: input.via },
      ip: input.ip,
    });
    throw new AppError("unauthorized", "invalid email or password");
  }
  release();
  return { userId: row.id, email: row.email, displayName: row.display_name, mustChange: !!row.must_change };
}

export interface LoginResult {
  /** The session cookie's value (a JWT); set it with the http/auth helpers. */
  cookie: string;
  sessionId: string;
  expiresAt: Date;
  user: { id: number; email: string; display_name: string | null };
  mustChangePassword: boolean;
}

/**
 * Browser login: checks the password and opens a session. Audited (`login.ok` / `login.failed`).
 * @throws AppError rate_limited, unauthorized.
 */
export async function login(opts: {
  deps: ServiceDeps;
  email: string;
  password: string;
  ip?: string | null;
  userAgent?: string | null;
}): Promise<LoginResult> {
  const { deps } = opts;
  const who = await checkPassword(deps, { ...opts, via: "login" });
  const issued = await issueJwt(deps, {
    userId: who.userId,
    kind: "session",
    ip: opts.ip,
    userAgent: opts.userAgent,
  });
  await recordAudit(deps.dbs.primary, null, {
    action: "login.ok",
    target: `user:${who.userId}`,
    details: { email: who.email, via: "login" },
    ip: opts.ip,
  });
  return {
    cookie: issued.jwt,
    sessionId: issued.sessionId,
    expiresAt: issued.expiresAt,
    user: { id: who.userId, email: who.email, display_name: who.displayName },
    mustChangePassword: who.mustChange,
  };
}

/** Ends the session of a cookie value (no-op for an invalid one). Audited (`logout`). */
export async function logout(opts: {
  deps: ServiceDeps;
  cookie: string | null | undefined;
  ip?: string | null;
}) {
  const s = await sessionFromCookie(opts.deps, opts.cookie);
  if (!s) return;
  await opts.deps.dbs.primary.query("UPDATE core.hs_session SET revoked_at = now() WHERE id = $1", [
    s.sessionId,
  ]);
  accessChanged(opts.deps);
  await recordAudit(opts.deps.dbs.primary, s.actor, {
    action: "logout",
    target: `user:${s.userId}`,
    ip: opts.ip,
  });
}

/**
 * `POST /authorize/token`: `Authorization: Basic base64(email:password)` → a bearer access token
 * acting as the user. Audited like a login (`via: token`).
 * @throws AppError unauthorized, rate_limited.
 */
export async function authorizeToken(opts: {
  deps: ServiceDeps;
  authorization: string | null | undefined;
  ip?: string | null;
}): Promise<{ access_token: string; token_type: "bearer"; expires_in: number }> {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(opts.authorization ?? "");
  if (!m) throw new AppError("unauthorized", "Authorization: Basic base64(email:password) required");
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 1) throw new AppError("unauthorized", "Authorization: Basic base64(email:password) required");
  const who = await checkPassword(opts.deps, {
    email: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    ip: opts.ip,
    via: "token",
  });
  const ttl = opts.deps.config.sessionHours * 3600;
  const issued = await issueJwt(opts.deps, {
    userId: who.userId,
    kind: "access",
    ip: opts.ip,
    ttlSeconds: ttl,
  });
  await recordAudit(opts.deps.dbs.primary, null, {
    action: "login.ok",
    target: `user:${who.userId}`,
    details: { email: who.email, via: "token" },
    ip: opts.ip,
  });
  return { access_token: issued.jwt, token_type: "bearer", expires_in: ttl };
}

/**
 * The actor of a bearer credential we issued: an API token (`hst_…`) or an access JWT from
 * `POST /authorize/token`. Null when invalid, expired, revoked, or its user is disabled.
 */
export async function actorForBearer(deps: ServiceDeps, token: string): Promise<Actor | null> {
  if (token.startsWith(API_TOKEN_PREFIX)) return actorForApiToken(deps, token);
  return (await verifyJwt(deps, token, "access"))?.actor ?? null;
}
