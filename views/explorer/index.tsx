/** @jsxImportSource hono/jsx */
// The data explorer: a Haystack filter box with examples, the matching entities with their tags,
// a site → equip → point tree, and a chart of chosen points with ranges and CSV export.
import { Chart, type ChartProps } from "../components/chart.tsx";
import { qs } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface EntityRow {
  id: number;
  ref: string | null;
  dis: string | null;
  isPoint: boolean;
  tags: ReadonlyArray<{ name: string; value: string }>;
}

export interface TreeNode {
  id: number;
  dis: string;
  kind: "site" | "equip" | "point";
  children: TreeNode[];
}

export const EXAMPLES = [
  "site",
  "equip and ahu",
  "point and his and temp",
  "point and zone and air and temp and sensor",
  'point and power and unit == "kW"',
  "equip and siteRef->dis",
];

export interface FilterError {
  message: string;
  /** 1-based column of the error, when known. */
  col: number | null;
}

export interface ExplorerProps {
  filter: string;
  error: FilterError | null;
  rows: readonly EntityRow[];
  tree: readonly TreeNode[];
  /** 1-based page of the results, its size, and whether a next page exists. */
  page: number;
  pageSize: number;
  more: boolean;
}

function Pager(p: { filter: string; page: number; more: boolean }) {
  if (p.page <= 1 && !p.more) return null;
  const link = (n: number, label: string, rel: string) => {
    const href = `/explorer${qs({ filter: p.filter, page: n > 1 ? n : null })}`;
    return (
      <a
        href={href}
        rel={rel}
        class="button secondary"
        hx-get={href}
        hx-target="#explorer-results"
        hx-swap="outerHTML show:#main:top"
        hx-push-url="true"
      >
        {label}
      </a>
    );
  };
  return (
    <nav class="pager" aria-label="Result pages">
      {p.page > 1 ? link(p.page - 1, "← Previous", "prev") : <span />}
      <span class="small muted">Page {p.page}</span>
      {p.more ? link(p.page + 1, "Next →", "next") : <span />}
    </nav>
  );
}

function FilterErrorBox(p: { filter: string; error: FilterError }) {
  return (
    <div class="flash error" role="alert" id="filter-error">
      <p>{p.error.message}</p>
      {p.error.col ? (
        <pre class="filter-error">
          {p.filter}
          {"\n"}
          {`${" ".repeat(Math.max(0, p.error.col - 1))}^`}
        </pre>
      ) : null}
    </div>
  );
}

function Tree(p: { nodes: readonly TreeNode[] }) {
  return (
    <ul>
      {p.nodes.map((n) => (
        <li>
          {n.kind === "point" ? (
            <a href={`/explorer/chart${qs({ points: n.id })}`}>{n.dis}</a>
          ) : (
            <span>{n.dis}</span>
          )}
          <span class="kind">{n.kind}</span>
          {n.children.length > 0 ? <Tree nodes={n.children} /> : null}
        </li>
      ))}
    </ul>
  );
}

