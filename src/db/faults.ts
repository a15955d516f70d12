// Database faults: which errors mean "the database is not there", the availability gate that
// lets a database known to be down fail at once instead of queueing on its pool, and the
// last-resort process guard that turns an error escaping a database connection into a logged,
// counted failure of that database instead of a process exit.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "../log.ts";

const CONNECTION_CODES =
  /^(CONNECTION_(CLOSED|UNAVAILABLE)|CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ConnectionRefused|ConnectionClosed)$/;

/**
 * True for errors that mean the database could not be reached or stopped serving: socket errors,
 * postgres.js connection errors, SQLSTATE class 08 (connection exception) and 57P01–57P03
 * (administrator/crash shutdown, cannot connect now). Not for errors of a statement.
 */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = String((e as { code?: unknown }).code ?? "");
  const errno = String((e as { errno?: unknown }).errno ?? "");
  return CONNECTION_CODES.test(code) || CONNECTION_CODES.test(errno) || /^(08|57P0[123])/.test(code);
}

/** Thrown at once by a database known to be down (no round trip, no wait on the pool). */
export class DatabaseUnavailableError extends Error {
  readonly code = "CONNECTION_UNAVAILABLE";
  constructor(
    readonly key: string,
    readonly since: Date,
    readonly reason: string,
  ) {
    super(`database ${key} unavailable since ${since.toISOString()} (${reason})`);
    this.name = "DatabaseUnavailableError";
  }
}

export interface Availability {
  readonly up: boolean;
  /** When the database was found down (undefined while up). */
  readonly downSince: Date | undefined;
  /** The error that took it down (undefined while up). */
  readonly reason: string | undefined;
}

export interface AvailabilityGate {
  state(): Availability;
  /** @throws DatabaseUnavailableError while the database is known to be down. */
  check(): void;
  /** A query failed with `e`: a connection error is checked at once by a probe. */
  failed(e: unknown): void;
  /** A probe or health ping answered. */
  answered(): void;
  /** A health ping did not answer: the database is down now. */
  unreachable(e: unknown): void;
  onChange(fn: (a: Availability) => void): () => void;
  close(): void;
}

