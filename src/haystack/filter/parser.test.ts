import { describe, expect, test } from "bun:test";
import { HDate, HDateTime, HNum, HSymbol, HTime, Ref, Uri } from "../kinds.ts";
import { type FilterNode, filterToString, hasSymbolTerm } from "./ast.ts";
import { FilterSyntaxError, parseFilter } from "./parser.ts";

describe("parse: canonical text", () => {
  const cases: [input: string, canonical: string][] = [
    ["site", "site"],
    ["not site", "not site"],
    ["site or equip", "site or equip"],
    ["equip and hvac", "equip and hvac"],
    ["equip and not ahu", "equip and not ahu"],
    ["site or equip and ahu", "site or equip and ahu"],
    ["(site or equip) and ahu", "(site or equip) and ahu"],
    ["((site))", "site"],
    ['equip and siteRef->geoCity == "Chicago"', 'equip and siteRef->geoCity == "Chicago"'],
    ['geoPostalCode != "23220"', 'geoPostalCode != "23220"'],
    ["curVal<75", "curVal < 75"],
    ["curVal <= 75", "curVal <= 75"],
    ["curVal > 75", "curVal > 75"],
    ["curVal >= 75", "curVal >= 75"],
    ["curVal == -1.5e3kW", "curVal == -1500kW"],
    ["x == 10_000", "x == 10000"],
    ["x == true", "x == true"],
    ["x == false", "x == false"],
    ["x == @a.b-c:d~e", "x == @a.b-c:d~e"],
    ["x == ^hot-water", "x == ^hot-water"],
    ["x == `http://a/b`", "x == `http://a/b`"],
    ["x == 2024-01-31", "x == 2024-01-31"],
    ["x == 14:30:00", "x == 14:30:00"],
    ["x == 14:30", "x == 14:30:00"],
    ["x == 2024-01-31T10:00:00-05:00 New_York", "x == 2024-01-31T10:00:00-05:00 New_York"],
    ["x == 2024-01-31T10:00:00Z", "x == 2024-01-31T10:00:00Z UTC"],
    ['x == "a\\nb\\u00e9"', 'x == "a\\nbé"'],
    ["site AND equip OR point", "site and equip or point"],
    ["NOT site", "not site"],
    ["x == TRUE and y == FALSE", "x == true and y == false"],
    ["x IN ('a','b')", 'x IN ("a", "b")'],
    ['x IN (1, @r, "s")', 'x IN (1, @r, "s")'],
    ["x IN ()", "x IN ()"],
    ["  a\n and\tb  ", "a and b"],
    ["andy and orca and notes", "andy and orca and notes"],
    ["^equip", "^equip"],
    ["^hot-water and not ahu", "^hot-water and not ahu"],
    ["(^ahu or ^vav) and x == ^heat", "(^ahu or ^vav) and x == ^heat"],
  ];
  test.each(cases)("%s", (input, canonical) => {
    const ast = parseFilter(input);
    expect(filterToString(ast)).toBe(canonical);
    expect(parseFilter(canonical)).toEqual(ast);
  });
});

describe("parse: AST", () => {
  const cases: [input: string, ast: FilterNode][] = [
    [
      "a or b and c or d",
      {
        type: "or",
        terms: [
          { type: "has", path: ["a"] },
          {
            type: "and",
            terms: [
              { type: "has", path: ["b"] },
              { type: "has", path: ["c"] },
            ],
          },
          { type: "has", path: ["d"] },
        ],
      },
    ],
    ["not a->b->c", { type: "missing", path: ["a", "b", "c"] }],
    ["a->b == 1.5kW", { type: "cmp", path: ["a", "b"], op: "==", value: new HNum(1.5, "kW") }],
    ["x != @s", { type: "cmp", path: ["x"], op: "!=", value: new Ref("s") }],
    ["x < 2024-01-31", { type: "cmp", path: ["x"], op: "<", value: new HDate(2024, 1, 31) }],
    ["x >= 07:00:00", { type: "cmp", path: ["x"], op: ">=", value: new HTime(7, 0, 0) }],
    ["x == ^a", { type: "cmp", path: ["x"], op: "==", value: new HSymbol("a") }],
    ["x == `u`", { type: "cmp", path: ["x"], op: "==", value: new Uri("u") }],
    [
      "x > 2024-01-31T10:00:00Z",
      { type: "cmp", path: ["x"], op: ">", value: HDateTime.parse("2024-01-31T10:00:00Z") },
    ],
    ["x IN ('a', \"b\")", { type: "in", path: ["x"], values: ["a", "b"] }],
  ];
  test.each(cases)("%s", (input, ast) => {
    expect(parseFilter(input)).toEqual(ast);
  });
});

describe("parse: errors give line:col and what was expected", () => {
  const cases: [input: string, error: string][] = [
    ["", "1:1 expected tag name, ^symbol, 'not' or '('"],
    ["dis ==", "1:7 expected value after =="],
    ["dis == and", "1:8 expected value after =="],
    ["site and and equip", "1:10 expected tag name, ^symbol, 'not' or '(' after and"],
    ["site or", "1:8 expected tag name, ^symbol, 'not' or '(' after or"],
    ["site equip", "1:6 expected 'and', 'or' or end of filter"],
    ["(site or equip", "1:15 expected 'and', 'or' or ')'"],
    ["site)", "1:5 unexpected ')'"],
    ["not (site or equip)", "1:5 expected tag name after not"],
    ["a->", "1:4 expected tag name after ->"],
    ["a->B", "1:4 unexpected 'B' (tag names start with a lower-case letter)"],
    ["Site", "1:1 unexpected 'Site' (tag names start with a lower-case letter)"],
    ["_x", "1:1 unexpected character '_'"],
    ["site$", "1:5 unexpected character '$'"],
    ["x = 5", "1:3 expected '==' (a single '=' is not an operator)"],
    ["area > 1e400", "1:8 number '1e400' is out of range (not a finite number)"],
    ["area > -1e400kW", "1:8 number '-1e400kW' is out of range (not a finite number)"],
    ["x == INF", "1:6 unexpected 'INF' (tag names start with a lower-case letter)"],
    ['x == "open', "1:6 unterminated string literal"],
    ["x == 2024-13-01", "1:6 invalid date: 2024-13-01"],
    ["x IN 'a'", "1:6 expected '(' after IN"],
    ["x IN ('a' 'b')", "1:11 expected ',' or ')' in IN list"],
    ["x IN (,)", "1:7 expected value in IN list"],
    ["site and\n  equip ==", "2:11 expected value after =="],
    ["x in ('a')", "1:3 expected 'and', 'or' or end of filter"],
  ];
  test.each(cases)("%j", (input, error) => {
    let caught: unknown;
    try {
      parseFilter(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect(String(caught)).toBe(error);
    const e = caught as FilterSyntaxError;
    expect(`${e.line}:${e.col} ${e.detail}`).toBe(error);
  });
});

describe("hasSymbolTerm", () => {
  const cases: [filter: string, expected: boolean][] = [
    ["^equip", true],
    ["site or (point and ^sensor)", true],
    ["mode == ^heat", false],
    ["site and not equip", false],
  ];
  test.each(cases)("%s", (filter, expected) => {
    expect(hasSymbolTerm(parseFilter(filter))).toBe(expected);
  });
});
