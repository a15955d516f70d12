// Connections: one interface over a PostgreSQL server (postgres.js pool) and an embedded PGlite
// directory (drizzle runs through it: see orm.ts). Sessions run in UTC; `timestamp` columns hold UTC wall time and
// come back as Dates; numeric and bigint come back as JS numbers.
import type { Writable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { engineFsBundle, engineModule, initdbModule } from "./engine.ts";
import {
  type Availability,
  createAvailabilityGate,
  DatabaseUnavailableError,
  registerEndpoint,
  withinDatabase,
} from "./faults.ts";
import { type DirLock, lockDirectory } from "./lock.ts";
import { type ListenHandlers, listenPostgres, type StopListening } from "./notify.ts";
import { checkCopyDepth, checkParamDepth } from "./param-guard.ts";
import { unpackDataDir } from "./seed.ts";

export type Engine = "postgresql" | "timescaledb" | "pglite";
export type Row = Record<string, unknown>;

/** Something that runs SQL: a database or an open transaction. */
export interface Sql {
  /**
   * One statement with `$1…` parameters; returns its rows. `prepare` keeps it as a named prepared
   * statement of the connection (PostgreSQL servers; for hot statements of a fixed text).
   */
  query<T = Row>(text: string, params?: readonly unknown[], opts?: { prepare?: boolean }): Promise<T[]>;
  /** Several statements without parameters (migrations, DDL). */
  exec(text: string): Promise<void>;
  /**
   * Inside a transaction only: runs fn under a savepoint. When fn throws, the work since the
   * savepoint is undone, the error is rethrown, and the transaction stays usable.
   */
  savepoint?<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** COPY into a table: see `copyIn`, which calls it. */
  copyIn?(target: string, data: CopyData): Promise<void>;
}

export interface Database extends Sql {
  readonly key: string;
  readonly kind: "postgres" | "pglite";
  /** The embedded data directory, for pglite. */
  readonly dir: string | undefined;
  /** Embedded only: this open created the data directory (from the built-in seed, or initdb). */
  readonly created?: boolean;
  /**
   * Runs fn in one transaction; commits when it resolves, rolls back when it throws.
   * `pipelined` (PostgreSQL servers; PGlite has no round trips to save): BEGIN is sent with fn's
   * first statements instead of being answered first, one round trip less. The transaction then
   * has no `savepoint`; a commit that the server turns into a rollback (a statement of fn failed
   * unseen) rejects.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: { pipelined?: boolean }): Promise<T>;
  /** `timescaledb` when the extension is installed in this database. */
  engine(): Promise<Engine>;
  /**
   * Round trip in milliseconds; throws when unreachable. Bypasses the availability gate and
   * feeds it: a failed ping marks the database down, an answer marks it up.
   */
  ping(timeoutMs?: number): Promise<number>;
  /**
   * Whether the database is known to be down (a failed connect or health ping). While it is,
   * `query`, `exec` and `transaction` reject at once with DatabaseUnavailableError (code
   * CONNECTION_UNAVAILABLE) instead of waiting on the pool, and a probe retries with a short,
   * capped back-off. An embedded database is up until its engine aborts (a WebAssembly
   * `RuntimeError: Aborted()`); then it is down for good: every call rejects at once with
   * DatabaseUnavailableError, and its owner must stop or re-open it.
   */
  availability(): Availability;
  /** Calls `fn` on every change of availability; returns the unsubscribe function. */
  onAvailability(fn: (a: Availability) => void): () => void;
  /**
   * Hears the notifications of `channel` (notify.ts): `onListen` each time LISTEN holds (again),
   * `onDown` when it may have stopped hearing. Closing the database stops it.
   */
  listen(channel: string, handlers: ListenHandlers): StopListening;
  close(): Promise<void>;
  /** Embedded only: a gzip'd tarball of the data directory (for backups and test snapshots). */
  dumpDataDir?(): Promise<Blob>;
}

const parseTimestamp = (s: string) => new Date(`${s.replace(" ", "T")}Z`);
const parseNumber = (s: string) => Number(s);

export interface OpenOptions {
  key: string;
  url: string;
  /** Pool size for servers. */
  max?: number;
  /** A dump produced by `dumpDataDir` to initialise an empty embedded directory from. */
  seed?: Blob;
  /** Another embedded build to open instead of the bundled PGlite (the tests' TimescaleDB one). */
  embedded?: EmbeddedBuild;
}

/**
 * Creates a PGlite-compatible instance on `dataDir` (undefined: in memory) with the given data
 * directory dump and type parsers.
 */
export type EmbeddedBuild = (
  dataDir: string | undefined,
  opts: { loadDataDir?: Blob; parsers: Record<number, (s: string) => unknown> },
) => Promise<PGlite>;

/** Opens a database by URL: `postgres://…` or `pglite://<dir>` (`pglite://memory` for in-memory). */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url.startsWith("pglite://"))
    return openPglite(opts.key, opts.url.slice("pglite://".length), opts.seed, opts.embedded);
  return openPostgres(opts.key, opts.url, opts.max ?? 10);
}

