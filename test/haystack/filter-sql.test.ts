/**
 * Agreement test: for one table of filters, the in-memory evaluator (over dicts decoded from the
 * stored rows) and the compiled SQL (run on real PostgreSQL and on PGlite, each a fresh migrated
 * database, over the same rows) select exactly the same entities, and both equal the expected ids.
 * The migrated schema seeds the standard tag defs, so the fixture reuses them (and adds the others);
 * its entities are marked `value_table_id = 'demo'` and only those are compared.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../../src/db/index.ts";
import { type Dict, Ref, readZincValue } from "../../src/haystack/index.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { evaluate, insertFixture, type Loaded, loadDicts, type RawRow, select } from "./filter-db.ts";

/** The fixture building, as Zinc dicts. */
const ENTITIES = [
  `{id:@site.hq dis:"HQ" site area:35000ft² geoCity:"Chicago" tz:"Chicago" opened:2010-03-13 yearBuilt:1992 geoCoord:C(41.88,-87.63)}`,
  `{id:@site.annex dis:"Annex" site area:5000ft² geoCity:"Richmond" tz:"New_York" opened:2015-06-01}`,
  `{id:@ahu1 dis:"AHU-1" equip ahu siteRef:@site.hq}`,
  `{id:@ahu2 dis:"AHU-2" equip ahu siteRef:@site.annex}`,
  `{id:@vav1 dis:"VAV-1" equip vav siteRef:@site.hq ahuRef:@ahu1 airRef:[@ahu1, @ahu2]}`,
  `{id:@p.temp dis:"Zone Temp" point sensor temp his kind:"Number" unit:"°F" curVal:72.5°F equipRef:@vav1
    siteRef:@site.hq enabled:T lastSeen:2024-03-10T07:30:00Z UTC occStart:08:00:00 mode:^auto link:\`http://example.com/a\`}`,
  `{id:@p.flow dis:"Airflow" point sp curVal:1500cfm equipRef:@vav1 siteRef:@site.hq enabled:F occStart:07:30:00 mode:^manual}`,
  `{id:@p.kw dis:"Power" point sensor curVal:12kW equipRef:@ahu1 siteRef:@site.hq lastSeen:2024-03-10T08:30:00-04:00 New_York}`,
  `{id:@p.raw dis:"Raw" point curVal:12 equipRef:@ahu2 siteRef:@site.annex}`,
  `{id:@p.w dis:"Watts" point curVal:12000W equipRef:@ahu2}`,
  `{id:@p.neg dis:"😀 emoji" point curVal:-3.5°F equipRef:@nowhere}`,
  `{id:@p.wide dis:"ｗide" point curVal:NaN}`,
  `{id:@odd dis:"Odd" siteRef:"site.hq" note:"it's \\"quoted\\""}`,
  `{id:@tagsy dis:"Tagsy" tagsList:["a", "b"] meta:{a:1 b}}`,
  `{id:@p.old dis:"Old" point}`,
];

/** Rows written the old way (value_kind NULL) and disabled rows. */
const RAW_ROWS: RawRow[] = [
  { entity: "legacy.1", name: "id", cols: { value_s: "legacy.1" } },
  { entity: "legacy.1", name: "dis", cols: { value_s: "Legacy" } },
  { entity: "legacy.1", name: "point", cols: { value_b: true } },
  { entity: "legacy.1", name: "his", cols: {} },
  { entity: "legacy.1", name: "siteRef", cols: { value_s: "site.hq" } },
  { entity: "legacy.1", name: "equipRef", cols: { value_s: "ahu1" } },
  { entity: "legacy.1", name: "curVal", cols: { value_n: "60" } },
  { entity: "legacy.1", name: "enabled", cols: { value_b: false } },
  { entity: "p.old", name: "ahu", cols: { value_kind: "Marker" }, disabled: true },
  { entity: "p.old", name: "curVal", cols: { value_n: "99", value_kind: "Number" }, disabled: true },
];

type Case = [filter: string, expected: string[]];

