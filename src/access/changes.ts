// Access changes heard as they commit, so that what is kept in memory about credentials
// (http/auth.ts) is dropped at once instead of being checked against the database before every
// request, and page data kept per viewer (the console's page caches) is read again.
// - This process: every access write calls `accessChanged` after its commit (tx.ts `write`, and
//   the few writes outside it), before the caller answers.
// - Other processes sharing the primary: the triggers of migration 0016 notify `hs_access` at
//   commit (`credentials` when the credential generation moves; 0017: `grants` after a write of
//   entity or tag grants); the listener (db/notify.ts, started on the first use) hears it. Each
//   `credentials` notification, and each (re)start of the listening (notifications may have been
//   missed before it), moves the local epoch; each notification and each (re)start publishes a
//   system-wide `records:written` on the broker, as this process's own access and catalog writes
//   do, after which the page caches read again (web/page-cache.ts: every kept entry depends on
//   the system-wide events).
// - While the listening is not known to hold (not yet started, its connection lost, the primary
//   known down), `credentialStamp` reads the credential generation (0011) as before, so nothing
//   is served from memory on the word of a listener that may be deaf.
// - The outage memo (`accessRuntime(deps).lastKnown`: who a credential belonged to, served only while
//   the primary is unreachable) is dropped on every `credentials` notification. A (re)start of the
//   listening drops it only when the credential generation moved since the memo was last known
//   to be in step with it (a change was missed): otherwise a caller known before one outage would
//   be refused in the next, unless it had been seen again in between.
// Embedded PGlite has one process and its notifications arrive before the commit resolves.
import type { ServiceDeps } from "../deps.ts";
import { slot } from "../runtime.ts";
import { accessRuntime } from "./runtime.ts";

/** The channel of migration 0016. */
export const ACCESS_CHANNEL = "hs_access";
/** Payloads of `accessChangesSettled`'s own notifications (no change). */
const SYNC_PREFIX = "sync:";

interface Watch {
  /** Moves on every change heard or made here, and on every start or loss of the listening. */
  epoch: number;
  /** The listening holds (LISTEN answered, no loss since). */
  listening: boolean;
  started: boolean;
  waiters: (() => void)[];
  stop?: () => Promise<void>;
  /** Stopped by `unwatchAccessChanges`: not started again on use. */
  unwatched: boolean;
  /** `settled` calls waiting for their own notification, by payload. */
  syncs: Map<string, () => void>;
  nextSync: number;
  /**
   * The credential generation the outage memo is known to be in step with (read after the memo
   * was last dropped, or when the listening started); null when unknown.
   */
  memoGen: string | null;
  /** Numbers the reads of `memoGen`: only the latest one's answer is kept. */
  memoRead: number;
  /** The latest read of `memoGen` (tests wait for it). */
  memoStep: Promise<void>;
}

const WATCH = slot(
  "access.changes",
  (): Watch => ({
    epoch: 0,
    listening: false,
    started: false,
    unwatched: false,
    waiters: [],
    syncs: new Map(),
    nextSync: 0,
    memoGen: null,
    memoRead: 0,
    memoStep: Promise.resolve(),
  }),
);

function moved(w: Watch): void {
  w.epoch += 1;
  const waiters = w.waiters.splice(0);
  for (const wake of waiters) wake();
}

type Deps = Pick<ServiceDeps, "dbs" | "runtime" | "broker" | "log">;

/** Starts hearing other processes' access changes (once per process; later calls do nothing). */
export function watchAccessChanges(deps: Deps): void {
  const w = WATCH.of(deps);
  w.unwatched = false;
  if (w.started) return;
  w.started = true;
  /** Page data depends on grants and credentials alike: read again after a system-wide event. */
  const pagesChanged = () => deps.broker.publish("records:written", null, { source: "database" });
  /**
   * Reads the generation the outage memo is in step with; with `check`, drops the memo
   * when the generation is not that one (or cannot be read).
   */
  const stepMemo = async (check: boolean) => {
    const read = ++w.memoRead;
    const known = w.memoGen;
    const gen = await credentialGeneration(deps);
    if (read !== w.memoRead) return; // a later change or start read it again
    if (check && (gen === null || gen !== known)) accessRuntime(deps).lastKnown.clear();
    w.memoGen = gen;
  };
  const credentialsChanged = () => {
    moved(w);
    // who a credential belonged to before the change must not be served in a later outage either
    accessRuntime(deps).lastKnown.clear();
    w.memoGen = null;
    w.memoStep = stepMemo(false);
  };
  w.stop = deps.dbs.primary.listen(ACCESS_CHANNEL, {
    onNotify: (payload) => {
      const sync = w.syncs.get(payload);
      if (sync) return sync();
      if (payload.startsWith(SYNC_PREFIX)) return; // another process's `accessChangesSettled`
      if (payload !== "grants") credentialsChanged();
      pagesChanged();
    },
    onListen: () => {
      w.listening = true;
      // notifications may have been missed: nothing kept per request is trusted any more, and the
      // outage memo only if the generation did not move meanwhile
      moved(w);
      w.memoStep = stepMemo(true);
      pagesChanged();
    },
    onDown: (reason) => {
      if (!w.listening) return;
      w.listening = false;
      moved(w);
      deps.log.warn("access changes: not listening; the credential generation is read per request", {
        reason,
      });
    },
  });
}

