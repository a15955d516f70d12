// Values written per second, per org and by source (REST and Haystack writes by users and tokens;
// the simulators, which write as the system), over the last five minutes. It counts the
// `values:written` events writeValues publishes after each commit; one counter per process (a
// slot of deps.runtime), subscribed to the broker by the first caller.
import type { ServiceDeps } from "../deps.ts";
import type { Broker } from "../realtime/broker.ts";
import { slot } from "../runtime.ts";

export const RATE_BUCKET_SECONDS = 10;
export const RATE_BUCKETS = 30;

/** Values committed per bucket, oldest first, the last bucket being the current one. */
export interface RateSnapshot {
  bucketSeconds: number;
  rest: number[];
  simulators: number[];
}

export interface IngestRates {
  snapshot(orgId: number, now?: Date): RateSnapshot;
}

type Counts = Map<number, { rest: number; simulators: number }>;

const RATES = slot<IngestRates, Pick<ServiceDeps, "broker" | "runtime">>("ingest.rates", (deps) =>
  countWrites(deps.broker),
);

/** The process's counter of written values (subscribed to the broker on first use). */
export const ingestRates = (deps: Pick<ServiceDeps, "broker" | "runtime">): IngestRates => RATES.of(deps);

function countWrites(broker: Broker): IngestRates {
  const byOrg = new Map<number, Counts>();
  const bucketOf = (ms: number) => Math.floor(ms / 1000 / RATE_BUCKET_SECONDS);
  const sub = broker.subscribe({ accept: () => true, types: (t) => t === "values:written" });
  void (async () => {
    for (;;) {
      const events = await sub.next();
      if (events.length === 0) return;
      for (const ev of events) {
        const d = (ev.data ?? {}) as { count?: unknown; source?: unknown };
        if (ev.orgId === null || typeof d.count !== "number") continue;
        const counts = byOrg.get(ev.orgId) ?? new Map();
        byOrg.set(ev.orgId, counts);
        const b = bucketOf(Date.parse(ev.at));
        const c = counts.get(b) ?? { rest: 0, simulators: 0 };
        if (d.source === "simulator") c.simulators += d.count;
        else c.rest += d.count;
        counts.set(b, c);
        for (const k of counts.keys()) if (k <= b - RATE_BUCKETS) counts.delete(k);
      }
    }
  })();
  const tracker: IngestRates = {
    snapshot(orgId, now = new Date()) {
      const last = bucketOf(now.getTime());
      const counts = byOrg.get(orgId);
      const rest: number[] = [];
      const simulators: number[] = [];
      for (let b = last - RATE_BUCKETS + 1; b <= last; b++) {
        const c = counts?.get(b);
        rest.push(c?.rest ?? 0);
        simulators.push(c?.simulators ?? 0);
      }
      return { bucketSeconds: RATE_BUCKET_SECONDS, rest, simulators };
    },
  };
  return tracker;
}
