// Haystack client authentication (Haystack Auth spec): the HELLO → SCRAM-SHA-256 → BEARER exchange
// against the SCRAM credentials stored with every password (read through access/), and the auth
// tokens it issues. Handshakes and auth tokens live in this process's memory (a restart asks
// clients to log in again); `close` ends a token.
import { createHmac, randomBytes } from "node:crypto";
import type { Actor } from "../access/actor.ts";
import { scramCredentialsOf } from "../access/credentials.ts";
import { actorForUser } from "../access/resolve.ts";
import { accessRuntime } from "../access/runtime.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { slot } from "../runtime.ts";
import {
  fromBase64Uri,
  parseClientFirst,
  type ScramCredentials,
  ScramError,
  type ScramState,
  serverFirst,
  toBase64Uri,
  verifyClientFinal,
} from "./scram.ts";

const HANDSHAKE_TTL_MS = 60_000;
const MAX_HANDSHAKES = 10_000;
const FAKE_ITERATIONS = 10_000;

interface Handshake {
  username: string;
  userId: number | null;
  creds: ScramCredentials;
  state: ScramState | null;
  expiresAt: number;
}

interface AuthRuntime {
  handshakes: Map<string, Handshake>;
  tokens: Map<string, { userId: number; expiresAt: number }>;
  /** Keys fake credentials of unknown users (same answers every time: no user oracle). */
  fakeKey: Buffer;
}

/** This process's handshakes and Haystack auth tokens (a slot of deps.runtime). */
const HAYSTACK_AUTH = slot(
  "haystack.auth",
  (): AuthRuntime => ({ handshakes: new Map(), tokens: new Map(), fakeKey: randomBytes(32) }),
);
const authRuntime = (deps: Pick<ServiceDeps, "runtime">): AuthRuntime => HAYSTACK_AUTH.of(deps);

// Hex, not base64url: some clients (phable) cut a handshakeToken at `-` or `_`.
const newToken = (): string => randomBytes(32).toString("hex");

function sweep(r: AuthRuntime, now: number): void {
  for (const [k, h] of r.handshakes) if (h.expiresAt <= now) r.handshakes.delete(k);
  for (const [k, t] of r.tokens) if (t.expiresAt <= now) r.tokens.delete(k);
}

/** A parsed `Authorization` header: scheme lower-cased, parameter names lower-cased. */
export interface AuthHeader {
  scheme: string;
  params: Map<string, string>;
  /** The bare credential of `Bearer <token>`. */
  token68?: string;
}

/** Parses `SCHEME a=b, c=d` or `Bearer token`; null when empty. @throws AppError unauthorized */
export function parseAuthHeader(value: string | undefined): AuthHeader | null {
  const v = value?.trim();
  if (!v) return null;
  const sp = v.search(/\s/);
  const scheme = (sp < 0 ? v : v.slice(0, sp)).toLowerCase();
  const rest = sp < 0 ? "" : v.slice(sp + 1).trim();
  const params = new Map<string, string>();
  if (rest && !/^[A-Za-z][A-Za-z0-9_]*\s*=\s*\S/.test(rest)) return { scheme, params, token68: rest };
  for (const part of rest.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq <= 0) throw new AppError("unauthorized", "malformed Authorization header");
    let val = p.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1);
    params.set(p.slice(0, eq).trim().toLowerCase(), val);
  }
  return { scheme, params };
}

/** The stored SCRAM credentials of a user, as the exchange uses them (bytes, not base64). */
async function credentialsOf(
  deps: ServiceDeps,
  username: string,
): Promise<{ userId: number; creds: ScramCredentials } | null> {
  // A name no text column can hold (NUL, lone surrogate) names no user: no query.
  if (username.includes("\u0000") || !username.isWellFormed()) return null;
  const found = await scramCredentialsOf(deps.dbs.primary, username);
  if (!found) return null;
  const { salt, iterations, storedKey, serverKey } = found.creds;
  return {
    userId: found.userId,
    creds: {
      salt: Buffer.from(salt, "base64"),
      iterations,
      storedKey: Buffer.from(storedKey, "base64"),
      serverKey: Buffer.from(serverKey, "base64"),
    },
  };
}

function fakeCredentials(r: AuthRuntime, username: string): ScramCredentials {
  const h = (label: string) =>
    createHmac("sha256", r.fakeKey).update(`${label}:${username.toLowerCase()}`).digest();
  return {
    salt: h("salt").subarray(0, 16),
    iterations: FAKE_ITERATIONS,
    storedKey: h("stored"),
    serverKey: h("server"),
  };
}

/** The login limiter's keys: the account and the client address, as password logins use them. */
const limitKeys = (username: string, ip: string | null | undefined): string[] => [
  `account:${username.trim().toLowerCase()}`,
  `ip:${ip ?? "unknown"}`,
];

/** What to send back for one step of the exchange. */
export type AuthStep =
  | { kind: "challenge"; wwwAuthenticate: string }
  | { kind: "done"; authenticationInfo: string; authToken: string };

