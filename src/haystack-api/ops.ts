// The Haystack ops, from a decoded request grid to a response grid. The HTTP edge (routes.ts)
// authenticates, negotiates formats and turns thrown errors into error grids; everything here is
// protocol semantics over the services of catalog/, ingest/ and points/.
import type { Actor } from "../access/actor.ts";
import { defNamespace } from "../catalog/defs.ts";
import { entityIdsByRef, filterEntityIds, parseFilterOrThrow } from "../catalog/read.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import {
  type Dict,
  Grid,
  GridWriter,
  HDateTime,
  HNum,
  HSymbol,
  type HVal,
  MARKER,
  matches,
  Ref,
  Uri,
} from "../haystack/index.ts";
import { pointWrite, pointWriteArray } from "../points/point-write.ts";
import { closeAuthToken } from "./auth.ts";
import { hisRead, hisWrite, rangeText } from "./his.ts";
import { DICT_PAGE_ROWS, dictColumns, type HaystackOrg, loadDicts, openDictReader } from "./records.ts";
import { gridOf, watchPoll, watchSub, watchUnsub } from "./watch.ts";
import { type GridStream, MEDIA_TYPES, streamGrid } from "./wire.ts";

export interface OpDef {
  readonly name: string;
  readonly summary: string;
  /** Side-effect free: may be called with GET. */
  readonly safe: boolean;
}

export const OPS: readonly OpDef[] = [
  { name: "about", summary: "Summary information for server", safe: true },
  { name: "close", summary: "Close the current session", safe: false },
  { name: "ops", summary: "Operations supported by this server", safe: true },
  { name: "formats", summary: "Grid data formats supported by this server", safe: true },
  { name: "filetypes", summary: "File types supported by this server", safe: true },
  { name: "defs", summary: "Definitions of the namespace", safe: true },
  { name: "libs", summary: "Libraries of the namespace", safe: true },
  { name: "read", summary: "Read entity records in database", safe: true },
  { name: "nav", summary: "Navigate record tree", safe: true },
  { name: "hisRead", summary: "Read time series from historian", safe: true },
  { name: "hisWrite", summary: "Write time series data to historian", safe: false },
  { name: "watchSub", summary: "Watch subscription", safe: false },
  { name: "watchUnsub", summary: "Watch unsubscription", safe: false },
  { name: "watchPoll", summary: "Watch poll cur or refresh", safe: false },
  { name: "pointWrite", summary: "Read/write writable point priority array", safe: false },
  { name: "invokeAction", summary: "Invoke action on target entity", safe: false },
];

export const opByName = (name: string): OpDef | undefined => OPS.find((o) => o.name === name);

/** Most rows `read` answers. */
export const READ_MAX_LIMIT = 100_000;

const BOOT = Date.now();

export interface OpContext {
  deps: ServiceDeps;
  actor: Actor;
  org: HaystackOrg;
  /** The SCRAM auth token of the request, if it used one (for `close`). */
  authToken: string | null;
}

function refsOf(grid: Grid): Ref[] {
  return grid.rows.map((r) => {
    if (!(r.id instanceof Ref)) throw new AppError("invalid", "every row needs an id Ref");
    return r.id;
  });
}

function intOf(v: HVal | null | undefined, name: string, max: number): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (!(v instanceof HNum) || !Number.isInteger(v.val) || v.val < 1)
    throw new AppError("invalid", `${name} must be a positive integer`);
  return Math.min(v.val, max);
}

async function read(ctx: OpContext, req: Grid): Promise<GridStream> {
  const { deps, actor, org } = ctx;
  const sql = deps.dbs.primary;
  const first = req.rows[0] ?? {};
  if (typeof first.filter === "string") {
    const limit = intOf(first.limit, "limit", READ_MAX_LIMIT) ?? READ_MAX_LIMIT;
    // one instant for which writes are in force, in the filter and in the records it answers
    const at = deps.clock.now();
    const ids = await filterEntityIds(sql, actor, org.id, parseFilterOrThrow(first.filter), { limit }, at);
    return streamDicts(sql, ids, org, actor, DICT_PAGE_ROWS, at);
  }
  if (req.rows.length === 0 || !(first.id instanceof Ref))
    throw new AppError("invalid", "read needs a filter or ids");
  const refs = refsOf(req);
  const ids = await entityIdsByRef(
    sql,
    actor,
    org.id,
    refs.map((r) => r.id),
  );
  const dicts = await loadDicts(sql, [...ids.values()], org, actor, deps.clock.now());
  return streamGrid(gridOf(refs.map((r) => dicts.get(ids.get(r.id) ?? -1) ?? {})));
}

/**
 * The grid of these entities' dicts (ascending ids), loaded and encoded `pageRows` at a time: the
 * columns come from one SQL pass first (`dictColumns`), so the header leaves before the first page
 * is loaded; the next page is loaded while one is encoded and sent. The text is what `gridOf` of
 * all the dicts, written whole, would be. The ids and the columns are read before the stream is
 * answered (their failures are error grids); a page's failure aborts the response. A dict with a
 * tag outside the columns (the data changed between the column pass and its page) fails too: a
 * grid silently missing a tag is worse than an aborted one.
 */
