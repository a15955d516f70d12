/** @jsxImportSource hono/jsx */
// The data explorer: the org's site → equip → point tree on first open (paged, searchable by
// name); a filter → entity table (refs by name) with the tree of its results; a chart of points
// over a range in site time (presets or custom), several points on one chart, and CSV export.
import type { Context, Hono } from "hono";
import {
  ChartPage,
  type EntityRow,
  ExplorerPage,
  ExplorerResults,
  type FilterError,
  RANGES,
  type TreeNode,
  TreePanel,
  type TreeProps,
} from "../../views/explorer/index.tsx";
import type { Actor } from "../access/actor.ts";
import { buildingEntity, naturalCompare, orgTree, refInfos } from "../catalog/building.ts";
import { type FilterResult, filterEntities } from "../catalog/filter.ts";
import { treeEntities } from "../catalog/tree.ts";
import { AppError, isAppError } from "../errors.ts";
import { INSTANT_RANGE, isStorableInstant } from "../haystack/instants.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { isoWithOffset, localInput, parseSiteLocal, tagViews } from "./building.ts";
import { isFragment, type PageContext, page, pageContext, requireOrg } from "./context.ts";
import { pageData } from "./page-cache.ts";
import { pointsChart, tagOf } from "./series.ts";

/** Results per page of the explorer table, and equipment per page of the tree. */
export const PAGE_SIZE = 50;
export const TREE_PAGE_SIZE = 25;
const MAX_POINTS = 8;

function refOf(r: FilterResult, name: string): number | null {
  const t = r.tags.find((x) => x.tag_name === name);
  return t?.value_ref ?? null;
}

/** Builds site → equip → point from the results' refs (entities without a site are left out). */
export function buildTree(results: readonly FilterResult[], matches?: ReadonlySet<number>): TreeNode[] {
  const node = (r: FilterResult, kind: TreeNode["kind"]): TreeNode => ({
    id: r.entity_id,
    dis: tagOf(r, "dis") ?? tagOf(r, "id") ?? String(r.entity_id),
    kind,
    children: [],
    match: matches?.has(r.entity_id) ?? false,
  });
  const has = (r: FilterResult, n: string) => r.tags.some((t) => t.tag_name === n);
  const sites = new Map<number, TreeNode>();
  const equips = new Map<number, TreeNode>();
  for (const r of results) if (has(r, "site")) sites.set(r.entity_id, node(r, "site"));
  for (const r of results)
    if (has(r, "equip")) {
      const e = node(r, "equip");
      equips.set(r.entity_id, e);
      sites.get(refOf(r, "siteRef") ?? -1)?.children.push(e);
    }
  for (const r of results)
    if (has(r, "point")) {
      const p = node(r, "point");
      const parent = equips.get(refOf(r, "equipRef") ?? -1) ?? sites.get(refOf(r, "siteRef") ?? -1);
      parent?.children.push(p);
    }
  const sorted = (nodes: TreeNode[]): TreeNode[] =>
    nodes
      .sort((a, b) => naturalCompare(a.dis, b.dis) || a.id - b.id)
      .map((n) => ({ ...n, children: sorted(n.children) }));
  return sorted([...sites.values()]);
}

function filterErrorOf(e: AppError): FilterError {
  const m = /^(\d+):(\d+)\s+(.*)$/s.exec(e.message);
  return m
    ? { message: `Line ${m[1]}, column ${m[2]}: ${m[3]}`, col: Number(m[2]) }
    : { message: e.message, col: null };
}

async function pointInfo(deps: AppDeps, actor: Actor, orgId: number, id: number) {
  const e = await buildingEntity({ deps, actor, orgId, entityId: id });
  return {
    id: e.entity_id,
    dis: tagOf(e, "dis") ?? tagOf(e, "id") ?? String(e.entity_id),
    ref: tagOf(e, "id"),
    unit: tagOf(e, "unit"),
    tz: e.tz,
  };
}

/** The chart's range: a preset back from now, or from/to as wall-clock times of the site's zone. */
function rangeOf(c: Context, tz: string, now: Date): { range: string; from: Date; to: Date } {
  const range = c.req.query("range") ?? "1d";
  if (range === "custom") {
    const from = parseSiteLocal(c.req.query("from"), tz);
    const to = parseSiteLocal(c.req.query("to"), tz);
    if (from === null || to === null) throw new AppError("invalid", "enter times as YYYY-MM-DDTHH:MM");
    const t = to ?? now;
    const f = from ?? new Date(t.getTime() - 86_400_000);
    if (f >= t) throw new AppError("invalid", "from must be before to");
    return { range, from: f, to: t };
  }
  const hours: Record<string, number> = { "6h": 6, "1d": 24, "7d": 168, "30d": 720 };
  const h = hours[range] ?? 24;
  return { range: hours[range] ? range : "1d", from: new Date(now.getTime() - h * 3_600_000), to: now };
}

