/** @jsxImportSource hono/jsx */
// Entity pages: a point (current value live, chart over a range in site time, priority array with
// write/release through the same pointWrite as the Haystack op), a piece of equipment (its points
// with current values live and a trend each), and any other entity (a site: its equipment).
import type { Context, Hono } from "hono";
import type { PointRow } from "../../views/entity/equip.tsx";
import { EquipPage } from "../../views/entity/equip.tsx";
import type { EntityHead } from "../../views/entity/head.tsx";
import { POINT_RANGES, PointPage } from "../../views/entity/point.tsx";
import { PriorityArray, type PriorityForm, type PriorityProps } from "../../views/entity/priority-array.tsx";
import { EntityPage } from "../../views/entity/site.tsx";
import { fmtValue } from "../../views/format.ts";
import type { Flash } from "../../views/shell.ts";
import type { Actor } from "../access/actor.ts";
import { type BuildingEntity, buildingEntity, pointCounts, referringEntities } from "../catalog/building.ts";
import type { FilterResult } from "../catalog/filter.ts";
import { AppError, isAppError } from "../errors.ts";
import { HNum, type HVal } from "../haystack/index.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { effectiveWrites, type PriorityLevel, pointWrite, priorityLevels } from "../points/point-write.ts";
import {
  currentValues,
  hasTag,
  localInput,
  markersOf,
  parseSiteLocal,
  refIdOf,
  refTarget,
  tagNamed,
  tagViews,
  trends,
} from "./building.ts";
import { flash, formOf, isFragment, type PageContext, pageContext, requireOrg } from "./context.ts";
import { pageData } from "./page-cache.ts";
import { pointsChart, tagOf } from "./series.ts";

/** Hours of trend beside each point of an equipment page, in so many buckets. */
const SPARK_HOURS = 6;
const SPARK_BUCKETS = 36;
const RANGE_HOURS: Readonly<Record<string, number>> = { "6h": 6, "1d": 24, "7d": 168, "30d": 720 };
/** Refs by which equipment names the equipment it is served by (a VAV's AHU, a loop's plant). */
const SERVED_BY = ["ahuRef", "airRef", "equipRef", "chilledWaterRef", "hotWaterRef", "submeterOf"];

/** How long an entity's tags and its related entities are kept at most without a catalog write. */
const KEEP_MS = 60_000;

/**
 * Catalog data of the pages (an entity, the points and equipment that refer to it), kept per viewer
 * until a catalog or access write (`records:written`); values are read on every request.
 */
const catalogData = <T,>(deps: AppDeps, p: PageContext, key: string, read: () => Promise<T>) =>
  pageData(
    deps,
    { actor: p.actor, orgId: requireOrg(p).id, key, changesWith: "records", maxAgeMs: KEEP_MS },
    read,
  );

const idParam = (c: Context) => Number(c.req.param("id"));
const disOf = (r: FilterResult) => tagOf(r, "dis") ?? tagOf(r, "id") ?? String(r.entity_id);

function headOf(e: BuildingEntity): EntityHead {
  const target = (name: string) => {
    const id = refIdOf(e, name);
    const info = id === null ? undefined : e.refs.get(id);
    return info ? refTarget(info) : null;
  };
  return {
    id: e.entity_id,
    ref: tagOf(e, "id"),
    dis: disOf(e),
    markers: markersOf(e, true).slice(0, 12),
    tags: tagViews(e.tags, e.refs),
    site: target("siteRef"),
    equip: target("equipRef") ?? target("weatherStationRef"),
    tz: e.tz,
  };
}

