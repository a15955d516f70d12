// A bounded in-memory publish/subscribe broker for live events (SSE streams, dashboards).
// Publishing never blocks or throws: a subscriber that cannot keep up loses its oldest queued
// events (and is told how many), it never slows the publisher down.

export interface BrokerEvent {
  /** `noun:verb_past`, e.g. `simulator:interval_written`, `activity:logged`. */
  readonly type: string;
  /** The org the event belongs to; subscribers only see their orgs' events. Null = system-wide. */
  readonly orgId: number | null;
  readonly data: unknown;
  readonly id: number;
  readonly at: string;
}

export interface Subscription {
  /** Waits for the next events (resolves at once when some are queued); empty on close. */
  next(signal?: AbortSignal): Promise<BrokerEvent[]>;
  /** Events dropped because this subscriber was too slow, since the last call. */
  takeDropped(): number;
  close(): void;
}

export interface Broker {
  publish(type: string, orgId: number | null, data: unknown): void;
  /** Subscribes to events whose org passes `accept` (and whose type passes `types`, when given). */
  subscribe(opts: {
    accept: (orgId: number | null) => boolean;
    types?: (type: string) => boolean;
  }): Subscription;
  readonly subscribers: number;
  /**
   * How many events have been published for `orgId` and system-wide (a number that only grows):
   * data derived from an org's events can be kept while this has not moved.
   */
  generation(orgId: number | null): number;
  /**
   * The id of the latest event published for `orgId` or system-wide (0 before the first): a page
   * read when this was `n` has missed no event when it is still `n`.
   */
  lastId(orgId: number | null): number;
  /**
   * The events published after the one with id `afterId` whose org passes `accept`, oldest first,
   * from the last `historyLimit` events kept; null when some of those published after it are no
   * longer kept (it cannot tell what was missed).
   */
  eventsAfter(afterId: number, accept: (orgId: number | null) => boolean): BrokerEvent[] | null;
}

export function createBroker(opts: { queueLimit?: number; historyLimit?: number } = {}): Broker {
  const limit = opts.queueLimit ?? 1000;
  // the last events published (a ring): what a reconnecting page missed
  const historyLimit = Math.max(1, opts.historyLimit ?? 1000);
  const history: BrokerEvent[] = [];
  const subs = new Set<{
    accept: (orgId: number | null) => boolean;
    types?: (type: string) => boolean;
    queue: BrokerEvent[];
    dropped: number;
    wake?: () => void;
    closed: boolean;
  }>();
  let seq = 0;
  const perOrg = new Map<number, number>();
  let systemWide = 0;
  let lastSystemWide = 0;
  const lastOfOrg = new Map<number, number>();
  return {
    publish(type, orgId, data) {
      const ev: BrokerEvent = { type, orgId, data, id: ++seq, at: new Date().toISOString() };
      history[(ev.id - 1) % historyLimit] = ev;
      if (orgId === null) {
        systemWide += 1;
        lastSystemWide = ev.id;
      } else {
        perOrg.set(orgId, (perOrg.get(orgId) ?? 0) + 1);
        lastOfOrg.set(orgId, ev.id);
      }
      for (const s of subs) {
        if (s.closed || !s.accept(orgId) || (s.types && !s.types(type))) continue;
        s.queue.push(ev);
        if (s.queue.length > limit) {
          s.queue.shift();
          s.dropped += 1;
        }
        s.wake?.();
      }
    },
    subscribe({ accept, types }) {
      const s = {
        accept,
        types,
        queue: [] as BrokerEvent[],
        dropped: 0,
        closed: false,
        wake: undefined as (() => void) | undefined,
      };
      subs.add(s);
      return {
        next: (signal) =>
          new Promise<BrokerEvent[]>((resolve) => {
            const flush = () => {
              s.wake = undefined;
              signal?.removeEventListener("abort", flush);
              resolve(s.queue.splice(0));
            };
            if (s.queue.length > 0 || s.closed || signal?.aborted) return flush();
            s.wake = flush;
            signal?.addEventListener("abort", flush, { once: true });
          }),
        takeDropped: () => {
          const n = s.dropped;
          s.dropped = 0;
          return n;
        },
        close: () => {
          s.closed = true;
          subs.delete(s);
          s.wake?.();
        },
      };
    },
    get subscribers() {
      return subs.size;
    },
    generation(orgId) {
      return systemWide + (orgId === null ? 0 : (perOrg.get(orgId) ?? 0));
    },
    lastId(orgId) {
      return Math.max(lastSystemWide, orgId === null ? 0 : (lastOfOrg.get(orgId) ?? 0));
    },
    eventsAfter(afterId, accept) {
      const from = Math.max(0, Math.floor(afterId));
      if (from >= seq) return [];
      // the oldest kept is seq - historyLimit + 1
      if (from < seq - historyLimit) return null;
      const out: BrokerEvent[] = [];
      for (let id = from + 1; id <= seq; id++) {
        const ev = history[(id - 1) % historyLimit] as BrokerEvent;
        if (accept(ev.orgId)) out.push(ev);
      }
      return out;
    },
  };
}
