/** @jsxImportSource hono/jsx */
// What every entity page starts with: the path site → equip → this entity (names with links), the
// name, its ref, the kinds it is (`ahu`, `vav`, `sensor`…) and the site's zone.
import { RefLink, type RefTarget } from "../components/ref-link.tsx";
import type { TagView } from "../components/tag-list.tsx";
import { fmtOffset, zoneAbbr } from "../format.ts";

export interface EntityHead {
  id: number;
  /** The `id` tag without `@`. */
  ref: string | null;
  dis: string;
  /** Markers that say what it is, in tag order (`equip`, `ahu`; `point`, `discharge`, `air`, `temp`…). */
  markers: readonly string[];
  tags: readonly TagView[];
  site: RefTarget | null;
  equip: RefTarget | null;
  /** IANA zone of the site (UTC when the site names none). */
  tz: string;
}

export function EntityHeader(p: { head: EntityHead; now: Date }) {
  const h = p.head;
  return (
    <header class="entity-head">
      <nav class="crumbs small" aria-label="Breadcrumb">
        <a href="/explorer">Explorer</a>
        {h.site && h.site.id !== h.id ? (
          <>
            {" / "}
            <RefLink target={h.site} />
          </>
        ) : null}
        {h.equip && h.equip.id !== h.id ? (
          <>
            {" / "}
            <RefLink target={h.equip} />
          </>
        ) : null}
      </nav>
      <h1>{h.dis}</h1>
      <p class="small muted">
        <span class="mono">@{h.ref ?? h.id}</span>
        {h.markers.length > 0 ? <> · {h.markers.join(" ")}</> : null}
        {" · "}
        <span class="zone">
          Site time {zoneAbbr(h.tz, p.now)} ({h.tz}, {fmtOffset(h.tz, p.now)})
        </span>
      </p>
    </header>
  );
}
