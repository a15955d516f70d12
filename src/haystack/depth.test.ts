// The one nesting limit, in each reader: exactly MAX_DEPTH levels read, one more is the reader's
// own error (never a RangeError from a blown stack), also 100,000 levels deep.
import { describe, expect, test } from "bun:test";
import { jsonDepth, MAX_DEPTH, TOO_DEEP } from "./depth.ts";
import { FilterSyntaxError, FilterTooDeepError, parseFilter } from "./filter/parser.ts";
import { fromJson, HaystackJsonError, type Json, readJson, readJsonGrid } from "./json.ts";
import { Grid } from "./kinds.ts";
import { readZincGrid, readZincValue, ZincSyntaxError } from "./zinc.ts";

const DEEP = 100_000;

const zincList = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const zincDict = (n: number) => `${"{a:".repeat(n)}1${"}".repeat(n)}`;
/** A grid whose one cell holds a grid, `n` grids deep below the top-level one. */
const zincGrid = (n: number) => `${'ver:"3.0"\na\n<<'.repeat(n)}ver:"3.0"\na\n1\n${">>\n".repeat(n)}`;
const jsonList = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const filter = (n: number) => `${"(".repeat(n)}site${")".repeat(n)}`;

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("jsonDepth", () => {
  test("counts brackets outside strings and stops past the limit", () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
    expect(jsonDepth(jsonList(DEEP))).toBe(MAX_DEPTH + 1);
  });
});

describe("Zinc reader", () => {
  test.each([
    ["list", zincList],
    ["dict", zincDict],
  ])(`a %s ${MAX_DEPTH} deep reads; one more level is a ZincSyntaxError`, (_kind, text) => {
    expect(() => readZincValue(text(MAX_DEPTH))).not.toThrow();
    for (const n of [MAX_DEPTH + 1, DEEP]) {
      const e = thrown(() => readZincValue(text(n)));
      expect(e).toBeInstanceOf(ZincSyntaxError);
      expect((e as ZincSyntaxError).detail).toBe(TOO_DEEP);
      expect((e as ZincSyntaxError).col).toBe(MAX_DEPTH * (text === zincDict ? 3 : 1) + 1);
    }
  });

  test(`grids nested ${MAX_DEPTH} deep read; one more is a ZincSyntaxError`, () => {
    let g = readZincGrid(zincGrid(MAX_DEPTH));
    for (let i = 0; i < MAX_DEPTH; i++) g = g.rows[0]!.a as Grid;
    expect(g.rows).toEqual([{ a: expect.anything() }]);
    for (const n of [MAX_DEPTH + 1, DEEP]) {
      const e = thrown(() => readZincGrid(zincGrid(n)));
      expect(e).toBeInstanceOf(ZincSyntaxError);
      expect((e as ZincSyntaxError).detail).toBe(TOO_DEEP);
    }
  });

  test("a grid cell holding a deep list is refused inside the grid", () => {
    const e = thrown(() => readZincGrid(`ver:"3.0"\nv\n${zincList(DEEP)}\n`));
    expect(e).toBeInstanceOf(ZincSyntaxError);
    expect((e as ZincSyntaxError).toString()).toBe(`3:${MAX_DEPTH + 1} ${TOO_DEEP}`);
  });
});

describe("Haystack JSON reader", () => {
  test(`text ${MAX_DEPTH} deep reads; deeper text is refused before JSON.parse`, () => {
    expect(readJson(jsonList(MAX_DEPTH))).toBeDefined();
    for (const n of [MAX_DEPTH + 1, DEEP]) {
      const e = thrown(() => readJson(jsonList(n)));
      expect(e).toBeInstanceOf(HaystackJsonError);
      expect((e as Error).message).toBe(`$: ${TOO_DEEP}`);
    }
    expect(
      thrown(() => readJsonGrid(`{"_kind":"grid","cols":[{"name":"v"}],"rows":[{"v":${jsonList(DEEP)}}]}`)),
    ).toBeInstanceOf(HaystackJsonError);
  });

  test("fromJson counts every array and object, grids included, before descending", () => {
    const nest = (n: number): Json => {
      let j: Json = 1;
      for (let i = 0; i < n; i++) j = { a: j };
      return j;
    };
    expect(fromJson(nest(MAX_DEPTH))).toBeDefined();
    expect(thrown(() => fromJson(nest(MAX_DEPTH + 1)))).toBeInstanceOf(HaystackJsonError);
    expect(thrown(() => fromJson(nest(DEEP)))).toBeInstanceOf(HaystackJsonError);
    // a grid is its object, its rows array and each row object: three levels around a cell
    const grid = (cell: Json): Json => ({ _kind: "grid", cols: [{ name: "v" }], rows: [{ v: cell }] });
    expect(fromJson(grid(nest(MAX_DEPTH - 3)))).toBeInstanceOf(Grid);
    const e = thrown(() => fromJson(grid(nest(MAX_DEPTH - 2))));
    expect(e).toBeInstanceOf(HaystackJsonError);
    expect((e as Error).message).toStartWith("rows[0].v");
  });
});

describe("filter parser", () => {
  test(`parentheses ${MAX_DEPTH} deep parse; one more is a FilterTooDeepError at that '('`, () => {
    expect(parseFilter(filter(MAX_DEPTH))).toEqual({ type: "has", path: ["site"] });
    for (const n of [MAX_DEPTH + 1, DEEP]) {
      const e = thrown(() => parseFilter(filter(n)));
      expect(e).toBeInstanceOf(FilterTooDeepError);
      expect(e).toBeInstanceOf(FilterSyntaxError);
      expect(String(e)).toBe(`1:${MAX_DEPTH + 1} ${TOO_DEEP}`);
    }
  });

  test("depth is nesting, not count: many sibling groups parse", () => {
    const wide = Array.from({ length: 1000 }, () => "(site)").join(" or ");
    expect(parseFilter(wide)).toMatchObject({ type: "or" });
  });
});
