// Watches (watchSub / watchPoll / watchUnsub): in-memory subscriptions with a lease. A poll answers
// only the watched entities whose dict (tags, current value, effective write) changed since the
// last answer, or every one with `refresh`. A watch belongs to the actor and org that opened it; one whose lease
// ran out without a poll is gone.
import type { Actor } from "../access/actor.ts";
import { requireRole } from "../access/actor.ts";
import { entityIdsByRef } from "../catalog/read.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Dict, Grid, HNum, type HVal, type Ref, writeZincValue } from "../haystack/index.ts";
import { slot } from "../runtime.ts";
import { type HaystackOrg, loadDicts } from "./records.ts";

export const DEFAULT_LEASE_MS = 5 * 60_000;
export const MAX_LEASE_MS = 60 * 60_000;
const MAX_WATCHES = 1000;
const MAX_IDS = 10_000;

interface Watch {
  id: string;
  dis: string;
  orgId: number;
  owner: string;
  leaseMs: number;
  expiresAt: number;
  /** Watched entity → the Zinc of the dict last answered ("" before the first answer). */
  entities: Map<number, string>;
}

/** This process's watches by id (a slot of deps.runtime). */
const WATCHES = slot("haystack.watches", (): Map<string, Watch> => new Map());
const watchesOf = (deps: Pick<ServiceDeps, "runtime">): Map<string, Watch> => WATCHES.of(deps);

const ownerOf = (a: Actor): string => `${a.kind}:${a.userId ?? ""}:${a.tokenId ?? ""}`;

function sweep(all: Map<string, Watch>, now: number): void {
  for (const [k, w] of all) if (w.expiresAt <= now) all.delete(k);
}

const LEASE_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  sec: 1000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

function leaseMs(v: HVal | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (!(v instanceof HNum)) throw new AppError("invalid", "lease must be a Number");
  const unit = v.unit === undefined ? 1000 : LEASE_UNITS[v.unit];
  if (unit === undefined || !(v.val > 0))
    throw new AppError("invalid", "lease must be positive, in s, min or h");
  return Math.min(MAX_LEASE_MS, Math.round(v.val * unit));
}

function fingerprint(d: Dict): string {
  const sorted: Dict = {};
  for (const k of Object.keys(d).sort()) sorted[k] = d[k]!;
  return writeZincValue(sorted);
}

function find(deps: ServiceDeps, actor: Actor, org: HaystackOrg, watchId: HVal | null | undefined): Watch {
  const all = watchesOf(deps);
  sweep(all, deps.clock.now().getTime());
  const w = typeof watchId === "string" ? all.get(watchId) : undefined;
  if (!w || w.orgId !== org.id || w.owner !== ownerOf(actor))
    throw new AppError("not_found", "unknown watch");
  return w;
}

/**
 * Opens a watch (meta `watchDis`) or adds to one (meta `watchId`) the entities of `refs`; answers
 * their current dicts (a row of nulls for an unknown id) with meta `watchId` and `lease`.
 * @throws AppError forbidden, not_found (unknown watch), invalid (bad lease), too_large.
 */
