/**
 * The plan's `database_config` of a simulator (CONTRACT.md, `/simulator` rows): the client's own
 * record of which databases its simulator is meant for, in the original's `database_config.yaml`
 * shape or any other mapping. This server never connects with it: it writes every simulator to its
 * own configured databases. It is stored and answered back as given, except for secrets:
 * - at rest it is sealed with the poller config key (Fernet, as poller configs are), since such a
 *   record usually holds passwords;
 * - in answers every secret is masked (`MASKED`): the value of a key naming a password, secret,
 *   token or key, and the password of a URL or conninfo string (`postgres://user:********@host/db`,
 *   `password=********`), so no answer, page or log shows a password in clear;
 * - a masked value sent back unchanged (a client that read the record, changed a port and PUT it
 *   back) keeps the stored secret.
 */
import YAML from "yaml";
import { decryptPollerConfig, encryptPollerConfig } from "../catalog/pollers.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { MAX_DEPTH } from "../haystack/depth.ts";

export type DatabaseConfig = Record<string, unknown>;

/** What an answer shows in place of a secret. */
export const MASKED = "********";

const LOC = ["body", "database_config"];
const refuse = (msg: string) =>
  new AppError("invalid", `database_config: ${msg}`, [{ loc: LOC, msg, type: "value_error" }]);

const isMapping = (x: unknown): x is DatabaseConfig =>
  x !== null && typeof x === "object" && !Array.isArray(x);

/** Deepest nesting of arrays and objects. Iterative. */
function depthOf(x: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[x, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > max) max = d + 1;
    if (max > MAX_DEPTH) return max;
    for (const c of Object.values(v)) stack.push([c, d + 1]);
  }
  return max;
}

/**
 * The record from what a client sent: a mapping, or JSON or YAML text of one; null (or blank
 * text) clears it.
 * @throws AppError invalid (422 at `body.database_config`) for anything else.
 */
export function parseDatabaseConfig(x: unknown): DatabaseConfig | null {
  let v = x;
  if (typeof x === "string") {
    if (!x.trim()) return null;
    try {
      v = YAML.parse(x);
    } catch (e) {
      throw refuse(`not valid JSON or YAML: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    }
  }
  if (v === null || v === undefined) return null;
  if (!isMapping(v)) throw refuse("must be a mapping (an object, or JSON or YAML text of one)");
  if (depthOf(v) > MAX_DEPTH) throw refuse(`nested deeper than ${MAX_DEPTH} levels`);
  // YAML may hold what JSON cannot (dates, NaN): the record is kept as JSON.
  const json = JSON.parse(JSON.stringify(v)) as DatabaseConfig;
  return json;
}

/** Keys whose value is a secret. */
const SECRET_KEY = /pass(word|wd)?$|^pwd$|passphrase|secret|token|api[-_]?key|private[-_]?key|credential/i;

/** A string with the password of a URL (`scheme://user:pw@…`), conninfo or query masked. */
export function maskInText(s: string): string {
  let out = s;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  if (scheme) {
    const start = scheme[0].length;
    const end = out.search(/[?#]/);
    const at = out.lastIndexOf("@", end < 0 ? out.length : end);
    const colon = out.indexOf(":", start);
    if (at > start && colon >= 0 && colon < at) out = `${out.slice(0, colon + 1)}${MASKED}${out.slice(at)}`;
  }
  out = out.replace(/([?&](?:ssl)?password=)[^&#]*/gi, `$1${MASKED}`);
  return out.replace(/(^|\s)((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, `$1$2${MASKED}`);
}

function maskValue(key: string | undefined, v: unknown): unknown {
  if (v === null || typeof v === "object") return v;
  if (key !== undefined && SECRET_KEY.test(key)) return v === "" ? v : MASKED;
  return typeof v === "string" ? maskInText(v) : v;
}

/** A copy of the record with every secret masked (see the header). Depth-limited when stored. */
export function maskDatabaseConfig(c: DatabaseConfig | null): DatabaseConfig | null {
  if (!c) return null;
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return maskValue(key, v);
  };
  return walk(c, undefined) as DatabaseConfig;
}

/**
 * `next` with every value that is the masked form of the stored one at the same place (sent back
 * as it was answered) replaced by the stored value.
 */
export function keepMaskedSecrets(next: DatabaseConfig, stored: DatabaseConfig | null): DatabaseConfig {
  if (!stored) return next;
  const walk = (n: unknown, s: unknown, key: string | undefined): unknown => {
    if (Array.isArray(n)) return n.map((x, i) => walk(x, Array.isArray(s) ? s[i] : undefined, key));
    if (isMapping(n))
      return Object.fromEntries(
        Object.entries(n).map(([k, x]) => [k, walk(x, isMapping(s) ? s[k] : undefined, k)]),
      );
    return s !== undefined && n !== s && maskValue(key, s) === n ? s : n;
  };
  return walk(next, stored, undefined) as DatabaseConfig;
}

/** The record sealed for the `database_config` column (null stays null). */
export async function sealDatabaseConfig(
  deps: ServiceDeps,
  c: DatabaseConfig | null,
): Promise<string | null> {
  return c ? encryptPollerConfig(deps, c) : null;
}

/**
 * The stored record, unsealed (in clear: only for merging an update; answers mask it). A value
 * that cannot be unsealed (the poller config key was replaced) reads as null, and is logged.
 */
export async function openDatabaseConfig(
  deps: ServiceDeps,
  sealed: string | null | undefined,
): Promise<DatabaseConfig | null> {
  if (!sealed) return null;
  try {
    return JSON.parse(await decryptPollerConfig(deps, sealed)) as DatabaseConfig;
  } catch (e) {
    deps.log.warn("a simulator's database_config cannot be read with this poller config key", { error: e });
    return null;
  }
}

/** Masked answers per deps, keyed by the sealed text (a list decrypts each distinct value once). */
const maskedCache = new WeakMap<ServiceDeps, Map<string, DatabaseConfig | null>>();
const MASKED_CACHE_MAX = 1_000;

/**
 * The stored record as answers show it (secrets masked). The masked form of a sealed value never
 * changes, so it is kept per deps (bounded); a value that cannot be unsealed is not kept, and is
 * logged each time it is read.
 */
export async function maskedDatabaseConfig(
  deps: ServiceDeps,
  sealed: string | null | undefined,
): Promise<DatabaseConfig | null> {
  if (!sealed) return null;
  let cache = maskedCache.get(deps);
  if (!cache) {
    cache = new Map();
    maskedCache.set(deps, cache);
  }
  const hit = cache.get(sealed);
  if (hit !== undefined) return hit;
  const open = await openDatabaseConfig(deps, sealed);
  if (!open) return null;
  const masked = maskDatabaseConfig(open);
  if (cache.size >= MASKED_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(sealed, masked);
  return masked;
}
