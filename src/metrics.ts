// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format. Holds no tenant data (label values are routes, database keys, statuses).

type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(): string[];
}

export class Counter {
  private values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  lines(name: string): string[] {
    return [...this.values].map(([k, v]) => `${name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export class Gauge {
  private values = new Map<string, number>();
  set(labels: Labels, value: number): void {
    this.values.set(key(labels), value);
  }
  lines(name: string): string[] {
    return [...this.values].map(([k, v]) => `${name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export class Histogram {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(private readonly buckets: readonly number[]) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]! += 1;
    });
    s.sum += value;
    s.count += 1;
  }
  lines(name: string): string[] {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      const sep = k ? "," : "";
      this.buckets.forEach((b, i) => {
        out.push(`${name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`);
      });
      out.push(`${name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      out.push(`${name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      out.push(`${name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

export class Metrics {
  private families: Family[] = [];
  private collectors: Array<() => Promise<void> | void> = [];

  private add<T extends Counter | Gauge | Histogram>(
    name: string,
    help: string,
    type: Family["type"],
    m: T,
  ): T {
    this.families.push({ name, help, type, render: () => m.lines(name) });
    return m;
  }
  counter(name: string, help: string): Counter {
    return this.add(name, help, "counter", new Counter());
  }
  gauge(name: string, help: string): Gauge {
    return this.add(name, help, "gauge", new Gauge());
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(name, help, "histogram", new Histogram(buckets));
  }
  /** Registers a function run before each render (to refresh gauges from live state). */
  onCollect(fn: () => Promise<void> | void): void {
    this.collectors.push(fn);
  }
  async render(): Promise<string> {
    await Promise.allSettled(this.collectors.map((c) => c()));
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
    }
    return `${out.join("\n")}\n`;
  }
}

/** The metrics every process exposes; services add their own families. */
export function createMetrics() {
  const m = new Metrics();
  return {
    registry: m,
    httpRequests: m.counter("hs_http_requests_total", "HTTP requests by method, route and status."),
    httpDuration: m.histogram(
      "hs_http_request_duration_seconds",
      "HTTP request duration by method and route.",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    dbUp: m.gauge("hs_database_up", "1 when the database answered its last health check."),
    dbLatency: m.gauge("hs_database_latency_seconds", "Round trip of the last health check."),
    dbBacklog: m.gauge("hs_database_backlog", "Outbox batches a secondary has not received yet."),
    dbLag: m.gauge("hs_database_lag_seconds", "Age of the oldest change a secondary has not received yet."),
    dbAvailable: m.gauge(
      "hs_database_available",
      "0 while a database is known to be down (its requests fail at once), else 1.",
    ),
    dbEscaped: m.gauge(
      "hs_database_escaped_errors",
      "Errors that escaped a database connection and were caught by the last-resort guard.",
    ),
    timescale: m.gauge("hs_database_timescaledb_info", "1 for each database with TimescaleDB, by version."),
    processStart: m.gauge("hs_process_start_time_seconds", "Start time of the process (Unix seconds)."),
    memory: m.gauge("hs_process_resident_memory_bytes", "Resident memory of the process."),
    simulator: {
      intervals: m.counter(
        "hs_simulator_intervals_written_total",
        "Simulator intervals committed, by kind (generation, gap_fill, backfill, remote).",
      ),
      points: m.counter("hs_simulator_points_written_total", "Simulator values committed, by kind."),
      duration: m.histogram(
        "hs_simulator_write_duration_seconds",
        "Duration of one simulator write (one interval live, one chunk in a gap fill), by kind.",
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ),
      errors: m.counter("hs_simulator_errors_total", "Simulator error events."),
      lag: m.gauge(
        "hs_simulator_lag_seconds",
        "Largest lag of a simulator run by this process: due interval minus last interval written.",
      ),
      byStatus: m.gauge("hs_simulators", "Simulators known to this process, by status."),
    },
  };
}
export type AppMetrics = ReturnType<typeof createMetrics>;
