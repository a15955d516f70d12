// Page data kept between requests while it cannot have changed: per viewer (never one user's data
// for another), per org, and only while no broker event it depends on has been published since it
// was read: for `org` data any event of the org (every write of values, simulator progress, status
// and activity publishes one) or a system-wide one; for `records` data (entities, tags, grants) a
// system-wide event (`records:written`, published after every catalog and access write). Kept no
// longer than `maxAgeMs` in any case, a bound for what changes without an event (a write by
// another process, a delete of values).
// The generation is read before the data, so data read while an event was published is read again
// on the next request. Concurrent requests for the same entry share one reading.
import type { Actor } from "../access/actor.ts";
import type { AppDeps } from "../http/env.ts";
import { slot } from "../runtime.ts";

interface Entry {
  gen: number;
  at: number;
  value: Promise<unknown>;
}

const MAX_ENTRIES = 2000;
const ENTRIES = slot("web.page-cache", () => new Map<string, Entry>());

/** Who sees what: the same key means the same visible data (identity, admin flag, role in the org). */
export function viewerKey(actor: Actor, orgId: number): string {
  return `${actor.kind}:${actor.userId}:${actor.tokenId}:${actor.tokenOrgId}:${actor.appAdmin}:${actor.roleIn(orgId)}`;
}

export interface PageDataKey {
  actor: Actor;
  orgId: number;
  /** What the data is (page, parameters); the viewer and org are added. */
  key: string;
  /** `org`: read again after any event of the org; `records`: after a system-wide one. */
  changesWith: "org" | "records";
  maxAgeMs: number;
}

/**
 * `read()`, or what it gave for the same key and viewer while no event it depends on has been
 * published and for at most `maxAgeMs`. A failed reading is not kept.
 */
export function pageData<T>(deps: AppDeps, k: PageDataKey, read: () => Promise<T>): Promise<T> {
  const { actor, orgId, key, maxAgeMs } = k;
  const entries = ENTRIES.of(deps);
  const full = `${k.changesWith}|${orgId}|${viewerKey(actor, orgId)}|${key}`;
  const gen = deps.broker.generation(k.changesWith === "org" ? orgId : null);
  const now = Date.now();
  const hit = entries.get(full);
  if (hit && hit.gen === gen && now - hit.at < maxAgeMs) return hit.value as Promise<T>;
  const value = read();
  if (entries.size >= MAX_ENTRIES) entries.clear();
  const entry: Entry = { gen, at: now, value };
  entries.set(full, entry);
  value.catch(() => {
    if (entries.get(full) === entry) entries.delete(full);
  });
  return value;
}
