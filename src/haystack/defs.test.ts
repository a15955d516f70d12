import { describe, expect, test } from "bun:test";
import { DefNamespace, defDicts, hasTerm, implementsSymbol } from "./defs.ts";
import { type Dict, HSymbol, isDict } from "./kinds.ts";
import { ENTITY_TAXONOMY, withTaxonomy } from "./taxonomy.ts";
import { readZincValue } from "./zinc.ts";

const dict = (z: string): Dict => {
  const d = readZincValue(z);
  if (!isDict(d)) throw new Error(z);
  return d;
};

// A slice of the Haystack 4 phIoT taxonomy, plus a def with a single-Symbol `is` and a cycle.
const ns = new DefNamespace(
  [
    "{def:^marker}",
    "{def:^entity is:[^marker]}",
    "{def:^equip is:[^entity] lib:^phIoT}",
    "{def:^airHandlingEquip is:[^equip]}",
    "{def:^ahu is:[^airHandlingEquip]}",
    "{def:^rtu is:^ahu}",
    "{def:^meter is:[^equip]}",
    "{def:^elec-meter is:[^meter]}",
    "{def:^loopA is:[^loopB]}",
    "{def:^loopB is:[^loopA]}",
    '{dis:"not a def"}',
  ].map(dict),
);

describe("DefNamespace", () => {
  test("descendants: the symbol and every subtype, transitively", () => {
    expect(ns.descendants("equip")).toEqual([
      "ahu",
      "airHandlingEquip",
      "elec-meter",
      "equip",
      "meter",
      "rtu",
    ]);
    expect(ns.descendants("rtu")).toEqual(["rtu"]);
    expect(ns.descendants("unknown")).toEqual(["unknown"]);
    expect(ns.descendants("loopA")).toEqual(["loopA", "loopB"]);
  });

  test("subtypes, supertypes and inheritance", () => {
    expect(ns.subtypes("equip")).toEqual(["airHandlingEquip", "meter"]);
    expect(ns.supertypes("rtu")).toEqual(["ahu"]);
    expect(ns.inheritance("rtu")).toEqual(["rtu", "ahu", "airHandlingEquip", "equip", "entity", "marker"]);
    expect(ns.inheritance("loopA")).toEqual(["loopA", "loopB"]);
  });

  test("def and defs ignore dicts without a def symbol", () => {
    expect(ns.def("equip")?.lib).toEqual(new HSymbol("phIoT"));
    expect(ns.def("nothing")).toBeUndefined();
    expect(ns.defs().map((d) => (d.def as HSymbol).val)).toEqual([
      "ahu",
      "airHandlingEquip",
      "elec-meter",
      "entity",
      "equip",
      "loopA",
      "loopB",
      "marker",
      "meter",
      "rtu",
    ]);
  });
});

describe("hasTerm and implementsSymbol", () => {
  const tags =
    (...names: string[]) =>
    (t: string) =>
      names.includes(t);
  const cases: [symbol: string, has: string[], expected: boolean][] = [
    ["site", ["site"], true],
    ["site", ["equip"], false],
    ["hot-water", ["hot", "water"], true],
    ["hot-water", ["water"], false],
    ["lib:phIoT", ["lib", "phIoT"], false],
    ["a--b", ["a", "b"], false],
  ];
  test.each(cases)("%s on %p", (symbol, has, expected) => {
    expect(hasTerm(symbol, tags(...has))).toBe(expected);
  });

  test("with a namespace a subtype's term is enough; without one only the term itself", () => {
    expect(implementsSymbol("equip", tags("rtu"), ns)).toBe(true);
    expect(implementsSymbol("equip", tags("rtu"))).toBe(false);
    expect(implementsSymbol("meter", tags("elec"), ns)).toBe(false);
    expect(implementsSymbol("elec-meter", tags("elec", "meter"), ns)).toBe(true);
  });
});

describe("defDicts", () => {
  test("tag definitions become defs, and each library a lib def", () => {
    const defs = defDicts([
      { name: "phIoT", lib: "ph" },
      { name: "ph", lib: "ph" },
      { name: "equip", lib: "phIoT", is: ["entity"], doc: "Equipment" },
      { name: "dis", lib: "ph", is: ["str"] },
      { name: "myTag" },
    ]);
    expect(defs).toEqual([
      { def: new HSymbol("lib:ph"), is: [new HSymbol("lib")], lib: new HSymbol("lib:ph") },
      { def: new HSymbol("lib:phIoT"), is: [new HSymbol("lib")], lib: new HSymbol("lib:phIoT") },
      {
        def: new HSymbol("equip"),
        is: [new HSymbol("entity")],
        lib: new HSymbol("lib:phIoT"),
        doc: "Equipment",
      },
      { def: new HSymbol("dis"), is: [new HSymbol("str")], lib: new HSymbol("lib:ph") },
      { def: new HSymbol("myTag") },
    ]);
    expect(new DefNamespace(defs).descendants("lib")).toEqual(["lib", "lib:ph", "lib:phIoT"]);
  });
});

describe("withTaxonomy", () => {
  test("standard entity types take their supertypes from the taxonomy; missing ones are added", () => {
    const records = withTaxonomy([
      { name: "ahu", lib: "phIoT", is: ["marker"], doc: "Air handling unit" },
      { name: "dis", lib: "ph", is: ["str"] },
    ]);
    expect(records[0]).toEqual({
      name: "ahu",
      lib: "phIoT",
      is: ["airHandlingEquip"],
      doc: "Air handling unit",
    });
    expect(records[1]).toEqual({ name: "dis", lib: "ph", is: ["str"] });
    expect(records.length).toBe(ENTITY_TAXONOMY.length + 1);
    const ns = new DefNamespace(defDicts(records));
    expect(ns.descendants("equip")).toContain("rtu");
    expect(ns.descendants("equip")).toContain("elec-meter");
    expect(ns.inheritance("mau")).toEqual([
      "mau",
      "doas",
      "ahu",
      "airHandlingEquip",
      "equip",
      "entity",
      "marker",
    ]);
  });
});
