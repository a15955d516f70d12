/** @jsxImportSource hono/jsx */
// The data explorer: filter → entity table and site/equip/point tree; chart of points over a range
// (presets or custom), several points on one chart, and CSV export of the shown values.
import type { Context, Hono } from "hono";
import {
  ChartPage,
  type EntityRow,
  ExplorerPage,
  ExplorerResults,
  type FilterError,
  RANGES,
  type TreeNode,
} from "../../views/explorer/index.tsx";
import type { Actor } from "../access/actor.ts";
import { getEntity } from "../catalog/entities.ts";
import { type FilterResult, filterEntities } from "../catalog/filter.ts";
import { treeEntities } from "../catalog/tree.ts";
import { AppError, isAppError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { page, pageContext, requireOrg } from "./context.ts";
import { pointsChart, tagOf, tagText } from "./series.ts";
import { parseLocalUtc } from "./simulators.tsx";

/** Results per page of the explorer table. */
export const PAGE_SIZE = 50;
const MAX_POINTS = 8;

function refOf(r: FilterResult, name: string): number | null {
  const t = r.tags.find((x) => x.tag_name === name);
  return t?.value_ref ?? null;
}

/** Builds site → equip → point from the results' refs (entities without a site are left out). */
export function buildTree(results: readonly FilterResult[]): TreeNode[] {
  const node = (r: FilterResult, kind: TreeNode["kind"]): TreeNode => ({
    id: r.entity_id,
    dis: tagOf(r, "dis") ?? tagOf(r, "id") ?? String(r.entity_id),
    kind,
    children: [],
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
  return [...sites.values()];
}

function filterErrorOf(e: AppError): FilterError {
  const m = /^(\d+):(\d+)\s+(.*)$/s.exec(e.message);
  return m
    ? { message: `Line ${m[1]}, column ${m[2]}: ${m[3]}`, col: Number(m[2]) }
    : { message: e.message, col: null };
}

async function pointInfo(deps: AppDeps, actor: Actor, orgId: number, id: number) {
  const e = await getEntity({ deps, actor, orgId, ref: String(id) });
  const text = (n: string) => {
    const t = e.tags.find((x) => x.tag_name === n);
    return t ? (t.value_s ?? (t.value_n !== null ? String(t.value_n) : null)) : null;
  };
  return { id: e.id, dis: text("dis") ?? text("id") ?? String(e.id), ref: text("id"), unit: text("unit") };
}

function rangeOf(c: Context, now: Date): { range: string; from: Date; to: Date } {
  const range = c.req.query("range") ?? "1d";
  if (range === "custom") {
    const from = parseLocalUtc(c.req.query("from"));
    const to = parseLocalUtc(c.req.query("to"));
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

export function mountExplorerPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/explorer", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const filter = (c.req.query("filter") ?? "").trim();
    const pageNo = Math.min(10_000, Math.max(1, Number.parseInt(c.req.query("page") ?? "1", 10) || 1));
    let error: FilterError | null = null;
    let results: FilterResult[] = [];
    let more = false;
    if (filter) {
      try {
        results = await filterEntities({
          deps,
          actor: p.actor,
          input: { filter, orgId: org.id, tags: ["*"], skip: (pageNo - 1) * PAGE_SIZE, limit: PAGE_SIZE + 1 },
        });
        more = results.length > PAGE_SIZE;
        results = results.slice(0, PAGE_SIZE);
      } catch (e) {
        if (!isAppError(e) || e.code !== "invalid") throw e;
        error = filterErrorOf(e);
      }
    }
    // The matches and the site and equip they name, with only the tree's tags, in one query.
    const tree: TreeNode[] =
      filter && !error && results.length > 0
        ? buildTree(
            await treeEntities({
              deps,
              actor: p.actor,
              orgId: org.id,
              entityIds: results.map((r) => r.entity_id),
            }),
          )
        : [];
    const rows: EntityRow[] = results.map((r) => ({
      id: r.entity_id,
      ref: tagOf(r, "id"),
      dis: tagOf(r, "dis"),
      isPoint: r.tags.some((t) => t.tag_name === "point"),
      tags: r.tags.filter((t) => t.tag_name !== "id").map((t) => ({ name: t.tag_name, value: tagText(t) })),
    }));
    const props = { filter, error, rows, tree, page: pageNo, pageSize: PAGE_SIZE, more };
    return page(
      c,
      () => <ExplorerPage shell={p.shell} {...props} />,
      () => <ExplorerResults {...props} />,
      error ? 400 : 200,
    );
  });

  app.get("/explorer/point/:id{[0-9]+}", (c) =>
    c.redirect(`/explorer/chart?points=${c.req.param("id")}`, 302),
  );

  app.get("/explorer/chart", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const ids = pointIds(c);
    const points = await Promise.all(ids.map((id) => pointInfo(deps, p.actor, org.id, id)));
    const { range, from, to } = rangeOf(c, deps.clock.now());
    const { chart, rows } = await pointsChart({
      deps,
      actor: p.actor,
      orgId: org.id,
      points: points.map((x) => ({ entityId: x.id, name: x.dis, unit: x.unit })),
      from,
      to,
      title: points.map((x) => x.dis).join(", "),
    });
    c.header("cache-control", "no-store");
    return c.html(
      <ChartPage
        shell={p.shell}
        points={points}
        range={RANGES.some(([k]) => k === range) ? range : "custom"}
        from={from.toISOString()}
        to={to.toISOString()}
        chart={chart}
        rowCount={rows.length}
      />,
    );
  });

  app.get("/explorer/chart.csv", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const ids = pointIds(c);
    const points = await Promise.all(ids.map((id) => pointInfo(deps, p.actor, org.id, id)));
    const from = new Date(c.req.query("from") ?? "");
    const to = new Date(c.req.query("to") ?? "");
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)
      throw new AppError("invalid", "from and to must be timestamps, from before to");
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
    const lines = ["ts,entity_id,id,dis,unit,value"];
    for (const r of rows) {
      const x = name.get(r.entity_id);
      lines.push([r.ts.toISOString(), r.entity_id, x?.ref, x?.dis, x?.unit, r.value].map(cell).join(","));
    }
    return c.body(`${lines.join("\n")}\n`, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="points-${from.toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    });
  });
}
