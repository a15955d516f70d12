// LISTEN/NOTIFY: one channel of a database heard by this process. On a PostgreSQL server, a
// dedicated connection (postgres.js, one connection, never idle-closed) runs `LISTEN`; postgres.js's
// own `sql.listen` re-listens after a reconnect but says nothing when its connection is lost, and
// the callers must know when they may have stopped hearing (they then fall back to reading what the
// notifications announce). So this does what `sql.listen` does and reports the gaps:
// - `onListen` after every successful LISTEN (the first and each one after a reconnect):
//   notifications sent while no LISTEN held may have been missed, so everything learnt from them
//   must be dropped there;
// - `onDown` as soon as the connection is lost (server restart, network error), or when a probe on
//   it (every few seconds) gets no answer in time: a half-open connection hears nothing and would
//   otherwise look alive. The connection is then replaced and LISTEN retried until it holds.
// Embedded PGlite has one process: its `listen` hears every commit of this process, delivered
// before the committing statement's promise resolves, and it is never down while the engine runs.
import postgres from "postgres";
import { withinDatabase } from "./faults.ts";

export interface ListenHandlers {
  /** One notification on the channel (its payload). */
  onNotify(payload: string): void;
  /** LISTEN holds (again): what was missed before cannot be known. */
  onListen(): void;
  /** The listening connection is lost: notifications may be missed until the next `onListen`. */
  onDown(reason: string): void;
}

/** Stops listening; idempotent. */
export type StopListening = () => Promise<void>;

/** Probe of the listening connection: how often, and how long its answer may take. */
const PROBE_EVERY_MS = 5_000;
const PROBE_TIMEOUT_MS = 3_000;
/** Between two failed LISTEN attempts: 100 ms growing ×2, capped at 2 s. */
const retryDelayMs = (failures: number) => Math.min(100 * 2 ** failures, 2_000);

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Listens on `channel` of the PostgreSQL server at `url` over a connection of its own (see the
 * header). `options` are the pool's connection options (timeouts, session settings).
 */
export function listenPostgres(opts: {
  key: string;
  url: string;
  channel: string;
  options: postgres.Options<Record<string, postgres.PostgresType>>;
  handlers: ListenHandlers;
}): StopListening {
  const { key, url, channel, handlers } = opts;
  let stopped = false;
  let client: postgres.Sql | undefined;
  /** Whether the current client's LISTEN holds (onListen was called, no onDown since). */
  let listening = false;
  let failures = 0;
  let retryTimer: Timer | undefined;
  let probeTimer: Timer | undefined;
  let probing = false;

  const down = (reason: string) => {
    if (!listening) return;
    listening = false;
    handlers.onDown(reason);
  };

  /** A fresh client whose connection reports its loss. */
  const open = (): postgres.Sql => {
    // `onnotify` and `onclose` are postgres.js options its types do not list
    const hooks = {
      onnotify: (ch: string, payload: string) => {
        if (ch === channel && !stopped && client === c) handlers.onNotify(payload);
      },
      onclose: () => {
        if (client !== c || stopped) return;
        down("connection closed");
        schedule(retryDelayMs(failures));
      },
    };
    const c: postgres.Sql = postgres(url, {
      ...opts.options,
      ...(hooks as Record<string, unknown>),
      max: 1,
      // never closed for idleness or age (0: no timer): a closed connection hears nothing
      idle_timeout: 0,
      max_lifetime: 0,
      fetch_types: false,
    });
    return c;
  };

  /** LISTEN on the current client (it connects first when its connection was lost). */
  const attempt = async () => {
    retryTimer = undefined;
    if (stopped) return;
    client ??= open();
    const c = client;
    try {
      await withinDatabase(key, () => c.unsafe(`LISTEN ${quoteIdent(channel)}`));
    } catch (e) {
      if (stopped || client !== c) return;
      failures += 1;
      down(e instanceof Error ? e.message : String(e));
      schedule(retryDelayMs(failures));
      return;
    }
    if (stopped || client !== c) return;
    failures = 0;
    listening = true;
    handlers.onListen();
  };

  const schedule = (ms: number) => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => void attempt(), ms);
    retryTimer.unref?.();
  };

  /** Replaces the client (its connection may be half-open) and listens again. */
  const replace = (reason: string) => {
    const old = client;
    client = undefined;
    down(reason);
    old?.end({ timeout: 0 }).catch(() => {});
    schedule(0);
  };

  const probe = async () => {
    if (stopped || probing || !listening || !client) return;
    probing = true;
    const c = client;
    let timer: Timer | undefined;
    try {
      const answered = await Promise.race([
        withinDatabase(key, () => c.unsafe("SELECT 1")).then(
          () => true,
          () => true, // a failed query closes the connection: onclose reports it
        ),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
        }),
      ]);
      if (!answered && client === c && !stopped) replace("no answer to the probe");
    } finally {
      clearTimeout(timer);
      probing = false;
    }
  };

  probeTimer = setInterval(() => void probe(), PROBE_EVERY_MS);
  probeTimer.unref?.();
  void attempt();

  return async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(retryTimer);
    clearInterval(probeTimer);
    const c = client;
    client = undefined;
    listening = false;
    await c?.end({ timeout: 1 }).catch(() => {});
  };
}