/**
 * Stops hearing (the benches' same-run baseline: every request then reads the generation, as
 * before LISTEN/NOTIFY); `watchAccessChanges` starts again. Closing the primary stops it too.
 */
export async function unwatchAccessChanges(deps: Pick<ServiceDeps, "runtime">): Promise<void> {
  const w = WATCH.of(deps);
  const stop = w.stop;
  w.stop = undefined;
  w.started = false;
  w.unwatched = true;
  w.listening = false;
  moved(w);
  await stop?.();
}

/** Called after this process commits an access write: what was kept about credentials is dropped. */
export function accessChanged(deps: Pick<ServiceDeps, "runtime">): void {
  moved(WATCH.of(deps));
}

/**
 * What a remembered credential is checked against: equal stamps mean no access change was heard or
 * made in between. Without a database round trip while the listening holds; otherwise the
 * credential generation is read (null when it cannot be: nothing may be served from memory then).
 */
export async function credentialStamp(deps: Deps): Promise<string | null> {
  const w = WATCH.of(deps);
  if (!w.started && !w.unwatched) watchAccessChanges(deps);
  if (w.listening && deps.dbs.primary.availability().up) return `l${w.epoch}`;
  const epoch = w.epoch;
  const gen = await credentialGeneration(deps);
  return gen === null ? null : `g${gen}.${epoch}`;
}

/**
 * The credential generation (`core.hs_auth_generation`, migration 0011): it moves at the commit of
 * anything that can end a credential or change an actor's roles (revoked or deleted sessions and
 * tokens, disabled users and orgs, membership and application-admin changes), in any process.
 * An actor resolved after reading a value stays right while the generation still has that value.
 * Null when it cannot be read (primary unreachable): nothing may be served from a cache then.
 */
export async function credentialGeneration(deps: Pick<ServiceDeps, "dbs">): Promise<string | null> {
  try {
    const [row] = await deps.dbs.primary.query<{ gen: string }>(
      "SELECT gen::text AS gen FROM core.hs_auth_generation WHERE id = 1",
      [],
      { prepare: true },
    );
    return row?.gen ?? null;
  } catch {
    return null;
  }
}

/** Resolves at the next access change heard or made here (tests wait for another process's). */
export function nextAccessChange(deps: Pick<ServiceDeps, "runtime">): Promise<void> {
  const w = WATCH.of(deps);
  return new Promise((resolve) => w.waiters.push(resolve));
}

/**
 * Resolves once every access change committed before the call has been heard here: it sends a
 * notification of its own on the channel and waits for it (PostgreSQL delivers a channel's
 * notifications in commit order). At once when not listening: every request reads the
 * generation then. Tests use it where another process would simply be a moment later.
 */
export async function accessChangesSettled(deps: Deps, timeoutMs = 10_000): Promise<void> {
  const w = WATCH.of(deps);
  if (!w.started && !w.unwatched) watchAccessChanges(deps);
  if (!w.listening) return;
  const payload = `${SYNC_PREFIX}${process.pid}.${++w.nextSync}`;
  let timer: Timer | undefined;
  const heard = new Promise<void>((resolve, reject) => {
    w.syncs.set(payload, resolve);
    timer = setTimeout(() => reject(new Error("access changes: own notification not heard")), timeoutMs);
  });
  try {
    await deps.dbs.primary.query("SELECT pg_notify($1, $2)", [ACCESS_CHANNEL, payload]);
    await heard;
  } finally {
    clearTimeout(timer);
    w.syncs.delete(payload);
  }
}

/** Resolves once the outage memo has been checked against the generation after the last change or start (tests). */
export function accessMemoChecked(deps: Pick<ServiceDeps, "runtime">): Promise<void> {
  return WATCH.of(deps).memoStep;
}

/** Whether the listening holds (tests, diagnostics). */
export function hearingAccessChanges(deps: Pick<ServiceDeps, "runtime">): boolean {
  return WATCH.of(deps).listening;
}