export async function watchSub(opts: {
  deps: ServiceDeps;
  actor: Actor;
  org: HaystackOrg;
  watchId?: HVal | null;
  watchDis?: HVal | null;
  lease?: HVal | null;
  refs: readonly Ref[];
}): Promise<Grid> {
  const { deps, actor, org } = opts;
  requireRole(actor, org.id, "member");
  const all = watchesOf(deps);
  const now = deps.clock.now().getTime();
  sweep(all, now);
  const lease = leaseMs(opts.lease);
  let w: Watch;
  if (opts.watchId !== null && opts.watchId !== undefined) w = find(deps, actor, org, opts.watchId);
  else {
    if (all.size >= MAX_WATCHES) throw new AppError("rate_limited", "too many open watches");
    w = {
      id: `w.${crypto.randomUUID()}`,
      dis: typeof opts.watchDis === "string" ? opts.watchDis.slice(0, 200) : "watch",
      orgId: org.id,
      owner: ownerOf(actor),
      leaseMs: DEFAULT_LEASE_MS,
      expiresAt: now,
      entities: new Map(),
    };
    all.set(w.id, w);
  }
  if (lease !== undefined) w.leaseMs = lease;
  w.expiresAt = now + w.leaseMs;
  const sql = deps.dbs.primary;
  const ids = await entityIdsByRef(
    sql,
    actor,
    org.id,
    opts.refs.map((r) => r.id),
  );
  if (w.entities.size + ids.size > MAX_IDS)
    throw new AppError("too_large", `a watch holds at most ${MAX_IDS} ids`);
  const dicts = await loadDicts(sql, [...ids.values()], org, actor, deps.clock.now());
  const rows: Dict[] = [];
  for (const r of opts.refs) {
    const id = ids.get(r.id);
    const d = id === undefined ? undefined : dicts.get(id);
    if (id === undefined || !d) {
      rows.push({});
      continue;
    }
    w.entities.set(id, fingerprint(d));
    rows.push(d);
  }
  return gridOf(rows, { watchId: w.id, lease: new HNum(w.leaseMs / 60_000, "min") });
}

/**
 * Answers the watched dicts that changed since the last answer (all of them with `refresh`), and
 * renews the lease. Entities no longer visible are dropped from the watch.
 * @throws AppError forbidden, not_found (unknown or expired watch).
 */
export async function watchPoll(opts: {
  deps: ServiceDeps;
  actor: Actor;
  org: HaystackOrg;
  watchId: HVal | null | undefined;
  refresh: boolean;
}): Promise<Grid> {
  const { deps, actor, org } = opts;
  requireRole(actor, org.id, "member");
  const w = find(deps, actor, org, opts.watchId);
  w.expiresAt = deps.clock.now().getTime() + w.leaseMs;
  const sql = deps.dbs.primary;
  const dicts = await loadDicts(sql, [...w.entities.keys()], org, actor, deps.clock.now());
  const visible = await entityIdsByRef(
    sql,
    actor,
    org.id,
    [...dicts.values()].map((d) => (d.id as Ref).id),
  );
  const visibleIds = new Set(visible.values());
  const rows: Dict[] = [];
  for (const [id, last] of w.entities) {
    const d = dicts.get(id);
    if (!d || !visibleIds.has(id)) {
      w.entities.delete(id);
      continue;
    }
    const now = fingerprint(d);
    if (opts.refresh || now !== last) rows.push(d);
    w.entities.set(id, now);
  }
  return gridOf(rows, { watchId: w.id });
}

/**
 * Removes `refs` from the watch, or closes it (meta `close`).
 * @throws AppError forbidden, not_found (unknown watch).
 */
export async function watchUnsub(opts: {
  deps: ServiceDeps;
  actor: Actor;
  org: HaystackOrg;
  watchId: HVal | null | undefined;
  close: boolean;
  refs: readonly Ref[];
}): Promise<Grid> {
  const { deps, actor, org } = opts;
  requireRole(actor, org.id, "member");
  const w = find(deps, actor, org, opts.watchId);
  if (opts.close) watchesOf(deps).delete(w.id);
  else {
    const ids = await entityIdsByRef(
      deps.dbs.primary,
      actor,
      org.id,
      opts.refs.map((r) => r.id),
    );
    for (const id of ids.values()) w.entities.delete(id);
  }
  return Grid.empty();
}

/** A grid of dicts; always has an `id` column (rows of nulls stay rows). */
export function gridOf(rows: readonly Dict[], meta: Dict = {}): Grid {
  const g = Grid.fromRows(rows, meta);
  if (g.cols.some((c) => c.name === "id")) return g;
  if (rows.length === 0) return Grid.empty(meta);
  return new Grid(g.meta, [{ name: "id", meta: {} }, ...g.cols], g.rows);
}
