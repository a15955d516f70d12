// What the building pages share: tags as views (refs by their target's name), current values,
// evenly spaced trends for sparklines, and wall-clock times in a site's zone for range inputs.
import type { CurrentValue } from "../../views/components/point-value.tsx";
import type { RefTarget } from "../../views/components/ref-link.tsx";
import type { TagView } from "../../views/components/tag-list.tsx";
import type { Actor } from "../access/actor.ts";
import type { RefInfo } from "../catalog/building.ts";
import type { FilterResult, FilterTagRow } from "../catalog/filter.ts";
import { isStorableInstant } from "../haystack/instants.ts";
import { localFields, localToInstant } from "../haystack/tz.ts";
import type { AppDeps } from "../http/env.ts";
import { readCurrentValues, readPointValues, type ValueRow } from "../ingest/read.ts";
import { tagText } from "./series.ts";

export const refTarget = (r: RefInfo): RefTarget => ({ id: r.id, ref: r.ref, dis: r.dis });

/** Tags for display: `id` left out (pages show it apart), refs with their visible target. */
export function tagViews(tags: readonly FilterTagRow[], refs: ReadonlyMap<number, RefInfo>): TagView[] {
  return tags
    .filter((t) => t.tag_name !== "id")
    .map((t) => {
      const marker =
        t.value_s === null &&
        t.value_n === null &&
        t.value_ts === null &&
        t.value_ref === null &&
        t.value_enum === null &&
        (t.value_b === null || t.value_b === true);
      const view: TagView = { name: t.tag_name, text: tagText(t), marker };
      if (t.value_ref !== null) {
        const target = refs.get(t.value_ref);
        view.ref = target ? refTarget(target) : null;
        view.text = `@${target?.ref ?? t.value_ref}`;
      }
      return view;
    });
}

export const tagNamed = (r: FilterResult, name: string) => r.tags.find((t) => t.tag_name === name);
export const hasTag = (r: FilterResult, name: string) => r.tags.some((t) => t.tag_name === name);
export const refIdOf = (r: FilterResult, name: string): number | null => tagNamed(r, name)?.value_ref ?? null;

/** Markers that say what a point measures or commands (`discharge air temp sensor`). */
const NOT_WHAT = new Set(["point", "his", "cur", "writable", "hisTotalized"]);

/** An entity's markers in tag order, the structural ones (`point`, `his`…) left out. */
export function markersOf(r: FilterResult, keepStructural = false): string[] {
  return r.tags
    .filter(
      (t) =>
        t.value_s === null &&
        t.value_n === null &&
        t.value_ts === null &&
        t.value_ref === null &&
        t.value_enum === null &&
        t.value_b !== false,
    )
    .map((t) => t.tag_name)
    .filter((n) => keepStructural || !NOT_WHAT.has(n));
}

/** A value row's value as the page shows it. */
export function rowValue(r: Pick<ValueRow, "value_n" | "value_b" | "value_s" | "value_ts">) {
  if (r.value_n !== null) return Number(r.value_n);
  if (r.value_b !== null) return r.value_b;
  if (r.value_s !== null) return r.value_s;
  return r.value_ts ? new Date(r.value_ts).toISOString() : null;
}

/** The current value of each point that has one, with the point's unit. */
export async function currentValues(
  deps: AppDeps,
  actor: Actor,
  orgId: number,
  points: ReadonlyArray<{ id: number; unit: string | null }>,
): Promise<Map<number, CurrentValue>> {
  const out = new Map<number, CurrentValue>();
  if (points.length === 0) return out;
  const unit = new Map(points.map((p) => [p.id, p.unit]));
  const rows = await readCurrentValues({ deps, actor, orgId, points: points.map((p) => p.id) });
  for (const r of rows)
    out.set(r.entity_id, {
      value: rowValue(r),
      unit: unit.get(r.entity_id) ?? null,
      status: r.status,
      ts: new Date(r.ts).toISOString(),
    });
  return out;
}

/**
 * Trends of several points over `[from, to)` as `buckets` evenly spaced values each (the last
 * value in each bucket; null where there is none; booleans as 0/1).
 */
export async function trends(opts: {
  deps: AppDeps;
  actor: Actor;
  orgId: number;
  points: readonly number[];
  from: Date;
  to: Date;
  buckets: number;
}): Promise<Map<number, Array<number | null>>> {
  const out = new Map<number, Array<number | null>>(
    opts.points.map((id) => [id, new Array<number | null>(opts.buckets).fill(null)]),
  );
  if (opts.points.length === 0) return out;
  const rows = await readPointValues({
    deps: opts.deps,
    actor: opts.actor,
    orgId: opts.orgId,
    points: opts.points,
    from: opts.from,
    to: opts.to,
    skip: 0,
    limit: 20_000,
  });
  const t0 = opts.from.getTime();
  const span = opts.to.getTime() - t0;
  // newest first: the first value seen in a bucket is its last
  for (const r of rows) {
    const series = out.get(r.entity_id);
    const v = r.value_n !== null ? Number(r.value_n) : r.value_b === null ? null : r.value_b ? 1 : 0;
    if (!series || v === null) continue;
    const i = Math.min(opts.buckets - 1, Math.floor(((new Date(r.ts).getTime() - t0) / span) * opts.buckets));
    if (i >= 0 && series[i] === null) series[i] = v;
  }
  return out;
}

/** An instant as the wall-clock `YYYY-MM-DDTHH:MM` of IANA zone `tz` (for datetime-local inputs). */
export function localInput(at: Date, tz: string): string {
  const f = localFields(tz, at.getTime());
  const p = (n: number) => String(n).padStart(2, "0");
  return `${f.year}-${p(f.month)}-${p(f.day)}T${p(f.hour)}:${p(f.min)}`;
}

/**
 * A wall-clock time `YYYY-MM-DDTHH:MM[:SS]` in IANA zone `tz` as an instant (DST gaps and
 * overlaps resolved as `Temporal` does); an explicit `Z` or offset wins. Empty → undefined, bad → null.
 */
export function parseSiteLocal(v: string | undefined, tz: string): Date | undefined | null {
  const s = v?.trim();
  if (!s) return undefined;
  if (/[zZ]$|[+-]\d\d:?\d\d$/.test(s)) {
    const d = new Date(s);
    return isStorableInstant(d.getTime()) ? d : null;
  }
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 59) return null;
  const at = localToInstant(tz, y!, mo!, d!, h!, mi!, se!);
  return isStorableInstant(at) ? new Date(at) : null;
}

/** An instant as ISO 8601 with the zone's offset (`2026-01-15T05:00:00-05:00`), for CSV. */
export function isoWithOffset(at: Date, tz: string): string {
  const f = localFields(tz, at.getTime());
  const p = (n: number) => String(n).padStart(2, "0");
  const local = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.min, f.sec);
  const off = Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const a = Math.abs(off);
  return `${f.year}-${p(f.month)}-${p(f.day)}T${p(f.hour)}:${p(f.min)}:${p(f.sec)}${off < 0 ? "-" : "+"}${p(Math.floor(a / 60))}:${p(a % 60)}`;
}
