/** @jsxImportSource hono/jsx */
// Values written per second over the last minutes, by source (REST `POST /bulk/value` and
// friends, the simulators), as figures and a trend. Replaced as a whole by the `ingest` SSE event.
import { fmtNum } from "../format.ts";
import { Sparkline } from "./sparkline.tsx";

export interface IngestRate {
  /** Seconds per bucket, and the buckets (oldest first) of values written in each. */
  bucketSeconds: number;
  rest: readonly number[];
  simulators: readonly number[];
}

/** Values per second over the last `n` buckets of `counts`. */
export function ratePerSecond(counts: readonly number[], bucketSeconds: number, n = 1): number {
  const last = counts.slice(-n);
  if (last.length === 0 || bucketSeconds <= 0) return 0;
  return last.reduce((a, b) => a + b, 0) / (last.length * bucketSeconds);
}

export function IngestPanel(props: { rate: IngestRate }) {
  const r = props.rate;
  const minutes = Math.round((r.rest.length * r.bucketSeconds) / 60);
  // the figures are the last minute's average (a 15-minute simulator writes in bursts)
  const n = Math.max(1, Math.round(60 / r.bucketSeconds));
  const rows: Array<[string, readonly number[]]> = [
    ["REST", r.rest],
    ["Simulators", r.simulators],
  ];
  return (
    <div class="grid" id="ingest-rate" sse-swap="ingest" hx-swap="outerHTML">
      {rows.map(([name, counts]) => (
        <article class="card" data-source={name.toLowerCase()}>
          <header>
            <h3>{name}</h3>
            <span class="rate">
              <strong>{fmtNum(ratePerSecond(counts, r.bucketSeconds, n), 1)}</strong>
              <span class="small muted"> values/s</span>
            </span>
          </header>
          <Sparkline
            values={counts.map((c) => c / r.bucketSeconds)}
            label={`${name} values per second, last ${minutes} min`}
            unit="values/s"
            width={260}
            height={36}
          />
          <p class="small muted">
            {fmtNum(
              counts.reduce((a, b) => a + b, 0),
              0,
            )}{" "}
            values in the last {minutes} min
          </p>
        </article>
      ))}
    </div>
  );
}