/** The rows of an equipment page's point table: current value, override, trend. */
async function pointRows(
  deps: AppDeps,
  actor: Actor,
  orgId: number,
  points: readonly FilterResult[],
): Promise<PointRow[]> {
  const info = points.map((r) => ({ id: r.entity_id, unit: tagOf(r, "unit") }));
  const to = deps.clock.now();
  const [cur, spark, writes] = await Promise.all([
    currentValues(deps, actor, orgId, info),
    trends({
      deps,
      actor,
      orgId,
      points: info.map((p) => p.id),
      from: new Date(to.getTime() - SPARK_HOURS * 3_600_000),
      to,
      buckets: SPARK_BUCKETS,
    }),
    points.some((r) => hasTag(r, "writable")) ? effectiveWrites({ deps, orgId }) : new Map(),
  ]);
  return points.map((r) => ({
    id: r.entity_id,
    ref: tagOf(r, "id"),
    dis: disOf(r),
    what: markersOf(r).join(" "),
    unit: tagOf(r, "unit"),
    writable: hasTag(r, "writable"),
    cur: cur.get(r.entity_id) ?? null,
    spark: spark.get(r.entity_id) ?? [],
    overridden: writes.has(r.entity_id),
  }));
}

function levelViews(levels: readonly PriorityLevel[], unit: string | null): PriorityProps["levels"] {
  return levels.map((l) => ({
    level: l.level,
    levelDis: l.levelDis,
    val:
      l.val === null ? null : fmtValue(l.val instanceof HNum ? l.val.val : (l.val as boolean | string), unit),
    who: l.who,
    expiresAt: l.expiresAt?.toISOString() ?? null,
  }));
}

type PointKind = PriorityProps["kind"];
const kindOfPoint = (e: FilterResult): PointKind => {
  const k = tagOf(e, "kind");
  return k === "Bool" || k === "Str" ? k : "Number";
};

/** The priority array section of a writable point (null for a point that is not writable). */
export async function prioritySection(
  deps: AppDeps,
  viewer: { actor: Actor; csrf: string | null; canWrite: boolean },
  e: BuildingEntity,
  extra: { message?: Flash | null; form?: PriorityForm | null } = {},
): Promise<PriorityProps | null> {
  if (!hasTag(e, "writable") || !hasTag(e, "point")) return null;
  const unit = tagOf(e, "unit");
  return {
    pointId: e.entity_id,
    kind: kindOfPoint(e),
    unit,
    levels: levelViews(await priorityLevels(deps, e.entity_id), unit),
    canWrite: viewer.canWrite,
    csrf: viewer.csrf,
    defaultWho: viewer.actor.email ?? "",
    tz: e.tz,
    ...extra,
  };
}

const viewerOf = (p: PageContext) => ({ actor: p.actor, csrf: p.shell.csrf, canWrite: p.org !== null });

function rangeOf(c: Context, tz: string, now: Date) {
  const range = c.req.query("range") ?? "1d";
  if (range === "custom") {
    const from = parseSiteLocal(c.req.query("from"), tz);
    const to = parseSiteLocal(c.req.query("to"), tz) ?? now;
    if (from === null || to === null) throw new AppError("invalid", "enter times as YYYY-MM-DDTHH:MM");
    const f = from ?? new Date(to.getTime() - 86_400_000);
    if (f >= to) throw new AppError("invalid", "from must be before to");
    if (to.getTime() - f.getTime() > 366 * 86_400_000)
      throw new AppError("invalid", "show at most a year at once");
    return { range, from: f, to };
  }
  const h = RANGE_HOURS[range] ?? 24;
  return { range: RANGE_HOURS[range] ? range : "1d", from: new Date(now.getTime() - h * 3_600_000), to: now };
}