export async function streamDicts(
  sql: Sql,
  ids: readonly number[],
  org: HaystackOrg,
  actor: Actor,
  pageRows = DICT_PAGE_ROWS,
  /** When write levels are judged in force (the services' clock). */
  at?: Date,
): Promise<GridStream> {
  if (ids.length === 0) return streamGrid(Grid.empty());
  const reader = await openDictReader(sql, org, actor, at);
  const names = await dictColumns(sql, ids, reader, pageRows);
  const cols = new Set(names);
  const head = new Grid(
    {},
    names.map((name) => ({ name, meta: {} })),
    [],
  );
  const per = Math.max(1, pageRows);
  /** Page `from`'s load, started now; a load the consumer never awaits (it stopped) fails quietly. */
  const load = (from: number) => {
    const p = reader.load(ids.slice(from, from + per));
    p.catch(() => {});
    return p;
  };
  return {
    kind: "stream",
    async *encode(format) {
      const w = new GridWriter(format, head);
      yield w.head();
      let next = load(0);
      for (let from = 0; from < ids.length; from += per) {
        const dicts = await next;
        if (from + per < ids.length) next = load(from + per);
        const rows = ids.slice(from, from + per).map((id) => dicts.get(id) ?? {});
        for (const d of rows)
          for (const k in d)
            if (!cols.has(k) && d[k] !== undefined && d[k] !== null)
              throw new Error(`read: tag ${k} is not among the columns sent (changed while read)`);
        yield w.rows(rows);
      }
      const tail = w.tail();
      if (tail) yield tail;
    },
  };
}

/**
 * The nav tree: the roots are the sites and the weather stations; a site's children are its equips
 * and the points on it outside any equip; an equip's or a weather station's children are its
 * points. Points are leaves (no `navId`).
 */
async function nav(ctx: OpContext, req: Grid): Promise<Grid> {
  const { deps, actor, org } = ctx;
  const sql = deps.dbs.primary;
  const navId = req.rows[0]?.navId;
  let filter: string;
  if (navId === null || navId === undefined) filter = "site or weatherStation";
  else {
    const id =
      navId instanceof Ref ? navId.id : typeof navId === "string" ? navId.replace(/^@/, "") : undefined;
    if (id === undefined) throw new AppError("invalid", "navId must be a Ref");
    const found = await entityIdsByRef(sql, actor, org.id, [id]);
    const entityId = found.get(id);
    if (entityId === undefined) throw new AppError("not_found", `unknown navId @${id}`);
    const d = (await loadDicts(sql, [entityId])).get(entityId) ?? {};
    const ref = new Ref(id).toString();
    if (d.site !== undefined)
      filter = `(equip and siteRef == ${ref}) or (point and siteRef == ${ref} and not equipRef)`;
    else if (d.equip !== undefined) filter = `point and equipRef == ${ref}`;
    else if (d.weatherStation !== undefined)
      filter = `point and weatherStationRef == ${ref} and not equipRef`;
    else return Grid.empty();
  }
  const at = deps.clock.now();
  const ids = await filterEntityIds(
    sql,
    actor,
    org.id,
    parseFilterOrThrow(filter),
    { limit: READ_MAX_LIMIT },
    at,
  );
  const dicts = await loadDicts(sql, ids, org, actor, at);
  return gridOf(
    ids.map((i) => {
      const d = dicts.get(i) ?? {};
      return d.point !== undefined ? d : { ...d, navId: d.id as Ref };
    }),
  );
}

/**
 * `defs` (every def) or `libs` (the lib defs) of the org's namespace, ordered by symbol; the
 * request's `filter` is matched against the def dicts (with `^symbol` terms in the namespace) and
 * `limit` caps the rows.
 * @throws AppError invalid for a filter syntax error or a bad limit.
 */
async function defsOp(ctx: OpContext, req: Grid, libs: boolean): Promise<Grid> {
  const first = req.rows[0] ?? {};
  const ast = typeof first.filter === "string" ? parseFilterOrThrow(first.filter) : undefined;
  const limit = intOf(first.limit, "limit", READ_MAX_LIMIT);
  const ns = await defNamespace(ctx.deps.dbs.primary, ctx.actor, ctx.org.id);
  let rows = ns.defs();
  if (libs) rows = rows.filter((d) => d.def instanceof HSymbol && d.def.val.startsWith("lib:"));
  if (ast) rows = rows.filter((d) => matches(ast, d, () => undefined, ns));
  if (limit !== undefined) rows = rows.slice(0, limit);
  return rows.length > 0 ? Grid.fromRows(rows) : Grid.empty();
}

