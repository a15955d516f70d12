/**
 * The model's plain tag values mapped onto Haystack kinds for the catalog, with every local id
 * prefixed by the simulator key (`<key>.<local id>`), so two simulators of one template in one org
 * never collide.
 */
import { Coord, type Dict, HDate, HDateTime, HNum, MARKER, Ref } from "../haystack/kinds.ts";
import type { Entity, TagValue } from "./model/types.ts";

/** The id (without `@`) of a simulator's entity. */
export const entityIdOf = (key: string, localId: string): string => `${key}.${localId}`;

/** The local id of a simulator entity id, or null when the id does not belong to that key. */
export function localIdOf(key: string, id: string): string | null {
  return id.startsWith(`${key}.`) ? id.slice(key.length + 1) : null;
}

function toHVal(key: string, v: TagValue): Dict[string] {
  switch (v.kind) {
    case "Marker":
      return MARKER;
    case "Number":
      return new HNum(v.val, v.unit);
    case "Str":
      return v.val;
    case "Ref":
      return new Ref(entityIdOf(key, v.localId));
    case "Bool":
      return v.val;
    case "Date":
      return HDate.parse(v.val);
    case "Coord":
      return new Coord(v.lat, v.lng);
    case "DateTime":
      return HDateTime.fromInstant(Date.parse(v.val), "UTC");
    case "RefList":
      return v.localIds.map((id) => new Ref(entityIdOf(key, id)));
  }
}

/** One model entity as catalog input: `id` (prefixed), `dis` as a tag, refs prefixed. */
export function toCatalogEntity(key: string, e: Entity): { id: string; tags: Dict } {
  const tags: Dict = {};
  for (const [name, v] of Object.entries(e.tags)) {
    if (name === "id") continue;
    tags[name] = toHVal(key, v);
  }
  tags.dis = e.dis;
  return { id: entityIdOf(key, e.localId), tags };
}