async function pointPage(c: Context, deps: AppDeps, p: PageContext, e: BuildingEntity) {
  const orgId = requireOrg(p).id;
  const now = deps.clock.now();
  const unit = tagOf(e, "unit");
  let rangeError: string | null = null;
  let r: ReturnType<typeof rangeOf>;
  try {
    r = rangeOf(c, e.tz, now);
  } catch (err) {
    if (!isAppError(err) || err.code !== "invalid") throw err;
    rangeError = err.message;
    r = { range: "1d", from: new Date(now.getTime() - 86_400_000), to: now };
  }
  const [{ chart, rows }, cur, priority] = await Promise.all([
    pointsChart({
      deps,
      actor: p.actor,
      orgId,
      points: [{ entityId: e.entity_id, name: disOf(e), unit }],
      from: r.from,
      to: r.to,
      title: disOf(e),
      tz: e.tz,
    }),
    currentValues(deps, p.actor, orgId, [{ id: e.entity_id, unit }]),
    prioritySection(deps, viewerOf(p), e),
  ]);
  c.header("cache-control", "no-store");
  return c.html(
    <PointPage
      shell={p.shell}
      live={`/events?topics=point:${e.entity_id}`}
      head={headOf(e)}
      unit={unit}
      cur={cur.get(e.entity_id) ?? null}
      overridden={priority?.levels.some((l) => l.val !== null) ?? false}
      chart={chart}
      rowCount={rows.length}
      range={POINT_RANGES.some(([k]) => k === r.range) ? r.range : "custom"}
      fromLocal={localInput(r.from, e.tz)}
      toLocal={localInput(r.to, e.tz)}
      fromIso={r.from.toISOString()}
      toIso={r.to.toISOString()}
      rangeError={rangeError}
      priority={priority}
      now={now}
    />,
    rangeError ? 400 : 200,
  );
}

async function equipPage(c: Context, deps: AppDeps, p: PageContext, e: BuildingEntity) {
  const orgId = requireOrg(p).id;
  const [points, served] = await catalogData(deps, p, `equip-refs|${e.entity_id}`, () =>
    Promise.all([
      referringEntities({
        deps,
        actor: p.actor,
        orgId,
        targetId: e.entity_id,
        refTags: ["equipRef", "weatherStationRef"],
        marker: "point",
      }),
      referringEntities({
        deps,
        actor: p.actor,
        orgId,
        targetId: e.entity_id,
        refTags: SERVED_BY,
        marker: "equip",
        names: ["id", "dis"],
      }),
    ]),
  );
  const rows = await pointRows(deps, p.actor, orgId, points);
  c.header("cache-control", "no-store");
  return c.html(
    <EquipPage
      shell={p.shell}
      live={`/events?topics=${encodeURIComponent(`points:${rows.map((x) => x.id).join(".")}`)}`}
      head={headOf(e)}
      points={rows}
      served={served
        .filter((s) => s.entity_id !== e.entity_id)
        .map((s) => ({ id: s.entity_id, ref: tagOf(s, "id"), dis: tagOf(s, "dis") }))}
      sparkHours={SPARK_HOURS}
      now={deps.clock.now()}
    />,
  );
}

async function otherPage(c: Context, deps: AppDeps, p: PageContext, e: BuildingEntity) {
  const orgId = requireOrg(p).id;
  const equips = await referringEntities({
    deps,
    actor: p.actor,
    orgId,
    targetId: e.entity_id,
    refTags: ["siteRef", "spaceRef"],
    marker: "equip",
    names: ["id", "dis"],
  });
  const station = refIdOf(e, "weatherStationRef");
  const stationInfo = station === null ? undefined : e.refs.get(station);
  const ids = [...equips.map((x) => x.entity_id), ...(stationInfo ? [stationInfo.id] : [])];
  const counts = await pointCounts({ deps, actor: p.actor, orgId, parents: ids });
  const list = [
    ...equips.map((x) => ({ id: x.entity_id, ref: tagOf(x, "id"), dis: tagOf(x, "dis") })),
    ...(stationInfo ? [refTarget(stationInfo)] : []),
  ].map((x) => ({ ...x, points: counts.get(x.id) ?? 0 }));
  c.header("cache-control", "no-store");
  return c.html(
    <EntityPage
      shell={p.shell}
      live=""
      head={headOf(e)}
      equips={list}
      points={[]}
      sparkHours={SPARK_HOURS}
      now={deps.clock.now()}
    />,
  );
}