function about(ctx: OpContext): Grid {
  const version = "version" in ctx.deps ? String((ctx.deps as { version: unknown }).version) : "dev";
  return Grid.fromRows([
    {
      haystackVersion: "4.0",
      tz: "UTC",
      serverName: "haystack-sim",
      serverTime: HDateTime.fromInstant(ctx.deps.clock.now().getTime(), "UTC"),
      serverBootTime: HDateTime.fromInstant(BOOT, "UTC"),
      productName: "haystack-sim",
      productUri: new Uri("https://project-haystack.org/"),
      productVersion: version,
      vendorName: "haystack-sim",
      vendorUri: new Uri("https://project-haystack.org/"),
      moduleName: "haystack-api",
      moduleVersion: version,
      whoami: ctx.actor.email ?? `user ${ctx.actor.userId ?? "system"}`,
    },
  ]);
}

const FORMATS: readonly Dict[] = MEDIA_TYPES.map((mime) => ({ mime, receive: MARKER, send: MARKER }));

const FILETYPES: readonly Dict[] = [
  { def: new HSymbol("filetype:zinc"), dis: "Zinc", mime: "text/zinc", fileExt: "zinc" },
  { def: new HSymbol("filetype:json"), dis: "JSON", mime: "application/json", fileExt: "json" },
];

/**
 * Runs op `name` on a decoded request grid. `read` and `hisRead` answer a stream (encoded while it
 * is sent), the others a grid.
 * @throws AppError for any failure; the edge answers it as an error grid.
 */
export async function runOp(name: string, ctx: OpContext, req: Grid): Promise<Grid | GridStream> {
  const { deps, actor, org } = ctx;
  const first = req.rows[0] ?? {};
  switch (name) {
    case "about":
      return about(ctx);
    case "close":
      if (ctx.authToken) closeAuthToken(deps, ctx.authToken);
      return Grid.empty();
    case "ops":
      return Grid.fromRows(OPS.map((o) => ({ name: o.name, summary: o.summary })));
    case "formats":
      return Grid.fromRows(FORMATS);
    case "filetypes":
      return Grid.fromRows(FILETYPES);
    case "defs":
    case "libs":
      return defsOp(ctx, req, name === "libs");
    case "read":
      return read(ctx, req);
    case "nav":
      return nav(ctx, req);
    case "hisRead": {
      // Batch form (Haystack 4): the range in the grid meta, one row per point, columns v0…
      if (req.meta.range !== undefined || req.rows.length > 1)
        return hisRead({
          deps,
          actor,
          org,
          ids: refsOf(req),
          range: rangeText(req.meta.range ?? first.range),
          batch: true,
        });
      if (!(first.id instanceof Ref)) throw new AppError("invalid", "hisRead needs an id Ref");
      return hisRead({ deps, actor, org, ids: [first.id], range: rangeText(first.range) });
    }
    case "hisWrite": {
      await hisWrite({ deps, actor, org, grid: req });
      return Grid.empty();
    }
    case "watchSub":
      return watchSub({
        deps,
        actor,
        org,
        watchId: req.meta.watchId,
        watchDis: req.meta.watchDis,
        lease: req.meta.lease,
        refs: refsOf(req),
      });
    case "watchPoll":
      return watchPoll({
        deps,
        actor,
        org,
        watchId: req.meta.watchId,
        refresh: req.meta.refresh !== undefined,
      });
    case "watchUnsub":
      return watchUnsub({
        deps,
        actor,
        org,
        watchId: req.meta.watchId,
        close: req.meta.close !== undefined,
        refs: req.rows.filter((r) => r.id instanceof Ref).map((r) => r.id as Ref),
      });
    case "pointWrite": {
      if (!(first.id instanceof Ref)) throw new AppError("invalid", "pointWrite needs an id Ref");
      const found = await entityIdsByRef(deps.dbs.primary, actor, org.id, [first.id.id]);
      const entityId = found.get(first.id.id);
      if (entityId === undefined) throw new AppError("not_found", `unknown id @${first.id.id}`);
      if (first.level === undefined || first.level === null) return pointWriteArray(deps, entityId);
      const level = first.level instanceof HNum ? first.level.val : Number.NaN;
      return pointWrite({
        deps,
        actor,
        org,
        entityId,
        level,
        val: first.val ?? null,
        who: typeof first.who === "string" ? first.who : undefined,
        duration: first.duration,
      });
    }
    case "invokeAction": {
      // No entity defines actions here: a known target answers an error grid saying so.
      const id = req.meta.id;
      const action = req.meta.action;
      if (!(id instanceof Ref)) throw new AppError("invalid", "invokeAction needs meta id (a Ref)");
      if (typeof action !== "string" || action === "")
        throw new AppError("invalid", "invokeAction needs meta action (a Str)");
      const found = await entityIdsByRef(deps.dbs.primary, actor, org.id, [id.id]);
      if (!found.has(id.id)) throw new AppError("not_found", `unknown id @${id.id}`);
      throw new AppError("invalid", `@${id.id} has no action ${action} (no actions are defined)`);
    }
    default:
      throw new AppError("not_found", `unknown op ${name}`);
  }
}