function pointIds(c: Context): number[] {
  const ids = [...(c.req.query("points") ?? "").split(","), c.req.query("add") ?? ""]
    .map((s) => s.trim().replace(/^@/, ""))
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new AppError("invalid", "choose at least one point");
  if (unique.length > MAX_POINTS) throw new AppError("invalid", `at most ${MAX_POINTS} points on one chart`);
  return unique;
}

/** The org's tree (one page of equipment, `tq` searching names) as the tree panel's props. */
async function orgTreeProps(c: Context, deps: AppDeps, p: PageContext, filter: string): Promise<TreeProps> {
  const org = requireOrg(p);
  const q = (c.req.query("tq") ?? "").trim().slice(0, 200);
  const pageNo = Math.min(10_000, Math.max(1, Number.parseInt(c.req.query("tpage") ?? "1", 10) || 1));
  const t = await orgTree({
    deps,
    actor: p.actor,
    orgId: org.id,
    q,
    skip: (pageNo - 1) * TREE_PAGE_SIZE,
    limit: TREE_PAGE_SIZE,
  });
  const pointsOf = new Map<number, TreeNode[]>();
  for (const x of t.points) {
    const list = pointsOf.get(x.parent) ?? [];
    list.push({ id: x.id, dis: x.dis ?? String(x.id), kind: "point", children: [], match: x.match });
    pointsOf.set(x.parent, list);
  }
  const needle = q.toLowerCase();
  const sites = new Map<number, TreeNode>(
    t.sites.map((s) => [
      s.id,
      { id: s.id, dis: s.dis ?? String(s.id), kind: "site", children: [], count: s.points },
    ]),
  );
  const loose: TreeNode[] = [];
  for (const e of t.equips) {
    const node: TreeNode = {
      id: e.id,
      dis: e.dis ?? String(e.id),
      kind: "equip",
      label: e.station ? "weather station" : undefined,
      children: pointsOf.get(e.id) ?? [],
      count: e.points,
      match: needle !== "" && (e.dis ?? "").toLowerCase().includes(needle),
    };
    const site = e.site === null ? undefined : sites.get(e.site);
    if (site) site.children.push(node);
    else loose.push(node);
  }
  // with a search, or past the first page, only the sites with equipment on this page are shown
  const nodes = [...sites.values()].filter((s) => s.children.length > 0 || (q === "" && pageNo === 1));
  return {
    nodes: [...nodes, ...loose],
    scope: "org",
    q,
    filter,
    page: pageNo,
    more: pageNo * TREE_PAGE_SIZE < t.total,
    total: t.total,
  };
}

/** How long explorer data is kept at most (catalog and access writes publish `records:written`). */
const KEEP_MS = 60_000;

/**
 * The explorer's data for this request: a filter's page of results with their tree and ref names,
 * or the org's tree; kept per viewer until a catalog or access write (`records:written`).
 */
function explorerData(c: Context, deps: AppDeps, p: PageContext) {
  const org = requireOrg(p);
  const filter = (c.req.query("filter") ?? "").trim();
  const pageNo = Math.min(10_000, Math.max(1, Number.parseInt(c.req.query("page") ?? "1", 10) || 1));
  const tq = c.req.query("tq") ?? "";
  const tpage = c.req.query("tpage") ?? "";
  const key = `explorer|${JSON.stringify([filter, pageNo, filter ? "" : tq, filter ? "" : tpage])}`;
  return pageData(
    deps,
    { actor: p.actor, orgId: org.id, key, changesWith: "records", maxAgeMs: KEEP_MS },
    () => readExplorer(c, deps, p, org.id, filter, pageNo),
  );
}

