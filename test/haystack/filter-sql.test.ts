/**
 * Agreement test: for one table of filters, the in-memory evaluator (over dicts decoded from the
 * stored rows) and the compiled SQL (run on real PostgreSQL and on PGlite, each a fresh migrated
 * database, over the same rows) select exactly the same entities, and both equal the expected ids.
 * The migrated schema seeds the standard tag defs, so the fixture reuses them (and adds the others);
 * its entities are marked `value_table_id = 'demo'` and only those are compared.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../../src/db/index.ts";
import {
  compileFilter,
  type Dict,
  isDict,
  matches,
  parseFilter,
  Ref,
  readZincValue,
  type TagRow,
  tagColumnsFor,
  tagValueFromRow,
} from "../../src/haystack/index.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";

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

type Legacy = { entity: string; name: string; cols: Partial<TagRow>; disabled?: boolean };

/** Rows written the old way (value_kind NULL) and disabled rows. */
const RAW_ROWS: Legacy[] = [
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
  ["siteRef != @site.hq", ["ahu2", "p.raw"]],
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
  ["curVal != 12", ["p.wide", "legacy.1"]],
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
  ["meta->a", []],
  ['geoCoord == "C(41.88,-87.63)"', []],
  ["missingTag", []],
  ["not missingTag", ALL],
];

async function insertFixture(db: Database): Promise<void> {
  const entityIds = new Map<string, number>();
  const tagIds = new Map<string, number>();
  const entity = async (id: string): Promise<number> => {
    const known = entityIds.get(id);
    if (known !== undefined) return known;
    const [r] = await db.query<{ id: number }>(
      "INSERT INTO core.entity (value_table_id) VALUES ('demo') RETURNING id",
    );
    const n = r?.id ?? 0;
    entityIds.set(id, n);
    return n;
  };
  const tag = async (name: string): Promise<number> => {
    const known = tagIds.get(name);
    if (known !== undefined) return known;
    // Standard tags are seeded by the migrations; the others are added here.
    await db.query("INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
    const [r] = await db.query<{ id: number }>("SELECT id FROM core.tag_def WHERE name = $1", [name]);
    const n = r?.id ?? 0;
    tagIds.set(name, n);
    return n;
  };
  const insertRow = async (
    eid: number,
    name: string,
    c: Partial<TagRow>,
    disabled: boolean,
  ): Promise<void> => {
    await db.query(
      `INSERT INTO core.entity_tag (entity_id, tag_id, value_n, value_b, value_s, value_ts, value_list, value_dict,
         value_ref, value_unit, value_kind, disabled_ts)
       VALUES ($1, $2, $3::numeric, $4, $5, $6::timestamp, $7::varchar[], $8::text::jsonb, $9, $10, $11, $12::timestamp)`,
      [
        eid,
        await tag(name),
        c.value_n ?? null,
        c.value_b ?? null,
        c.value_s ?? null,
        c.value_ts ?? null,
        c.value_list ?? null,
        c.value_dict === undefined || c.value_dict === null ? null : JSON.stringify(c.value_dict),
        c.value_ref ?? null,
        c.value_unit ?? null,
        c.value_kind ?? null,
        disabled ? "2024-01-01 00:00:00" : null,
      ],
    );
  };
  const parsed = ENTITIES.map((z) => {
    const d = readZincValue(z);
    if (!isDict(d)) throw new Error(`fixture is not a dict: ${z}`);
    return d;
  });
  for (const d of parsed) await entity((d.id as Ref).id);
  await entity("legacy.1");
  for (const d of parsed) {
    const eid = await entity((d.id as Ref).id);
    for (const [name, v] of Object.entries(d)) {
      const cols = tagColumnsFor(name, v, (r) => entityIds.get(r.id));
      await insertRow(eid, name, cols, false);
    }
  }
  for (const row of RAW_ROWS)
    await insertRow(await entity(row.entity), row.name, row.cols, row.disabled ?? false);
}

interface Loaded {
  dicts: Map<string, Dict>;
  idOfEntity: Map<number, string>;
}

async function loadDicts(db: Database): Promise<Loaded> {
  const rows = await db.query<TagRow & { entity_id: number; name: string }>(
    `SELECT et.entity_id, td.name, et.value_n::text AS value_n, et.value_b, et.value_s,
            to_char(et.value_ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS value_ts, et.value_list, et.value_dict,
            et.value_ref, et.value_unit, et.value_kind
       FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
       JOIN core.entity e ON e.id = et.entity_id
      WHERE et.disabled_ts IS NULL AND e.value_table_id = 'demo' ORDER BY et.id`,
  );
  const idOfEntity = new Map<number, string>();
  for (const row of rows) if (row.name === "id") idOfEntity.set(row.entity_id, row.value_s ?? "");
  const byEntity = new Map<number, Dict>();
  for (const row of rows) {
    const d = byEntity.get(row.entity_id) ?? {};
    d[row.name] = tagValueFromRow(row, row.name, (n) => idOfEntity.get(n));
    byEntity.set(row.entity_id, d);
  }
  const dicts = new Map<string, Dict>();
  for (const [eid, d] of byEntity) dicts.set(idOfEntity.get(eid) ?? "", d);
  return { dicts, idOfEntity };
}

function evaluate({ dicts }: Loaded, filter: string): string[] {
  const ast = parseFilter(filter);
  const out: string[] = [];
  for (const [id, d] of dicts) if (matches(ast, d, (ref) => dicts.get(ref.id))) out.push(id);
  return out.sort();
}

async function select(db: Database, { idOfEntity }: Loaded, filter: string): Promise<string[]> {
  const { sql, params } = compileFilter(parseFilter(filter), { entityIdSql: "e.id", paramOffset: 1 });
  const rows = await db.query<{ id: number }>(
    `SELECT e.id FROM core.entity e WHERE e.value_table_id = $1 AND ${sql} ORDER BY e.id`,
    ["demo", ...params],
  );
  return rows.map((row) => idOfEntity.get(row.id) ?? `#${row.id}`).sort();
}

describe.each(ENGINES)("filter: evaluator and SQL agree (%s)", (engine) => {
  let db: Database;
  let loaded: Loaded;

  beforeAll(async () => {
    db = await testDatabase(engine);
    await insertFixture(db);
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
