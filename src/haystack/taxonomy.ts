/**
 * The Haystack 4 subtype tree of the standard entity types (phIoT), in our own list: names and
 * their `is` supertypes are facts of the ontology. The seeded tag definitions record each marker's
 * kind (`is: marker`); these records refine the entity types (`ahu` is an `airHandlingEquip`, which
 * is an `equip`, which is an `entity`), so `^equip` finds an `ahu` and the `defs` op lists them as
 * the ontology does.
 */

import type { TagDefRecord } from "./defs.ts";

const is = (lib: string, sup: string, names: readonly string[]): TagDefRecord[] =>
  names.map((name) => ({ name, lib, is: [sup] }));

export const ENTITY_TAXONOMY: readonly TagDefRecord[] = [
  ...is("ph", "marker", ["entity"]),
  ...is("phIoT", "entity", ["site", "space", "equip", "point", "device", "weatherStation"]),
  ...is("phIoT", "space", ["floor", "room"]),
  ...is("phIoT", "equip", [
    "airHandlingEquip",
    "airTerminalUnit",
    "boiler",
    "chiller",
    "coolingTower",
    "heatExchanger",
    "meter",
    "tank",
  ]),
  ...is("phIoT", "airHandlingEquip", ["ahu", "fcu"]),
  ...is("phIoT", "ahu", ["rtu", "doas"]),
  ...is("phIoT", "doas", ["mau"]),
  ...is("phIoT", "fcu", ["unitVent"]),
  ...is("phIoT", "airTerminalUnit", ["vav", "cav"]),
  ...is("phIoT", "meter", ["elec-meter"]),
];

/**
 * `records` (stored tag definitions) with the entity taxonomy applied: a standard entity type
 * takes its `is` from the taxonomy (its library from the record when it has one), and types the
 * store lacks (`airHandlingEquip`, conjuncts such as `elec-meter`) are added.
 */
export function withTaxonomy(records: Iterable<TagDefRecord>): TagDefRecord[] {
  const tax = new Map(ENTITY_TAXONOMY.map((r) => [r.name, r]));
  const out: TagDefRecord[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const t = tax.get(r.name);
    out.push(t ? { ...r, lib: r.lib ?? t.lib, is: t.is } : r);
    seen.add(r.name);
  }
  for (const t of ENTITY_TAXONOMY) if (!seen.has(t.name)) out.push(t);
  return out;
}