export interface GateOptions {
  key: string;
  /** One round trip, bounded; rejects when the database does not answer. */
  probe: () => Promise<unknown>;
  /** Probe delays while down: from `minDelayMs`, doubling, capped at `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** A connection that was open and has since been closed: says nothing of the server now. */
const DROPPED = /^(CONNECTION_CLOSED|ECONNRESET|EPIPE|57P01)$/;
const PROBE_ATTEMPTS = 3;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Tracks whether a database is reachable. A connection error makes it probe at once; a failed
 * probe or health ping marks it down, and while it is down `check()` throws immediately and a
 * probe retries with a short, capped back-off (50 ms doubling to 1 s by default), so the first
 * request after the server returns finds it up within about a second.
 */
export function createAvailabilityGate(opts: GateOptions): AvailabilityGate {
  const minDelay = opts.minDelayMs ?? 50;
  const maxDelay = opts.maxDelayMs ?? 1000;
  let downSince: Date | undefined;
  let reason: string | undefined;
  let probing = false;
  let closed = false;
  let timer: Timer | undefined;
  const listeners = new Set<(a: Availability) => void>();
  const state = (): Availability => ({ up: downSince === undefined, downSince, reason });
  const notify = () => {
    const s = state();
    for (const fn of listeners) {
      try {
        fn(s);
      } catch {
        // A listener's failure must not change the database's state.
      }
    }
  };
  const markDown = (e: unknown) => {
    reason = message(e);
    if (downSince) return;
    downSince = new Date();
    notify();
    scheduleProbe(minDelay);
  };
  const markUp = () => {
    if (!downSince) return;
    downSince = reason = undefined;
    clearTimeout(timer);
    notify();
  };
  /** One probe; a pooled connection that the server dropped earlier is retried on a fresh one. */
  const attempt = async () => {
    for (let i = 1; ; i++) {
      try {
        return await opts.probe();
      } catch (e) {
        if (i >= PROBE_ATTEMPTS || !DROPPED.test(String((e as { code?: unknown }).code))) throw e;
      }
    }
  };
  const probe = async (nextDelay: number) => {
    if (probing || closed) return;
    probing = true;
    try {
      await attempt();
      markUp();
    } catch (e) {
      markDown(e);
      if (downSince && !closed) scheduleProbe(Math.min(nextDelay * 2, maxDelay));
    } finally {
      probing = false;
    }
  };
  function scheduleProbe(delay: number) {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(() => void probe(delay), delay);
    timer.unref?.();
  }
  return {
    state,
    check: () => {
      if (downSince) throw new DatabaseUnavailableError(opts.key, downSince, reason ?? "unreachable");
    },
    failed: (e) => {
      if (!isConnectionError(e) || e instanceof DatabaseUnavailableError || downSince) return;
      void probe(minDelay);
    },
    answered: markUp,
    unreachable: markDown,
    onChange: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close: () => {
      closed = true;
      clearTimeout(timer);
      listeners.clear();
    },
  };
}

// --- the last-resort guard ---------------------------------------------------------------------

interface Endpoint {
  key: string;
  host: string;
  port: number;
  gate: AvailabilityGate;
}

const endpoints = new Set<Endpoint>();
/**
 * The database whose driver code is running. Every call into a database's driver runs inside it
 * (`withinDatabase`), and the driver's sockets, timers and immediates carry the context in which
 * they were made, so an error thrown later from one of its callbacks (the nextWrite race threw a
 * bare TypeError, with no address) still names its database, however many share a host and port.
 */
const current = new AsyncLocalStorage<string>();

/** Runs `fn` (a call into the driver of database `key`) so that what escapes from it names `key`. */
export function withinDatabase<T>(key: string, fn: () => T): T {
  return current.run(key, fn);
}
const escapedCounts = new Map<string, number>();
let guardLog: Pick<Logger, "error"> | undefined;
let installed = false;

/** Registers a server database, so an error escaping its connections is attributed to it. */
export function registerEndpoint(e: Endpoint): () => void {
  endpoints.add(e);
  return () => endpoints.delete(e);
}

/** Errors that escaped a database connection (uncaught), per database key, since start. */
export function escapedFaults(): ReadonlyMap<string, number> {
  return escapedCounts;
}

/** True when `e` comes from a database driver rather than from our code. */
export function isDatabaseFault(e: unknown): boolean {
  if (isConnectionError(e)) return true;
  if (!(e instanceof Error)) return false;
  if (e.name === "PostgresError") return true;
  const stack = e.stack ?? "";
  return /[/\\](postgres|@electric-sql[/\\]pglite)[/\\@]/.test(stack) || /\bsocket\.write\b/.test(e.message);
}

/**
 * The database an escaped error came from: the one whose driver callback threw it (see
 * `withinDatabase`), else the one its address names (errors of postgres.js's connections carry the
 * server's address and port; rejections run outside the context that made them), else the only one.
 */
function sourceOf(e: unknown): { key: string; endpoint: Endpoint | undefined } | undefined {
  const key = current.getStore();
  const byKey = key === undefined ? undefined : [...endpoints].find((ep) => ep.key === key);
  if (key !== undefined) return { key, endpoint: byKey };
  const ep = endpointOf(e);
  return ep ? { key: ep.key, endpoint: ep } : undefined;
}

function endpointOf(e: unknown): Endpoint | undefined {
  const x = e as { address?: unknown; port?: unknown; message?: unknown };
  for (const ep of endpoints) {
    if (x.port !== undefined && Number(x.port) === ep.port && (!x.address || x.address === ep.host))
      return ep;
    if (typeof x.message === "string" && x.message.includes(`${ep.host}:${ep.port}`)) return ep;
  }
  return endpoints.size === 1 ? [...endpoints][0] : undefined;
}

/** Records one escaped error: logged, counted, and the database it came from probed. */
export function recordEscapedFault(e: unknown): void {
  const source = sourceOf(e);
  const key = source?.key ?? "unknown";
  const ep = source?.endpoint;
  escapedCounts.set(key, (escapedCounts.get(key) ?? 0) + 1);
  const line = "an error escaped a database connection; counted as a failure of that database";
  const fields = { database: key, error: message(e) };
  if (guardLog) guardLog.error(line, fields);
  else process.stderr.write(`${new Date().toISOString()} ERROR ${line} ${JSON.stringify(fields)}\n`);
  ep?.gate.unreachable(e);
}

/**
 * Installs (once per process) handlers for uncaught exceptions and unhandled rejections: one that
 * comes from a database driver is recorded (see recordEscapedFault) and the process goes on; any
 * other is logged and ends the process with status 1, as it would without the guard.
 */
export function guardDatabaseFaults(log?: Pick<Logger, "error">): void {
  if (log) guardLog = log;
  if (installed) return;
  installed = true;
  const handle = (e: unknown) => {
    if (isDatabaseFault(e)) return recordEscapedFault(e);
    const fields = { error: message(e), stack: e instanceof Error ? e.stack : undefined };
    if (guardLog) guardLog.error("uncaught error", fields);
    else process.stderr.write(`uncaught error: ${fields.stack ?? fields.error}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", handle);
  process.on("unhandledRejection", handle);
}

// --- answers remembered for an outage ----------------------------------------------------------

export interface OutageMemo {
  /**
   * Runs `fn`; remembers its answer under `key`. When `fn` fails because the database is
   * unreachable, answers the remembered value instead if it is younger than the memo's age limit;
   * otherwise rethrows. Null/undefined answers are not remembered.
   */
  remember<T>(key: string, fn: () => Promise<T>): Promise<T>;
  forget(key: string): void;
  /** Forgets every answer. */
  clear(): void;
}

/**
 * A bounded memo of the last answers read from a database, served only while that database is
 * unreachable, so that what was known before an outage (who a caller is, what a simulator is)
 * stays readable during it. Entries older than `maxAgeMs` are never served.
 */
export function createOutageMemo(opts: {
  maxAgeMs: number;
  maxEntries: number;
  now?: () => number;
}): OutageMemo {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: unknown; at: number }>();
  return {
    async remember<T>(key: string, fn: () => Promise<T>): Promise<T> {
      try {
        const value = await fn();
        if (value === null || value === undefined) entries.delete(key);
        else {
          entries.delete(key);
          entries.set(key, { value, at: now() });
          if (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string);
        }
        return value;
      } catch (e) {
        const hit = entries.get(key);
        if (hit && isConnectionError(e) && now() - hit.at <= opts.maxAgeMs) return hit.value as T;
        throw e;
      }
    },
    clear: () => entries.clear(),
    forget: (key) => {
      entries.delete(key);
    },
  };
}
