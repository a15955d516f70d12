import { describe, expect, test } from "bun:test";
import { parseFilter } from "./parser.ts";
import { compileFilter, FilterTooComplexError, filterTagNames, refStepCost } from "./sql.ts";

describe("compileFilter", () => {
  test("literals and tag names travel only as parameters, numbered after paramOffset", () => {
    const { sql, params } = compileFilter(
      parseFilter(`dis == "x' OR 1=1 --" and siteRef->geoCity == "Chicago"`),
      {
        entityIdSql: "e.id",
        paramOffset: 3,
      },
    );
    expect(params.slice(0, 5)).toEqual(["dis", "x' OR 1=1 --", "siteRef", "geoCity", "Chicago"]);
    expect(new Set(params)).toEqual(new Set(["dis", "x' OR 1=1 --", "siteRef", "geoCity", "Chicago"]));
    expect(sql).not.toContain("OR 1=1");
    expect(sql).not.toContain("Chicago");
    expect(sql).not.toContain("geoCity");
    const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect(used).toEqual(new Set(params.map((_, i) => i + 4)));
    expect(sql).toContain("= e.id");
  });

  const shapes: [filter: string, params: unknown[]][] = [
    ["site", ["site"]],
    ["x == true", ["x", true]],
    ["x == 1.5kW", ["x", "kW", "1.5"]],
    ["x < 2024-01-02", ["x", "2024-01-02 00:00:00.000"]],
    ["x > 2024-01-02T00:00:00-05:00 New_York", ["x", "2024-01-02 05:00:00.000"]],
    ["x == 07:30", ["x", "07:30:00"]],
    ["x IN ()", []],
  ];
  test.each(shapes)("%s", (filter, params) => {
    expect(compileFilter(parseFilter(filter), { entityIdSql: "e.id" }).params).toEqual(params);
  });

  test("known tag ids travel as parameters instead of names; filterTagNames lists what to look up", () => {
    const ast = parseFilter("site and equipRef->ahu");
    expect(filterTagNames(ast).sort()).toEqual(["ahu", "equipRef", "id", "site"]);
    const ids = new Map([
      ["site", 5],
      ["equipRef", 7],
      ["ahu", 9],
      ["id", 1],
    ]);
    const { sql, params } = compileFilter(ast, { entityIdSql: "e.id", tagIds: ids });
    // Numbers only, but the key the Dict step of `equipRef->ahu` looks up inside a Dict value.
    expect(new Set(params)).toEqual(new Set([5, 7, 9, 1, "ahu"]));
    expect(sql).not.toContain("tag_def");
    // An unknown name (no def) is looked up by name, and so matches nothing.
    expect(compileFilter(ast, { entityIdSql: "e.id", tagIds: new Map([["site", 5]]) }).params).toContain(
      "ahu",
    );
  });

  test("targetVisible guards every Ref step in both forms, its parameters numbered with the rest", () => {
    const seen: string[] = [];
    const targetVisible = (e: string, param: (v: unknown) => string) => {
      seen.push(e);
      return `visible(${e}, ${param("org")})`;
    };
    const ast = parseFilter('point and equipRef->siteRef->dis == "x"');
    const plain = compileFilter(ast, { entityIdSql: "e.id" });
    expect(plain.sql).not.toContain("visible(");
    for (const few of [false, true]) {
      seen.length = 0;
      const { sql, params } = compileFilter(ast, { entityIdSql: "e.id", paramOffset: 2, few, targetVisible });
      // Each hop (equipRef's targets, siteRef's targets) in each storage form; never the root.
      expect(seen.length).toBeGreaterThanOrEqual(4);
      expect(seen).not.toContain("e.id");
      expect(sql.split("visible(").length - 1).toBe(seen.length);
      const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      expect(used).toEqual(new Set(params.map((_, i) => i + 3)));
      expect(params.filter((p) => p === "org").length).toBe(seen.length);
    }
    // With arms, the set-based form selects the last hop's targets once per arm (UNION ALL); the
    // hops before it test each target (the arms would double the text at every hop).
    const arms = (e: string, param: (v: unknown) => string) => [`armA(${e}, ${param(1)})`, `armB(${e})`];
    const set = compileFilter(ast, { entityIdSql: "e.id", targetVisible, targetVisibleArms: arms });
    expect(set.sql.split("armA(").length - 1).toBe(1);
    expect(set.sql.split("armB(").length - 1).toBe(1);
    expect(set.sql).toContain("visible(");
    const few = compileFilter(ast, {
      entityIdSql: "e.id",
      few: true,
      targetVisible,
      targetVisibleArms: arms,
    });
    expect(few.sql).not.toContain("armA(");
    // A filter without a Ref step never asks.
    seen.length = 0;
    compileFilter(parseFilter("point and dis"), { entityIdSql: "e.id", targetVisible });
    expect(seen).toEqual([]);
  });

  test("schema must be an identifier", () => {
    expect(() => compileFilter(parseFilter("site"), { entityIdSql: "e.id", schema: "core; drop" })).toThrow(
      TypeError,
    );
    expect(compileFilter(parseFilter("site"), { entityIdSql: "e.id", schema: "b2" }).sql).toContain(
      "b2.entity_tag",
    );
  });
});

describe("the cost of paths through Refs", () => {
  const path = (steps: number) => `${Array(steps).fill("equipRef").join("->")}->dis`;
  test("grows 7-fold per step and adds over terms", () => {
    expect(refStepCost(parseFilter("site"))).toBe(1);
    expect(refStepCost(parseFilter(path(2)))).toBe(49);
    expect(refStepCost(parseFilter(`site and (${path(1)} or ^ahu)`))).toBe(1 + 7 + 1);
  });
  test("compileFilter refuses more than one path of 6 steps, before building the SQL", () => {
    expect(compileFilter(parseFilter(path(6)), { entityIdSql: "e.id" }).sql.length).toBeLessThan(1_000_000);
    expect(() => compileFilter(parseFilter(path(7)), { entityIdSql: "e.id" })).toThrow(FilterTooComplexError);
    expect(() => compileFilter(parseFilter(`${path(6)} or ${path(6)}`), { entityIdSql: "e.id" })).toThrow(
      FilterTooComplexError,
    );
    // many short paths within the step cost: refused by the size of their SQL
    expect(() =>
      compileFilter(parseFilter(Array(1100).fill("e->d").join(" or ")), { entityIdSql: "e.id" }),
    ).toThrow(FilterTooComplexError);
    expect(
      compileFilter(parseFilter(Array(300).fill("e->d").join(" or ")), { entityIdSql: "e.id" }).sql.length,
    ).toBeLessThan(1_000_000);
    // 30 steps would be about 10^25 bytes of SQL: refused at once
    expect(() => compileFilter(parseFilter(path(30)), { entityIdSql: "e.id" })).toThrow(
      FilterTooComplexError,
    );
  });
});
