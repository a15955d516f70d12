/** @jsxImportSource hono/jsx */
// The data explorer: a Haystack filter box with examples, the matching entities with their tags
// (refs by name), a site → equip → point tree (the org's whole tree, paged and searchable, or the
// tree of the filter's results), and a chart of chosen points with ranges and CSV export.
import { Chart, type ChartProps } from "../components/chart.tsx";
import { entityHref, RefLink } from "../components/ref-link.tsx";
import { TagChips, type TagView } from "../components/tag-list.tsx";
import { fmtInt, qs, zoneAbbr } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface EntityRow {
  id: number;
  ref: string | null;
  dis: string | null;
  isPoint: boolean;
  tags: readonly TagView[];
}

export interface TreeNode {
  id: number;
  dis: string;
  kind: "site" | "equip" | "point";
  children: TreeNode[];
  /** Points of an equip or site in all (the children may be fewer: a search shows the matches). */
  count?: number;
  /** The node matched the search or the filter. */
  match?: boolean;
  /** What it is when not plain equipment (`weather station`). */
  label?: string;
}

export interface TreeProps {
  nodes: readonly TreeNode[];
  /** What the tree shows: the org's whole tree, or the sites, equipment and points of the results. */
  scope: "org" | "results";
  /** Name search within the tree (org scope). */
  q: string;
  /** The Haystack filter of the page, kept by the tree's search and pager. */
  filter: string;
  /** 1-based page of equipment, and whether a next page exists. */
  page: number;
  more: boolean;
  /** Equipment in all (of the search). */
  total: number;
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
  tree: TreeProps;
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

function TreeNodes(p: { nodes: readonly TreeNode[]; open: boolean }) {
  return (
    <ul>
      {p.nodes.map((n) =>
        n.kind === "point" ? (
          <li class={n.match ? "point match" : "point"}>
            <a href={entityHref(n.id)}>{n.dis}</a>
          </li>
        ) : (
          <li class={n.kind}>
            <details open={n.kind === "site" || p.open || undefined}>
              <summary>
                <a href={entityHref(n.id)} class={n.match ? "match" : undefined}>
                  {n.dis}
                </a>
                <span class="kind">
                  {n.label ?? n.kind}
                  {n.count !== undefined ? ` · ${fmtInt(n.count)} points` : ""}
                </span>
              </summary>
              {n.children.length > 0 ? <TreeNodes nodes={n.children} open={p.open} /> : null}
            </details>
          </li>
        ),
      )}
    </ul>
  );
}

/** The tree panel; also the fragment its search and pager swap (`#tree`). */
export function TreePanel(p: TreeProps) {
  const href = (page: number, q = p.q) =>
    `/explorer/tree${qs({ filter: p.filter, tq: q, tpage: page > 1 ? page : null })}`;
  const full = (page: number) =>
    `/explorer${qs({ filter: p.filter, tq: p.q, tpage: page > 1 ? page : null })}`;
  const htmx = (page: number) => ({
    "hx-get": href(page),
    "hx-target": "#tree",
    "hx-swap": "outerHTML",
  });
  return (
    <nav class="panel tree" id="tree" aria-label="Sites, equipment and points">
      <div class="spread">
        <h2>{p.scope === "results" ? "Tree of the results" : "Sites and equipment"}</h2>
        {p.scope === "results" ? (
          <a class="small" href={`/explorer${qs({ tq: p.q })}`}>
            whole tree
          </a>
        ) : null}
      </div>
      {p.scope === "org" ? (
        <form
          method="get"
          action="/explorer"
          class="row tree-search"
          hx-get="/explorer/tree"
          hx-target="#tree"
          hx-swap="outerHTML"
          hx-trigger="submit, input changed delay:300ms from:#tq"
          hx-sync="this:replace"
        >
          {p.filter ? <input type="hidden" name="filter" value={p.filter} /> : null}
          <label for="tq" class="visually-hidden">
            Find equipment or points by name
          </label>
          <input
            id="tq"
            name="tq"
            type="search"
            value={p.q}
            placeholder="Find by name"
            class="grow"
            autocomplete="off"
          />
          <button type="submit" class="secondary">
            Find
          </button>
        </form>
      ) : null}
      {p.nodes.length === 0 ? (
        <p class="muted small" id="tree-empty">
          {p.scope === "results"
            ? "No sites, equipment or points among the results."
            : p.q
              ? "Nothing of that name."
              : "No sites in this org yet."}
        </p>
      ) : (
        <TreeNodes nodes={p.nodes} open={p.q !== ""} />
      )}
      {p.page > 1 || p.more ? (
        <div class="pager small">
          {p.page > 1 ? (
            <a href={full(p.page - 1)} rel="prev" {...htmx(p.page - 1)}>
              ← Previous
            </a>
          ) : (
            <span />
          )}
          <span class="muted">
            Page {p.page} · {fmtInt(p.total)} equipment
          </span>
          {p.more ? (
            <a href={full(p.page + 1)} rel="next" {...htmx(p.page + 1)}>
              Next →
            </a>
          ) : (
            <span />
          )}
        </div>
      ) : null}
    </nav>
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
      {!p.filter ? (
        <div class="tree-only">
          <p class="small muted">
            Browse the org's sites, equipment and points, or search with a Haystack filter above.
          </p>
          <TreePanel {...p.tree} />
        </div>
      ) : (
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
                        <a href={entityHref(r.id)}>{r.dis ?? r.ref ?? r.id}</a>
                        <div class="small muted mono">@{r.ref ?? r.id}</div>
                      </td>
                      <td class="tags">
                        <TagChips tags={r.tags} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {p.filter && !p.error ? <Pager filter={p.filter} page={p.page} more={p.more} /> : null}
          </div>
          <TreePanel {...p.tree} />
        </div>
      )}
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
  /** The range as instants (ISO, for the CSV link). */
  from: string;
  to: string;
  /** The range as wall-clock times in the chart's zone (`YYYY-MM-DDTHH:MM`, for the inputs). */
  fromLocal: string;
  toLocal: string;
  /** The chart's zone: the site of the first point (IANA). */
  tz: string;
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
          <label for="c-from">From ({zoneAbbr(p.tz)})</label>
          <input id="c-from" name="from" type="datetime-local" value={p.fromLocal} />
        </div>
        <div class="field">
          <label for="c-to">To ({zoneAbbr(p.tz)})</label>
          <input id="c-to" name="to" type="datetime-local" value={p.toLocal} />
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
            <RefLink target={{ id: x.id, ref: x.ref, dis: x.dis }} /> {x.unit ? `(${x.unit})` : ""}{" "}
            <span class="small muted mono">@{x.ref ?? x.id}</span>
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
                    from: p.range === "custom" ? p.fromLocal : null,
                    to: p.range === "custom" ? p.toLocal : null,
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