/** Reads the write form into a pointWrite call's arguments, or the form's errors. */
function parseWrite(
  f: Record<string, string>,
  kind: PointKind,
  unit: string | null,
  defaultWho: string,
):
  | { ok: true; level: number; val: HVal | null; who: string; duration: HNum | null }
  | { ok: false; form: PriorityForm } {
  const errors: Record<string, string> = {};
  const level = Number(f.level);
  if (!Number.isInteger(level) || level < 1 || level > 17) errors.level = "choose a level from 1 to 17";
  const release = f.release === "1";
  const raw = (f.value ?? "").trim();
  let val: HVal | null = null;
  if (!release) {
    if (kind === "Number") {
      const n = Number(raw);
      if (raw === "" || !Number.isFinite(n)) errors.value = `enter a number${unit ? ` in ${unit}` : ""}`;
      else val = new HNum(n, unit);
    } else if (kind === "Bool") {
      if (raw !== "true" && raw !== "false") errors.value = "choose true or false";
      else val = raw === "true";
    } else if (raw === "" || raw.length > 1000) errors.value = "enter a value (at most 1,000 characters)";
    else val = raw;
  }
  const minutes = (f.duration ?? "").trim();
  let duration: HNum | null = null;
  if (!release && minutes !== "") {
    const m = Number(minutes);
    if (!Number.isInteger(m) || m < 1 || m > 7 * 24 * 60) errors.duration = "choose a duration up to 7 days";
    else duration = new HNum(m, "min");
  }
  const who = (f.who ?? "").trim().slice(0, 200) || defaultWho;
  if (Object.keys(errors).length > 0)
    return { ok: false, form: { level: f.level ?? "8", value: raw, who, duration: minutes, errors } };
  return { ok: true, level, val, who, duration };
}

export function mountEntityPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/explorer/entity/:id{[0-9]+}", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const id = idParam(c);
    const e = await catalogData(deps, p, `entity|${id}`, () =>
      buildingEntity({ deps, actor: p.actor, orgId: org.id, entityId: id }),
    );
    if (hasTag(e, "point")) return pointPage(c, deps, p, e);
    if (hasTag(e, "equip") || hasTag(e, "weatherStation")) return equipPage(c, deps, p, e);
    return otherPage(c, deps, p, e);
  });

  // the older point link (bookmarks, the chart page's links) opens the point page
  app.get("/explorer/point/:id{[0-9]+}", (c) => c.redirect(`/explorer/entity/${c.req.param("id")}`, 302));

  app.post("/explorer/entity/:id{[0-9]+}/write", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const e = await buildingEntity({ deps, actor: p.actor, orgId: org.id, entityId: idParam(c) });
    if (!hasTag(e, "point") || !hasTag(e, "writable"))
      throw new AppError("invalid", "this point is not writable");
    const unit = tagOf(e, "unit");
    const parsed = parseWrite(await formOf(c), kindOfPoint(e), unit, p.actor.email ?? "");
    const back = `/explorer/entity/${e.entity_id}`;
    let message: Flash;
    let form: PriorityForm | null = null;
    let status = 200;
    if (!parsed.ok) {
      form = parsed.form;
      message = { kind: "error", text: "The write was not applied: see the fields below." };
      status = 422;
    } else {
      try {
        await pointWrite({
          deps,
          actor: p.actor,
          org: { id: org.id },
          entityId: e.entity_id,
          level: parsed.level,
          val: parsed.val,
          who: parsed.who,
          duration: parsed.duration,
        });
        const what = tagNamed(e, "dis")?.value_s ?? "the point";
        message = {
          kind: "ok",
          text:
            parsed.val === null
              ? `Level ${parsed.level} of ${what} released.`
              : `Level ${parsed.level} of ${what} set to ${fmtValue(parsed.val instanceof HNum ? parsed.val.val : (parsed.val as boolean | string), unit)}${parsed.duration ? ` for ${parsed.duration.val} min` : ""}; the simulation follows from its next interval.`,
        };
      } catch (err) {
        if (!isAppError(err) || err.code !== "invalid") throw err;
        message = { kind: "error", text: err.message };
        status = 422;
      }
    }
    if (!isFragment(c)) {
      flash(c, message.kind, message.text);
      return c.redirect(back, 303);
    }
    const section = await prioritySection(deps, viewerOf(p), e, { message, form });
    c.header("cache-control", "no-store");
    return c.html(section ? <PriorityArray {...section} /> : "", status as 200);
  });
}