const POINTS = ["p.temp", "p.flow", "p.kw", "p.raw", "p.w", "p.neg", "p.wide", "p.old", "legacy.1"];
const ALL = [
  "site.hq",
  "site.annex",
  "ahu1",
  "ahu2",
  "vav1",
  "odd",
  "tagsy",
  ...POINTS.filter((p) => p !== "legacy.1"),
  "legacy.1",
];
const without = (ids: string[]): string[] => ALL.filter((x) => !ids.includes(x));

const CASES: Case[] = [
  ["site", ["site.hq", "site.annex"]],
  ["equip", ["ahu1", "ahu2", "vav1"]],
  ["point", POINTS],
  ["not point", without(POINTS)],
  ["NOT point AND NOT site", without([...POINTS, "site.hq", "site.annex"])],
  ["ahu", ["ahu1", "ahu2"]],
  ["site or equip and ahu", ["site.hq", "site.annex", "ahu1", "ahu2"]],
  ["(site or equip) and ahu", ["ahu1", "ahu2"]],
  ["site OR ahu AND siteRef == @site.hq", ["site.hq", "site.annex", "ahu1"]],
  ["point and his", ["p.temp", "legacy.1"]],
  ['equip and siteRef->geoCity == "Chicago"', ["ahu1", "vav1"]],
  ['siteRef->geoCity == "Chicago"', ["ahu1", "vav1", "p.temp", "p.flow", "p.kw", "legacy.1"]],
  ['equipRef->siteRef->dis == "HQ"', ["p.temp", "p.flow", "p.kw", "legacy.1"]],
  ['equipRef->airRef->dis == "AHU-1"', ["p.temp", "p.flow"]],
  ["ahuRef->ahu and vav", ["vav1"]],
  ["airRef == @ahu1", ["vav1"]],
  ["airRef == @ahu2", ["vav1"]],
  ['airRef->dis == "AHU-2"', ["vav1"]],
  ['airRef->siteRef->geoCity == "Richmond"', ["vav1"]],
  ["airRef != @ahu1", ["vav1"]],
  ["airRef == @vav1", []],
  ["equipRef->dis", ["p.temp", "p.flow", "p.kw", "p.raw", "p.w", "legacy.1"]],
  ["point and not equipRef->dis", ["p.neg", "p.wide", "p.old"]],
  // Paths in a top-level `and` (compiled as semi-joins) through each stored Ref form: value_ref,
  // an id string (legacy.1's equipRef and siteRef) and a List (vav1's airRef).
  ['point and equipRef->siteRef->geoCity == "Chicago"', ["p.temp", "p.flow", "p.kw", "legacy.1"]],
  ["equip and airRef->ahu", ["vav1"]],
  ['point and equipRef->airRef->siteRef->geoCity == "Richmond"', ["p.temp", "p.flow"]],
  ["his and not equipRef->vav", ["legacy.1"]],
  ["siteRef->site and equipRef->ahu", ["p.kw", "p.raw", "legacy.1"]],
  ["equipRef == @nowhere", ["p.neg"]],
  ["siteRef == @site.hq", ["ahu1", "vav1", "p.temp", "p.flow", "p.kw", "legacy.1"]],
  ['siteRef == "site.hq"', ["odd"]],
  ["siteRef != @site.hq", ["ahu2", "p.raw", "odd"]],
  ["siteRef < @site.b", ["ahu2", "p.raw"]],
  ["siteRef >= @site.b", ["ahu1", "vav1", "p.temp", "p.flow", "p.kw", "legacy.1"]],
  ["id == @site.hq", ["site.hq"]],
  ["id == @legacy.1", ["legacy.1"]],
  ['id->dis == "HQ"', ["site.hq"]],
  ["curVal > 70°F", ["p.temp"]],
  ["curVal >= -10°F", ["p.temp", "p.neg"]],
  ["curVal == 12", ["p.raw"]],
  ["curVal == 12kW", ["p.kw"]],
  ["curVal == 12000W", ["p.w"]],
  ["curVal == 1.5e3cfm", ["p.flow"]],
  // `!=`: every value that is not equal, whatever its kind or unit (Haxall).
  ["curVal != 12", ["p.temp", "p.flow", "p.kw", "p.w", "p.neg", "p.wide", "legacy.1"]],
  ["curVal > 5", ["p.raw", "legacy.1"]],
  ["curVal <= 12", ["p.raw"]],
  ["curVal == 99", []],
  ['curVal == "12"', []],
  ["yearBuilt == 1992", ["site.hq"]],
  ["area > 10000ft²", ["site.hq"]],
  ["area > 10000", []],
  ["enabled", ["p.temp", "p.flow", "legacy.1"]],
  ["enabled == true", ["p.temp"]],
  ["enabled == TRUE", ["p.temp"]],
  ["enabled == false", ["p.flow", "legacy.1"]],
  ["enabled != true", ["p.flow", "legacy.1"]],
  ["enabled < true", ["p.flow", "legacy.1"]],
  ["point == true", []],
  ['dis == "HQ"', ["site.hq"]],
  ['dis != "HQ"', without(["site.hq"])],
  ['dis > "ｗ"', ["p.neg", "p.wide"]],
  ['dis < "B"', ["site.annex", "ahu1", "ahu2", "p.flow"]],
  ["dis IN ('AHU-1', \"HQ\")", ["site.hq", "ahu1"]],
  ["dis IN ()", []],
  ['note == "it\'s \\"quoted\\""', ["odd"]],
  ["note == 'it\\'s \"quoted\"'", ["odd"]],
  ["opened < 2012-01-01", ["site.hq"]],
  ["opened >= 2015-06-01", ["site.annex"]],
  ["opened == 2010-03-13", ["site.hq"]],
  ["opened == 2010-03-13T00:00:00Z UTC", []],
  ["lastSeen > 2024-03-10T10:00:00Z UTC", ["p.kw"]],
  ["lastSeen == 2024-03-10T12:30:00Z", ["p.kw"]],
  ["lastSeen < 2024-03-10T03:00:00-05:00 New_York", ["p.temp"]],
  ["lastSeen == 2024-03-10", []],
  ["occStart < 08:00:00", ["p.flow"]],
  ["occStart == 08:00:00", ["p.temp"]],
  ["occStart >= 07:30", ["p.temp", "p.flow"]],
  ["mode == ^auto", ["p.temp"]],
  ["mode != ^auto", ["p.flow"]],
  ['mode == "auto"', []],
  ["link == `http://example.com/a`", ["p.temp"]],
  ['link == "http://example.com/a"', []],
  ["tagsList", ["tagsy"]],
  ['tagsList == "a"', []],
  ["meta", ["tagsy"]],
  ["geoCoord", ["site.hq"]],
  ['tz == "Chicago" and site', ["site.hq"]],
  ['dis == "x\' OR 1=1 --"', []],
  ["meta->a", ["tagsy"]],
  ["meta->a == 1", ["tagsy"]],
  ["meta->b", ["tagsy"]],
  ["meta->c", []],
  ["meta->a IN (1, 2)", ["tagsy"]],
  ["site or meta->a IN (2, 1)", ["site.hq", "site.annex", "tagsy"]],
  ['geoCoord == "C(41.88,-87.63)"', []],
  ["missingTag", []],
  ["not missingTag", ALL],
];

describe.each(ENGINES)("filter: evaluator and SQL agree (%s)", (engine) => {
  let db: Database;
  let loaded: Loaded;

  beforeAll(async () => {
    db = await testDatabase(engine);
    await insertFixture(db, ENTITIES, RAW_ROWS);
    loaded = await loadDicts(db);
  });

  test("fixture decodes to the dicts it was written from", () => {
    for (const z of ENTITIES) {
      const d = readZincValue(z) as Dict;
      const back = loaded.dicts.get((d.id as Ref).id);
      expect(back).toBeDefined();
      expect(Object.keys(back ?? {}).sort()).toEqual(Object.keys(d).sort());
    }
    expect(loaded.dicts.get("legacy.1")?.siteRef).toEqual(new Ref("site.hq"));
  });

  test.each(CASES)("%s", async (filter, expected) => {
    const want = [...expected].sort();
    expect(evaluate(loaded, filter)).toEqual(want);
    expect(await select(db, loaded, filter)).toEqual(want);
  });
});
