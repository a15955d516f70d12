/**
 * Simulator figures for `/metrics`: counters and the write-duration histogram follow the broker's
 * `simulator:interval_written` and `activity:logged` events (the engine's and remote runners'), the
 * lag and status gauges are read from the runtime at each scrape. Aggregated over simulators: no
 * simulator or org labels (the endpoint is public).
 */
import type { ServiceDeps } from "../deps.ts";
import type { AppMetrics } from "../metrics.ts";
import type { SimulatorRuntime } from "./engine.ts";

const STATUSES = ["running", "paused", "stopped", "waiting", "error"] as const;

/**
 * Feeds `metrics.simulator` from the broker until `stop()`; gauges from `runtime` when given.
 * Side effects: one broker subscription and one collector of the registry.
 */
export function observeSimulators(
  deps: ServiceDeps,
  metrics: AppMetrics,
  runtime?: SimulatorRuntime,
): { stop(): void } {
  const m = metrics.simulator;
  const sub = deps.broker.subscribe({
    accept: () => true,
    types: (t) => t === "simulator:interval_written" || t === "activity:logged",
  });
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const events = await sub.next();
      for (const e of events) {
        const d = (e.data ?? {}) as Record<string, unknown>;
        if (e.type === "activity:logged") {
          if (d.event_type === "error") m.errors.inc();
          continue;
        }
        const kind = typeof d.kind === "string" ? d.kind : "generation";
        m.intervals.inc({ kind }, typeof d.intervals === "number" ? d.intervals : 1);
        if (typeof d.points === "number") m.points.inc({ kind }, d.points);
        if (typeof d.duration_ms === "number") m.duration.observe({ kind }, d.duration_ms / 1000);
      }
    }
  })();
  if (runtime)
    metrics.registry.onCollect(() => {
      if (stopped) return;
      const all = runtime.overview();
      for (const s of STATUSES) m.byStatus.set({ status: s }, all.filter((x) => x.status === s).length);
      const lags = all.map((x) => x.lagSeconds).filter((x): x is number => x !== null);
      m.lag.set({}, lags.length ? Math.max(...lags) : 0);
    });
  return {
    stop() {
      stopped = true;
      sub.close();
    },
  };
}