function openPostgres(key: string, url: string, max: number): Database {
  const common = {
    max,
    idle_timeout: 60,
    // A refused connect fails in milliseconds; a host that does not answer at all must fail well
    // before Bun's 10 s request timeout.
    connect_timeout: CONNECT_TIMEOUT_S,
    // postgres.js's default grows to 20 s and is shared by the pool: after an outage every
    // request would wait that long for a reconnect. Retry quickly, capped at half a second.
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
    connection: { TimeZone: "UTC", application_name: "haystack-sim", jit: "off" },
  } as const;
  const raw = postgres(url, {
    ...common,
    types: {
      timestamp: {
        to: 1114,
        from: [1114],
        serialize: (d: Date | string) => (d instanceof Date ? d.toISOString() : d),
        parse: parseTimestamp,
      },
      numeric: { to: 1700, from: [1700, 20], serialize: (n: number) => String(n), parse: parseNumber },
    },
  });
  const wrap = (s: postgres.Sql | postgres.TransactionSql | postgres.ReservedSql): Sql => ({
    query: async <T>(text: string, params: readonly unknown[] = [], opts?: { prepare?: boolean }) =>
      (await s.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
        prepare: opts?.prepare ?? false,
      })) as unknown as T[],
    exec: async (text: string) => {
      await s.unsafe(text);
    },
    copyIn: (target, data) => copyInPostgres(s, target, data),
    // postgres.js fails a whole transaction on any error outside its own savepoint().
    ...("savepoint" in s
      ? {
          savepoint: <T>(fn: (tx: Sql) => Promise<T>) =>
            s.savepoint((inner) => fn(wrap(inner))) as Promise<T>,
        }
      : {}),
  });
  const base = wrap(raw);
  /** The stops of this database's LISTEN connections (notify.ts), ended with the pool. */
  const listeners = new Set<StopListening>();
  /** One round trip on the pool, in this database's context (see withinDatabase). */
  const selectOne = (timeoutMs: number) => withinDatabase(key, () => timed(() => raw`SELECT 1`, timeoutMs));
  const gate = createAvailabilityGate({ key, probe: () => selectOne(PROBE_TIMEOUT_MS) });
  const { hostname, port } = new URL(url.replace(/^postgres(ql)?:/, "http:"));
  const unregister = registerEndpoint({ key, host: hostname, port: Number(port || 5432), gate });
  /**
   * Runs fn unless the database is known down; a connection error makes the gate probe. The driver
   * runs in this database's context, so its sockets and timers name it if anything escapes them.
   */
  const gated = async <T>(fn: () => Promise<T>): Promise<T> => {
    gate.check();
    try {
      return await withinDatabase(key, fn);
    } catch (e) {
      gate.failed(e);
      throw e;
    }
  };
  return {
    key,
    kind: "postgres",
    dir: undefined,
    query: (text, params) => gated(() => base.query(text, params)),
    exec: (text) => gated(() => base.exec(text)),
    copyIn: (target, data) => gated(() => copyInPostgres(raw, target, data)),
    transaction: <T>(fn: (tx: Sql) => Promise<T>, opts?: { pipelined?: boolean }) =>
      gated(async () =>
        opts?.pipelined
          ? pipelinedTransaction(raw, (tx) => fn(wrap(tx)))
          : ((await raw.begin((tx) => fn(wrap(tx)) as Promise<unknown>)) as T),
      ),
    engine: async () => {
      const rows = await gated(() => raw`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
      return rows.length > 0 ? "timescaledb" : "postgresql";
    },
    ping: async (timeoutMs = 3000) => {
      try {
        const ms = await selectOne(timeoutMs);
        gate.answered();
        return ms;
      } catch (e) {
        gate.unreachable(e);
        throw e;
      }
    },
    availability: gate.state,
    onAvailability: gate.onChange,
    listen: (channel, handlers) => {
      const stop = listenPostgres({ key, url, channel, options: common, handlers });
      const once = async () => {
        listeners.delete(once);
        await stop();
      };
      listeners.add(once);
      return once;
    },
    close: async () => {
      gate.close();
      unregister();
      await Promise.allSettled([...listeners].map((stop) => stop()));
      await raw.end({ timeout: 5 });
    },
  };
}

/**
 * A transaction on a reserved connection of the pool whose BEGIN is not awaited before fn runs:
 * postgres.js sends a connection's queries in order without waiting for each answer, so BEGIN
 * travels with fn's first statements. fn's failure sends ROLLBACK; a COMMIT answered `ROLLBACK`
 * (the server aborted the transaction on an error fn did not await) rejects. The connection goes
 * back to the pool either way.
 */
async function pipelinedTransaction<T>(
  raw: postgres.Sql,
  fn: (tx: postgres.ReservedSql) => Promise<T>,
): Promise<T> {
  const r = await raw.reserve();
  try {
    const begun = r.unsafe("BEGIN");
    begun.catch(() => {});
    let out: T;
    try {
      out = await fn(r);
      await begun;
    } catch (e) {
      await r.unsafe("ROLLBACK").catch(() => {});
      throw e;
    }
    const done = await r.unsafe("COMMIT");
    if (done.command !== "COMMIT") throw new Error(`transaction ended in ${done.command} at its commit`);
    return out;
  } finally {
    r.release();
  }
}

/** Rows in COPY text format, each line ending in a newline: one string, or strings sent one after another. */
export type CopyData = string | readonly string[];

/**
 * `COPY target FROM STDIN` (text format) of `data`, inside the caller's transaction when `sql` is
 * one. `target` is a quoted table with an optional column list (`core."values_acme" (entity_id,
 * ts, value_n)`); build `data` with `copyField`. Resolves once the server has stored every row;
 * rejects with the server's error when it refuses any of them (e.g. a unique violation, SQLSTATE
 * 23505, or a malformed row: in a transaction, catch it under a savepoint) and with the
 * connection's error when the connection fails, whenever either happens — it never waits forever.
 * On PostgreSQL servers and PGlite alike.
 */
export function copyIn(sql: Sql, target: string, data: CopyData): Promise<void> {
  if (!sql.copyIn) return Promise.reject(new Error("this connection cannot COPY"));
  return sql.copyIn(target, data);
}

/** One field of a COPY text-format row: `\N` for null, else the text with backslash, tab, CR and LF escaped. */
export function copyField(x: string | number | boolean | null | undefined): string {
  if (x === null || x === undefined) return "\\N";
  if (typeof x !== "string") return typeof x === "boolean" ? (x ? "t" : "f") : String(x);
  return COPY_SPECIAL.test(x) ? x.replace(COPY_ESCAPES, (c) => COPY_ESCAPE[c]!) : x;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES = /[\\\t\n\r]/g;
const COPY_ESCAPE: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** Characters per CopyData message (the protocol does not need whole lines per message). */
const COPY_CHUNK = 256 * 1024;

/**
 * COPY FROM STDIN through postgres.js, settled by the server's answer. postgres.js resolves the
 * query with a writable stream as soon as the server enters COPY; an ErrorResponse or a lost
 * connection after the stream has ended is then passed to the query's `reject` — a no-op on a
 * settled promise — and the stream's `finish` never comes: awaiting the stream alone hangs. So
 * the query's `reject` is observed too, and whichever of finish, stream error or query error
 * comes first settles the copy.
 */
async function copyInPostgres(
  s: postgres.Sql | postgres.TransactionSql,
  target: string,
  data: CopyData,
): Promise<void> {
  const query = s.unsafe(`COPY ${target} FROM STDIN`);
  const q = query as unknown as { reject?: (e: unknown) => void };
  const reject = q.reject;
  if (typeof reject !== "function")
    throw new Error("postgres.js no longer exposes Query.reject: COPY unsafe");
  let refuse: (e: unknown) => void = () => {};
  const refused = new Promise<never>((_, fail) => {
    refuse = fail;
  });
  refused.catch(() => {});
  q.reject = (e: unknown) => {
    refuse(e);
    reject(e);
  };
  const stream = (await query.writable()) as Writable;
  await new Promise<void>((resolve, fail) => {
    let settled = false;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e === undefined) resolve();
      else fail(e);
    };
    stream.on("error", settle);
    stream.on("finish", () => settle());
    refused.catch(settle);
    const chunks = typeof data === "string" ? [data] : data;
    let i = 0;
    let offset = 0;
    const pump = () => {
      while (!settled && i < chunks.length) {
        const chunk = chunks[i]!;
        const part =
          chunk.length - offset > COPY_CHUNK ? chunk.slice(offset, offset + COPY_CHUNK) : chunk.slice(offset);
        offset += part.length;
        if (offset >= chunk.length) {
          i++;
          offset = 0;
        }
        if (part.length > 0 && !stream.write(part)) {
          stream.once("drain", pump);
          return;
        }
      }
      if (!settled) stream.end();
    };
    pump();
  });
}

const CONNECT_TIMEOUT_S = 3;
const PROBE_TIMEOUT_MS = 2000;

/** Seconds before a pool connection retries after an error close: 10 ms growing ×3, capped 0.5 s. */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(3 ** retries / 100, 0.5);
}

async function timed(fn: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let timer: Timer | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - start;
}

/**
 * PostgreSQL settings of the embedded engine, sized for a small team on one machine. PGlite's
 * memory is one WebAssembly memory that never shrinks: shared_buffers is taken (and touched) whole
 * at start (initdb's 128 MB was most of each instance's resident memory), and the peak of any
 * sort, hash or index build stays resident, so work_mem and maintenance_work_mem bound it. The data
 * files live on disk and the OS page cache serves re-reads. WAL sizes bound the disk the WAL takes
 * (checkpoints cost little without fsync). PGlite's own start parameters come first.
 */
export const EMBEDDED_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "16MB",
  work_mem: "4MB",
  maintenance_work_mem: "16MB",
  temp_buffers: "4MB",
  min_wal_size: "32MB",
  max_wal_size: "256MB",
};

const embeddedStartParams = () => [
  ...PGlite.defaultStartParams,
  ...Object.entries(EMBEDDED_SETTINGS).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
];

const SEED_NAME = "pglite-seed";
const EMBEDDED_UP: Availability = Object.freeze({ up: true, downSince: undefined, reason: undefined });

/** The empty, initialised cluster embedded by `bun run build` (absent when run from source). */
function embeddedSeed(): Blob | undefined {
  return Bun.embeddedFiles.find((f) => (f as Blob & { name?: string }).name?.startsWith(SEED_NAME));
}

/** True for the error of a PGlite engine that aborted (its WebAssembly instance is dead). */
export function isEngineAbort(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError || (e instanceof Error && /^Aborted\(/.test(e.message ?? ""));
}

async function openPglite(key: string, dir: string, seed?: Blob, build?: EmbeddedBuild): Promise<Database> {
  const memory = dir === "memory" || dir === "";
  let lock: DirLock | undefined;
  if (!memory) lock = lockDirectory(dir);
  let pg: PGlite;
  let created = false;
  try {
    const empty = memory || !(await Bun.file(`${dir}/PG_VERSION`).exists());
    created = empty;
    const parsers = { 1114: parseTimestamp, 1700: parseNumber, 20: parseNumber };
    let loadDataDir = empty ? (seed ?? (build ? undefined : embeddedSeed())) : undefined;
    // Started by main.ts at process start as a rule (engine.ts); awaited below, meanwhile the seed
    // is unpacked.
    const compiled = build ? undefined : engineModule();
    compiled?.catch(() => {});
    // Onto disk ourselves: a start on the unpacked directory is an ordinary later start (seed.ts).
    let unpacked = false;
    if (loadDataDir && !memory) unpacked = await unpackDataDir(loadDataDir, dir);
    if (unpacked) loadDataDir = undefined;
    if (build) pg = await build(memory ? undefined : dir, { loadDataDir, parsers });
    else {
      // PGlite runs initdb only on a directory that is still empty with no dump to load; a later
      // start does not compile it.
      const initdb = empty && !unpacked && !loadDataDir ? await initdbModule() : undefined;
      pg = await PGlite.create(memory ? undefined : dir, {
        pgliteWasmModule: await compiled!,
        ...(initdb ? { initdbWasmModule: initdb } : {}),
        fsBundle: engineFsBundle(),
        loadDataDir,
        parsers,
        startParams: embeddedStartParams(),
      });
    }
    await pg.exec("SET TimeZone = 'UTC'");
  } catch (e) {
    lock?.release();
    throw e;
  }
  // An aborted engine cannot answer again: from the first abort on, the database is down for
  // good and every call fails at once (503 on the request paths), never reaching the dead instance.
  let aborted: { since: Date; availability: Availability } | undefined;
  const listeners = new Set<(a: Availability) => void>();
  const deadError = () =>
    new DatabaseUnavailableError(key, aborted!.since, "the embedded database engine aborted");
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (aborted) throw deadError();
    try {
      return await fn();
    } catch (e) {
      if (!isEngineAbort(e)) throw e;
      if (!aborted) {
        const since = new Date();
        aborted = {
          since,
          availability: Object.freeze({ up: false, downSince: since, reason: "engine aborted" }),
        };
        for (const l of listeners) l(aborted.availability);
      }
      throw deadError();
    }
  };
  type Tx = Pick<PGlite, "query" | "exec">;
  const wrap = (s: Tx): Sql => ({
    query: <T>(text: string, params: readonly unknown[] = []) =>
      // no parameter nested deep enough to stall the engine reaches it (db/param-guard.ts)
      guard(async () => (await s.query<T>(text, checkParamDepth(params) as unknown[])).rows),
    exec: (text: string) =>
      guard(async () => {
        await s.exec(text);
      }),
    // PGlite reads COPY data from the blob given with the statement (`/dev/blob`); its fields pass
    // the same depth guard as parameters (a dict travels as JSON text in a field).
    copyIn: (target, data) =>
      guard(async () => {
        checkCopyDepth(data);
        await s.query(`COPY ${target} FROM '/dev/blob'`, [], {
          blob: new Blob(typeof data === "string" ? [data] : [...data]),
        });
      }),
  });
  let closed = false;
  const stops = new Set<StopListening>();
  return {
    key,
    kind: "pglite",
    dir: memory ? undefined : dir,
    created: created && !memory,
    ...wrap(pg),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
      guard(() =>
        pg.transaction((tx) => {
          const sql = wrap(tx);
          let savepoints = 0;
          sql.savepoint = async <S>(inner: (tx: Sql) => Promise<S>) => {
            const name = `hs_savepoint_${++savepoints}`;
            await sql.query(`SAVEPOINT ${name}`);
            try {
              const out = await inner(sql);
              await sql.query(`RELEASE SAVEPOINT ${name}`);
              return out;
            } catch (e) {
              await sql.query(`ROLLBACK TO SAVEPOINT ${name}`);
              throw e;
            }
          };
          return fn(sql);
        }),
      ),
    // An embedded build with TimescaleDB installed behaves as TimescaleDB (hypertables, policies).
    engine: async () => {
      const r = await guard(() =>
        pg.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'"),
      );
      return r.rows[0]?.n ? "timescaledb" : "pglite";
    },
    availability: () => aborted?.availability ?? EMBEDDED_UP,
    onAvailability: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    listen: (channel, handlers) => {
      // delivered in a microtask queued while the notifying commit's answer is parsed, so before
      // that commit's promise resolves: nothing of this process can be missed
      let stopped = false;
      const unlisten = guard(() => pg.listen(channel, (payload) => !stopped && handlers.onNotify(payload)));
      unlisten.then(
        () => !stopped && handlers.onListen(),
        (e) => !stopped && handlers.onDown(e instanceof Error ? e.message : String(e)),
      );
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        stops.delete(stop);
        if (!aborted && !closed) await (await unlisten.catch(() => undefined))?.().catch(() => {});
      };
      stops.add(stop);
      return stop;
    },
    dumpDataDir: () => guard(() => pg.dumpDataDir("gzip")),
    ping: (timeoutMs = 3000) => guard(() => timed(() => pg.query("SELECT 1"), timeoutMs)),
    close: async () => {
      if (closed) return;
      await Promise.allSettled([...stops].map((stop) => stop()));
      closed = true;
      try {
        // A dead instance may never answer: bounded, and its failure is no news.
        if (aborted) await timed(() => pg.close(), 1000).catch(() => {});
        else await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}
