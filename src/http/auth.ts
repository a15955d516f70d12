// Authentication on every request, CSRF protection for cookie sessions, and security headers.
// - Public routes are an explicit list (method + exact PATH, never the query string): exactly
//   those CONTRACT.md marks public. Every other request needs credentials, else 401.
// - Credentials: `Authorization: Bearer <API token | access JWT>` (also the Haystack form
//   `Bearer authToken=<token>`), or the session cookie. A header that is present but invalid is
//   401; it never falls back to the cookie.
// - Cookie-authenticated unsafe requests must come from our own origin (Origin / Sec-Fetch-Site)
//   and carry the session's CSRF token (`X-CSRF-Token` header or `_csrf` form field). Pages get
//   the token from `c.get("csrfToken")`.
// - Haystack paths (`/api/…`) accept our credentials too, but the Haystack route owns its own
//   exchange (HELLO / SCRAM / `BEARER authToken=`) and its 401 challenges: there, missing or
//   unrecognised credentials pass through with a null actor, and the route answers 401 itself.
// - Bearer credentials are resolved once and their actor kept in memory for up to a minute (and
//   never past the credential's expiry), served only while the credential stamp
//   (access/changes.ts `credentialStamp`) has not moved: any revocation, disabled user or org, or
//   membership change made by this process is seen by the next request, one made by another
//   process as soon as its notification arrives (LISTEN/NOTIFY); while the listener is not known to
//   hear, the credential generation is read on every request instead. A poller's request costs no
//   query instead of a JWT check and three queries. Session cookies are remembered the same way (a
//   page request was five queries before).
// - Org checks happen in services (requireRole); routes get the actor through `actorOf(c)`.
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { decodeJwt } from "jose";
import type { Actor } from "../access/actor.ts";
import { credentialStamp } from "../access/changes.ts";
import { API_TOKEN_PREFIX } from "../access/resolve.ts";
import {
  actorForBearer,
  checkCsrfToken,
  csrfTokenFor,
  SESSION_COOKIE,
  type VerifiedSession,
  verifyJwt,
} from "../access/sessions.ts";
import { apiTokenExpiry } from "../access/tokens.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { slot } from "../runtime.ts";

/** The routes anyone may call. `prefix` entries match a path that starts with it. */
export const PUBLIC_ROUTES: readonly { method: string; path?: string; prefix?: string }[] = [
  { method: "GET", path: "/health" },
  { method: "GET", path: "/health/databases" },
  { method: "GET", path: "/metrics" },
  { method: "POST", path: "/authorize/token" },
  { method: "GET", path: "/login" },
  { method: "POST", path: "/login" },
  { method: "GET", prefix: "/static/" },
];

export function isPublic(method: string, path: string): boolean {
  const m = method === "HEAD" ? "GET" : method;
  return PUBLIC_ROUTES.some(
    (r) => r.method === m && (r.path !== undefined ? path === r.path : path.startsWith(r.prefix!)),
  );
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Paths whose route authenticates Haystack clients itself (see the header). */
export const HAYSTACK_PREFIX = "/api/";

/** The authenticated actor of a request. @throws AppError unauthorized on a public route without one. */
export function actorOf(c: Context): Actor {
  const a = c.get("actor") as Actor | null | undefined;
  if (!a) throw new AppError("unauthorized", "not authenticated");
  return a;
}

/** The client address: the socket's, or the last X-Forwarded-For hop when TRUST_PROXY is set. */
export function clientIp(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const hops = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (hops.length) return hops[hops.length - 1]!.slice(0, 64);
  }
  const server = (
    c.env as { server?: { requestIP?: (r: Request) => { address: string } | null } } | undefined
  )?.server;
  try {
    return server?.requestIP?.(c.req.raw)?.address ?? null;
  } catch {
    return null;
  }
}

/** True when cookies must be `Secure`: the request came over HTTPS or PUBLIC_URL is https. */
export function isSecureRequest(c: Context, publicUrl: string | undefined): boolean {
  if (publicUrl?.startsWith("https:")) return true;
  if (new URL(c.req.url).protocol === "https:") return true;
  return c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

/** Sets the session cookie from a login result. */
export function setSessionCookie(
  c: Context,
  deps: Pick<ServiceDeps, "config" | "clock">,
  session: { cookie: string; expiresAt: Date },
): void {
  setCookie(c, SESSION_COOKIE, session.cookie, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: isSecureRequest(c, deps.config.publicUrl),
    expires: session.expiresAt,
    maxAge: Math.max(0, Math.floor((session.expiresAt.getTime() - deps.clock.now().getTime()) / 1000)),
  });
}

export function clearSessionCookie(c: Context, deps: Pick<ServiceDeps, "config">): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: isSecureRequest(c, deps.config.publicUrl),
  });
}

export function sessionCookieOf(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

function unauthorized(detail: string): never {
  throw new AppError("unauthorized", detail, undefined, undefined, {
    "www-authenticate": 'Bearer realm="haystack-sim"',
  });
}

/** Our own origin(s): PUBLIC_URL's, and the one the request was addressed to. */
function sameOrigin(c: Context, origin: string, publicUrl: string | undefined): boolean {
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if (publicUrl && new URL(publicUrl).origin === o.origin) return true;
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  return o.host === host && (o.protocol === "http:" || o.protocol === "https:");
}

/** Refuses unsafe cross-site browser requests (any request with a foreign Origin or Sec-Fetch-Site). */
function crossSite(c: Context, publicUrl: string | undefined): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = c.req.header("origin");
  if (origin !== undefined && !sameOrigin(c, origin, publicUrl)) return true;
  return false;
}