/**
 * HELLO: starts a SCRAM handshake for the user named (base64uri) in `username`. Unknown users get
 * a handshake too (it fails at the proof), so the answer does not reveal who exists.
 * @throws AppError unauthorized when the header is malformed, rate_limited after 10 failed
 *   logins of that account or from that client address in a minute (the limiter password logins
 *   use).
 */
export async function helloHandshake(
  deps: ServiceDeps,
  header: AuthHeader,
  ip?: string | null,
): Promise<AuthStep> {
  const r = authRuntime(deps);
  const now = deps.clock.now().getTime();
  sweep(r, now);
  if (r.handshakes.size >= MAX_HANDSHAKES) throw new AppError("rate_limited", "too many logins in progress");
  const encoded = header.params.get("username");
  if (!encoded) throw new AppError("unauthorized", "HELLO needs username");
  let username: string;
  try {
    username = fromBase64Uri(encoded);
  } catch {
    throw new AppError("unauthorized", "HELLO username is not base64uri");
  }
  const wait = accessRuntime(deps).loginLimiter.retryAfter(limitKeys(username, ip));
  if (wait > 0) throw new AppError("rate_limited", `too many login attempts; try again in ${wait} s`);
  const found = await credentialsOf(deps, username);
  const token = newToken();
  r.handshakes.set(token, {
    username,
    userId: found?.userId ?? null,
    creds: found?.creds ?? fakeCredentials(r, username),
    state: null,
    expiresAt: now + HANDSHAKE_TTL_MS,
  });
  return { kind: "challenge", wwwAuthenticate: `SCRAM handshakeToken=${token}, hash=SHA-256` };
}

/**
 * One SCRAM message: the client-first (answered with the server-first challenge) or the
 * client-final (answered with an auth token and the server signature).
 * @throws AppError unauthorized (unknown or expired handshake, malformed message),
 *   forbidden (wrong password, unknown user, or a user name other than the HELLO's),
 *   rate_limited (the account or address is over the login limit: no proof is checked).
 */
export async function scramStep(
  deps: ServiceDeps,
  header: AuthHeader,
  ip?: string | null,
): Promise<AuthStep> {
  const r = authRuntime(deps);
  const now = deps.clock.now().getTime();
  sweep(r, now);
  const token = header.params.get("handshaketoken") ?? "";
  const hs = r.handshakes.get(token);
  if (!hs) throw new AppError("unauthorized", "unknown or expired handshake");
  let message: string;
  try {
    message = fromBase64Uri(header.params.get("data") ?? "");
  } catch {
    r.handshakes.delete(token);
    throw new AppError("unauthorized", "SCRAM data is not base64uri");
  }
  try {
    if (!hs.state) {
      const first = parseClientFirst(message);
      if (first.username.toLowerCase() !== hs.username.toLowerCase()) {
        r.handshakes.delete(token);
        throw new AppError("forbidden", "authentication failed");
      }
      hs.state = serverFirst(first, hs.creds, randomBytes(18).toString("base64url"));
      return {
        kind: "challenge",
        wwwAuthenticate: `SCRAM handshakeToken=${token}, hash=SHA-256, data=${toBase64Uri(hs.state.serverFirst)}`,
      };
    }
    r.handshakes.delete(token);
    // Failed proofs count against the account and address like failed password logins (shared
    // limiter); over the limit, the proof is not even checked.
    const keys = limitKeys(hs.username, ip);
    const wait = accessRuntime(deps).loginLimiter.retryAfter(keys);
    if (wait > 0) throw new AppError("rate_limited", `too many login attempts; try again in ${wait} s`);
    const release = accessRuntime(deps).loginLimiter.reserve(keys);
    const serverFinal = verifyClientFinal(hs.state, message, hs.creds);
    if (hs.userId === null) throw new AppError("forbidden", "authentication failed");
    release();
    const authToken = newToken();
    r.tokens.set(authToken, { userId: hs.userId, expiresAt: now + deps.config.sessionHours * 3_600_000 });
    return {
      kind: "done",
      authToken,
      authenticationInfo: `authToken=${authToken}, hash=SHA-256, data=${toBase64Uri(serverFinal)}`,
    };
  } catch (e) {
    if (e instanceof ScramError) {
      r.handshakes.delete(token);
      if (e.message === "invalid proof") throw new AppError("forbidden", "authentication failed");
      throw new AppError("unauthorized", e.message);
    }
    throw e;
  }
}

/** The actor an auth token issued by the SCRAM exchange stands for; null when unknown or expired. */
export async function actorForAuthToken(deps: ServiceDeps, token: string): Promise<Actor | null> {
  const r = authRuntime(deps);
  const t = r.tokens.get(token);
  if (!t) return null;
  if (t.expiresAt <= deps.clock.now().getTime()) {
    r.tokens.delete(token);
    return null;
  }
  // Who the token's user is, as last read during a primary outage (as sessions and API tokens are).
  return accessRuntime(deps).lastKnown.remember(`haystack-user:${t.userId}`, () =>
    actorForUser(deps.dbs.primary, t.userId),
  );
}

/** Ends an auth token (the `close` op). Returns whether it was one of ours. */
export function closeAuthToken(deps: ServiceDeps, token: string): boolean {
  return authRuntime(deps).tokens.delete(token);
}
