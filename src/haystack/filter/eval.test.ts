import { describe, expect, test } from "bun:test";
import { type Dict, isDict, type Ref } from "../kinds.ts";
import { readZincValue } from "../zinc.ts";
import { compareCodePoints, matches } from "./eval.ts";
import { parseFilter } from "./parser.ts";

const recs = [
  '{id:@ahu1 dis:"AHU-1" ahu equip siteRef:@site}',
  '{id:@ahu2 dis:"AHU-2" ahu equip siteRef:@site}',
  "{id:@vav airRef:[@ahu1, @ahu2] vav equip}",
  '{id:@site dis:"HQ" site geoCity:"Chicago"}',
  '{id:@pt point curVal:72°F temp:21°C count:3 on:T dis:"Zone" day:2024-01-02 at:09:30:00 ts:2024-01-02T09:00:00-05:00 New_York mode:^heat}',
].map((z) => {
  const d = readZincValue(z);
  if (!isDict(d)) throw new Error(z);
  return d;
});
const byId = new Map<string, Dict>(recs.map((d) => [(d.id as Ref).id, d]));
const resolve = (r: Ref): Dict | undefined => byId.get(r.id);
const rec = (id: string): Dict => byId.get(id) ?? {};

describe("matches", () => {
  const cases: [filter: string, id: string, expected: boolean][] = [
    ["airRef == @ahu1", "vav", true],
    ["airRef == @ahu2", "vav", true],
    ['airRef->dis == "AHU-1"', "vav", true],
    ['airRef->dis == "AHU-2"', "vav", true],
    ['airRef->dis == "AHU-3"', "vav", false],
    ['airRef->siteRef->geoCity == "Chicago"', "vav", true],
    ['equip and siteRef->geoCity == "Chicago"', "ahu1", true],
    ["siteRef->geoCity", "site", false],
    ["curVal > 70°F", "pt", true],
    ["curVal > 70", "pt", false],
    ["curVal > 70°C", "pt", false],
    ["curVal != 70", "pt", true],
    ['curVal != "72"', "pt", true],
    ["curVal != 72°F", "pt", false],
    ["nothere != 72°F", "pt", false],
    ["curVal != 70°F", "pt", true],
    ["temp == 21°C", "pt", true],
    ["count == 3", "pt", true],
    ['count == "3"', "pt", false],
    ["on == true", "pt", true],
    ["on", "pt", true],
    ["point == true", "pt", false],
    ['dis != "Zone"', "site", true],
    ['dis != "Zone"', "vav", false],
    ["day < 2024-01-03", "pt", true],
    ["at > 09:00:00", "pt", true],
    ["ts == 2024-01-02T14:00:00Z", "pt", true],
    ["ts > 2024-01-02T13:59:59Z", "pt", true],
    ["mode == ^heat", "pt", true],
    ["mode IN (^cool, ^heat)", "pt", true],
    ["not point", "pt", false],
    ["not missing", "pt", true],
    ["siteRef->nothere->x", "ahu1", false],
    ["^equip", "ahu1", true],
    ["^ahu", "ahu1", true],
    ["^equip", "site", false],
  ];
  test.each(cases)("%s on %s", (filter, id, expected) => {
    expect(matches(parseFilter(filter), rec(id), resolve)).toBe(expected);
  });
});

describe("compareCodePoints", () => {
  const cases: [a: string, b: string, sign: number][] = [
    ["a", "b", -1],
    ["b", "a", 1],
    ["a", "a", 0],
    ["a", "ab", -1],
    ["😀", "ｗ", 1],
    ["Z", "a", -1],
  ];
  test.each(cases)("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(sign);
  });
});