async function csrfTokenOfRequest(c: Context): Promise<string | undefined> {
  const header = c.req.header("x-csrf-token");
  if (header) return header;
  const type = c.req.header("content-type") ?? "";
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    const body = await c.req.parseBody();
    const v = body._csrf;
    return typeof v === "string" ? v : undefined;
  }
  return undefined;
}

interface Cached<T> {
  value: T;
  /** The credential stamp (access/changes.ts) taken before the value was resolved. */
  gen: string;
  /** Served until then (ms): a minute at most, never past the credential's expiry. */
  until: number;
}

/** What recently seen credentials resolved to, by the exact credential text. */
const BEARERS = slot("http.bearers", () => new Map<string, Cached<Actor>>());
const SESSIONS = slot("http.sessions", () => new Map<string, Cached<VerifiedSession>>());
const CREDENTIAL_TTL_MS = 60_000;
const CREDENTIAL_ENTRIES = 1_000;

/** When a JWT we issued expires (ms since the epoch), or undefined when it says nothing. */
function jwtExpiry(jwt: string): number | undefined {
  const exp = decodeJwt(jwt).exp;
  return typeof exp === "number" ? exp * 1000 : undefined;
}

/** When a bearer credential expires (ms since the epoch), or undefined when unknown. */
async function expiryOf(deps: ServiceDeps, token: string): Promise<number | undefined> {
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const at = await apiTokenExpiry(deps, token);
    return at === undefined ? undefined : at === null ? Number.POSITIVE_INFINITY : at.getTime();
  }
  return jwtExpiry(token);
}

/**
 * What `resolve` makes of a credential, kept for the next requests with the same credential
 * while the credential stamp stays what it was before resolving (see the header). When it cannot
 * be known (the listener is not hearing and the generation cannot be read), nothing is served
 * from memory.
 */
async function remembered<T>(
  deps: ServiceDeps,
  cache: Map<string, Cached<T>>,
  credential: string,
  resolve: () => Promise<T | null>,
  expiry: () => Promise<number | undefined>,
): Promise<T | null> {
  const gen = await credentialStamp(deps);
  if (gen === null) {
    cache.clear();
    return resolve();
  }
  const now = deps.clock.now().getTime();
  const hit = cache.get(credential);
  if (hit && hit.gen === gen && hit.until > now) return hit.value;
  cache.delete(credential);
  const value = await resolve();
  if (value === null) return null;
  const until = await expiry().catch(() => undefined);
  if (until !== undefined && until > now) {
    if (cache.size >= CREDENTIAL_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(credential, { value, gen, until: Math.min(now + CREDENTIAL_TTL_MS, until) });
  }
  return value;
}

/** The actor of a bearer credential, as `actorForBearer` resolves it, remembered (see the header). */
export function bearerActor(deps: ServiceDeps, token: string): Promise<Actor | null> {
  return remembered(
    deps,
    BEARERS.of(deps),
    token,
    () => actorForBearer(deps, token),
    () => expiryOf(deps, token),
  );
}

/** The session of a cookie, as `verifyJwt` resolves it, remembered like bearer credentials. */
export function cookieSession(deps: ServiceDeps, cookie: string): Promise<VerifiedSession | null> {
  return remembered(
    deps,
    SESSIONS.of(deps),
    cookie,
    () => verifyJwt(deps, cookie, "session"),
    async () => jwtExpiry(cookie),
  );
}

/** The auth middleware (see the header of this file). */
export function authMiddleware(deps: ServiceDeps): MiddlewareHandler {
  return async (c, next) => {
    c.set("actor", null);
    c.set("authVia", null);
    c.set("sessionId", null);
    c.set("csrfToken", null);
    const method = c.req.method;
    const path = c.req.path;
    if (isPublic(method, path)) {
      if (!SAFE.has(method) && crossSite(c, deps.config.publicUrl))
        throw new AppError("forbidden", "cross-site request refused");
      return next();
    }
    const haystack = path.startsWith(HAYSTACK_PREFIX);
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const m = /^Bearer\s+(?:authToken=)?([^\s,]+)\s*$/i.exec(authorization);
      if (!m) return haystack ? next() : unauthorized("unsupported authorization scheme; use Bearer");
      const token = m[1]!;
      const actor = await bearerActor(deps, token);
      if (actor) {
        c.set("actor", actor);
        c.set("authVia", actor.kind === "token" ? "api_token" : "bearer");
      }
      if (!actor && !haystack) return unauthorized("invalid, expired or revoked token");
      return next();
    }
    const cookie = sessionCookieOf(c);
    const s = cookie ? await cookieSession(deps, cookie) : null;
    if (!s) {
      if (haystack) return next();
      if (cookie) clearSessionCookie(c, deps);
      return unauthorized(cookie ? "session expired; sign in again" : "not authenticated");
    }
    if (!SAFE.has(method)) {
      if (crossSite(c, deps.config.publicUrl)) throw new AppError("forbidden", "cross-site request refused");
      if (!(await checkCsrfToken(deps, s.sessionId, await csrfTokenOfRequest(c))))
        throw new AppError("forbidden", "missing or invalid CSRF token");
    }
    c.set("actor", s.actor);
    c.set("authVia", "cookie");
    c.set("sessionId", s.sessionId);
    c.set("csrfToken", await csrfTokenFor(deps, s.sessionId));
    return next();
  };
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/** Security headers: no-sniff and referrer policy everywhere; CSP and frame denial on HTML. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("x-content-type-options", "nosniff");
    h.set("referrer-policy", "same-origin");
    if ((h.get("content-type") ?? "").includes("text/html")) {
      h.set("content-security-policy", CSP);
      h.set("x-frame-options", "DENY");
    }
  };
}