export function ExplorerResults(p: ExplorerProps) {
  const points = p.rows.filter((r) => r.isPoint).map((r) => r.id);
  return (
    <div id="explorer-results">
      {p.error ? <FilterErrorBox filter={p.filter} error={p.error} /> : null}
      {!p.error && p.filter ? (
        <p class="small muted" id="result-count">
          {p.rows.length === 0
            ? "No entities match."
            : p.page === 1 && !p.more
              ? `${p.rows.length} entit${p.rows.length === 1 ? "y" : "ies"}.`
              : `Entities ${(p.page - 1) * p.pageSize + 1}–${(p.page - 1) * p.pageSize + p.rows.length}${p.more ? " (more on the next page)" : ""}.`}
          {points.length > 1 ? (
            <>
              {" "}
              <a href={`/explorer/chart${qs({ points: points.slice(0, 8).join(",") })}`}>
                Chart the first {Math.min(8, points.length)} points
              </a>
            </>
          ) : null}
        </p>
      ) : null}
      <div class="cols">
        <div class="stack">
          <div class="table-wrap">
            <table class="entities">
              <caption class="visually-hidden">Matching entities</caption>
              <thead>
                <tr>
                  <th scope="col">Entity</th>
                  <th scope="col">Tags</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((r) => (
                  <tr>
                    <td>
                      {r.isPoint ? (
                        <a href={`/explorer/chart${qs({ points: r.id })}`}>{r.dis ?? r.ref}</a>
                      ) : (
                        (r.dis ?? r.ref)
                      )}
                      <div class="small muted mono">@{r.ref ?? r.id}</div>
                    </td>
                    <td class="tags">
                      {r.tags.map((t) => (
                        <span class="tag">{t.value === "✓" ? t.name : `${t.name}: ${t.value}`}</span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {p.filter && !p.error ? <Pager filter={p.filter} page={p.page} more={p.more} /> : null}
        </div>
        <nav class="panel tree" aria-label="Site, equipment and points">
          <h2>Tree</h2>
          {p.tree.length === 0 ? (
            <p class="muted small">No sites among the results.</p>
          ) : (
            <Tree nodes={p.tree} />
          )}
        </nav>
      </div>
    </div>
  );
}

export function ExplorerPage(p: ExplorerProps & { shell: Shell }) {
  return (
    <Layout shell={p.shell} title="Explorer">
      <h1>Explorer</h1>
      <form
        method="get"
        action="/explorer"
        class="panel"
        aria-label="Search entities"
        hx-get="/explorer"
        hx-target="#explorer-results"
        hx-swap="outerHTML"
        hx-push-url="true"
      >
        <label for="filter">Haystack filter</label>
        <div class="row">
          <input
            id="filter"
            name="filter"
            type="search"
            value={p.filter}
            class="grow"
            autocomplete="off"
            spellcheck={false}
            aria-invalid={p.error ? "true" : undefined}
            aria-describedby="filter-examples"
          />
          <button type="submit">Search</button>
        </div>
        <div class="examples" id="filter-examples">
          <span class="small muted">Examples:</span>
          {EXAMPLES.map((e) => (
            <a href={`/explorer${qs({ filter: e })}`}>{e}</a>
          ))}
        </div>
      </form>
      <ExplorerResults {...p} />
    </Layout>
  );
}

export interface ChartPageProps {
  points: ReadonlyArray<{ id: number; dis: string; ref: string | null; unit: string | null }>;
  range: string;
  from: string;
  to: string;
  chart: ChartProps;
  rowCount: number;
  error?: string | null;
}

export const RANGES: ReadonlyArray<[string, string]> = [
  ["6h", "6 hours"],
  ["1d", "1 day"],
  ["7d", "7 days"],
  ["30d", "30 days"],
];

export function ChartPage(p: ChartPageProps & { shell: Shell }) {
  const ids = p.points.map((x) => x.id).join(",");
  return (
    <Layout shell={p.shell} title={p.points.length === 1 ? (p.points[0]?.dis ?? "Point") : "Chart"} chart>
      <p class="small">
        <a href="/explorer">Explorer</a> /
      </p>
      <h1>{p.points.length === 1 ? p.points[0]?.dis : `${p.points.length} points`}</h1>
      <div class="spread">
        <nav class="presets" aria-label="Time range">
          {RANGES.map(([k, label]) => (
            <a
              href={`/explorer/chart${qs({ points: ids, range: k })}`}
              aria-current={p.range === k ? "true" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <a
          class="button secondary"
          href={`/explorer/chart.csv${qs({ points: ids, from: p.from, to: p.to })}`}
        >
          Download CSV
        </a>
      </div>
      <form method="get" action="/explorer/chart" class="inline-fields panel">
        <input type="hidden" name="points" value={ids} />
        <input type="hidden" name="range" value="custom" />
        <div class="field">
          <label for="c-from">From (UTC)</label>
          <input id="c-from" name="from" type="datetime-local" value={p.from.slice(0, 16)} />
        </div>
        <div class="field">
          <label for="c-to">To (UTC)</label>
          <input id="c-to" name="to" type="datetime-local" value={p.to.slice(0, 16)} />
        </div>
        <div class="field">
          <label for="c-add">Add point (entity id)</label>
          <input id="c-add" name="add" type="text" inputmode="numeric" />
        </div>
        <button type="submit">Show</button>
      </form>
      {p.error ? (
        <div class="flash error" role="alert">
          {p.error}
        </div>
      ) : null}
      <Chart {...p.chart} />
      <p class="small muted">{p.rowCount} values.</p>
      <ul class="small">
        {p.points.map((x) => (
          <li>
            <span class="mono">@{x.ref ?? x.id}</span> {x.dis} {x.unit ? `(${x.unit})` : ""}
            {p.points.length > 1 ? (
              <>
                {" "}
                <a
                  href={`/explorer/chart${qs({
                    points: p.points
                      .filter((y) => y.id !== x.id)
                      .map((y) => y.id)
                      .join(","),
                    range: p.range,
                    from: p.range === "custom" ? p.from : null,
                    to: p.range === "custom" ? p.to : null,
                  })}`}
                >
                  remove
                </a>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </Layout>
  );
}