async function readExplorer(
  c: Context,
  deps: AppDeps,
  p: PageContext,
  orgId: number,
  filter: string,
  pageNo: number,
) {
  let error: FilterError | null = null;
  let results: FilterResult[] = [];
  let more = false;
  if (filter) {
    try {
      results = await filterEntities({
        deps,
        actor: p.actor,
        input: { filter, orgId, tags: ["*"], skip: (pageNo - 1) * PAGE_SIZE, limit: PAGE_SIZE + 1 },
      });
      more = results.length > PAGE_SIZE;
      results = results.slice(0, PAGE_SIZE);
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid") throw e;
      error = filterErrorOf(e);
    }
  }
  let tree: TreeProps;
  if (!filter) tree = await orgTreeProps(c, deps, p, filter);
  else {
    // the matches and the site and equip they name, with only the tree's tags, in one query
    const nodes =
      !error && results.length > 0
        ? buildTree(
            await treeEntities({
              deps,
              actor: p.actor,
              orgId,
              entityIds: results.map((r) => r.entity_id),
            }),
            new Set(results.map((r) => r.entity_id)),
          )
        : [];
    tree = { nodes, scope: "results", q: "", filter, page: 1, more: false, total: nodes.length };
  }
  const refs = await refInfos(
    deps,
    p.actor,
    orgId,
    results.flatMap((r) => r.tags.flatMap((t) => (t.value_ref !== null ? [t.value_ref] : []))),
  );
  const rows: EntityRow[] = results.map((r) => ({
    id: r.entity_id,
    ref: tagOf(r, "id"),
    dis: tagOf(r, "dis"),
    isPoint: r.tags.some((t) => t.tag_name === "point"),
    tags: tagViews(r.tags, refs),
  }));
  return { filter, error, rows, tree, page: pageNo, pageSize: PAGE_SIZE, more };
}

export function mountExplorerPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/explorer", async (c) => {
    const p = await pageContext(c, deps);
    const props = await explorerData(c, deps, p);
    const error = props.error;
    return page(
      c,
      () => <ExplorerPage shell={p.shell} {...props} />,
      () => <ExplorerResults {...props} />,
      error ? 400 : 200,
    );
  });

  // the tree's search and pager (a fragment for htmx, the explorer page otherwise)
  app.get("/explorer/tree", async (c) => {
    const p = await pageContext(c, deps);
    const filter = (c.req.query("filter") ?? "").trim();
    if (!isFragment(c)) {
      const q = new URL(c.req.url).search;
      return c.redirect(`/explorer${q}`, 302);
    }
    const org = requireOrg(p);
    const key = `tree|${JSON.stringify([filter, c.req.query("tq") ?? "", c.req.query("tpage") ?? ""])}`;
    const tree = await pageData(
      deps,
      { actor: p.actor, orgId: org.id, key, changesWith: "records", maxAgeMs: KEEP_MS },
      () => orgTreeProps(c, deps, p, filter),
    );
    return page(
      c,
      () => <TreePanel {...tree} />,
      () => <TreePanel {...tree} />,
    );
  });

  app.get("/explorer/chart", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const ids = pointIds(c);
    const points = await Promise.all(ids.map((id) => pointInfo(deps, p.actor, org.id, id)));
    const tz = points[0]?.tz ?? "UTC";
    const { range, from, to } = rangeOf(c, tz, deps.clock.now());
    const { chart, rows } = await pointsChart({
      deps,
      actor: p.actor,
      orgId: org.id,
      points: points.map((x) => ({ entityId: x.id, name: x.dis, unit: x.unit })),
      from,
      to,
      title: points.map((x) => x.dis).join(", "),
      tz,
    });
    c.header("cache-control", "no-store");
    return c.html(
      <ChartPage
        shell={p.shell}
        points={points}
        range={RANGES.some(([k]) => k === range) ? range : "custom"}
        from={from.toISOString()}
        to={to.toISOString()}
        fromLocal={localInput(from, tz)}
        toLocal={localInput(to, tz)}
        tz={tz}
        chart={chart}
        rowCount={rows.length}
      />,
    );
  });

  // CSV keeps ids (entity id and `id` tag) and gives each time in UTC and in the point's site time
  app.get("/explorer/chart.csv", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const ids = pointIds(c);
    const points = await Promise.all(ids.map((id) => pointInfo(deps, p.actor, org.id, id)));
    const from = new Date(c.req.query("from") ?? "");
    const to = new Date(c.req.query("to") ?? "");
    if (!isStorableInstant(from.getTime()) || !isStorableInstant(to.getTime()) || from >= to)
      throw new AppError("invalid", `from and to must be timestamps (${INSTANT_RANGE}), from before to`);
    const { rows } = await pointsChart({
      deps,
      actor: p.actor,
      orgId: org.id,
      points: points.map((x) => ({ entityId: x.id, name: x.dis, unit: x.unit })),
      from,
      to,
      title: "",
      maxRows: 100_000,
    });
    const name = new Map(points.map((x) => [x.id, x]));
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? "" : String(v);
      // quote, and neutralise spreadsheet formulas
      const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
      return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    const lines = ["ts,site_time,tz,entity_id,id,dis,unit,value"];
    for (const r of rows) {
      const x = name.get(r.entity_id);
      const tz = x?.tz ?? "UTC";
      lines.push(
        [r.ts.toISOString(), isoWithOffset(r.ts, tz), tz, r.entity_id, x?.ref, x?.dis, x?.unit, r.value]
          .map(cell)
          .join(","),
      );
    }
    return c.body(`${lines.join("\n")}\n`, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="points-${from.toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    });
  });
}
