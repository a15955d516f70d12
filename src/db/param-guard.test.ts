import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { copyField, copyIn, type Database, openDatabase } from "./connect.ts";
import { checkCopyDepth, checkParamDepth, PARAM_MAX_DEPTH, PARAM_TOO_DEEP } from "./param-guard.ts";

const text = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
function value(depth: number): unknown {
  let v: unknown = {};
  for (let i = 1; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe("checkParamDepth", () => {
  test(`JSON text, values and strings in arrays up to ${PARAM_MAX_DEPTH} levels pass unchanged`, () => {
    const params = [text(PARAM_MAX_DEPTH), value(PARAM_MAX_DEPTH), [text(PARAM_MAX_DEPTH - 1)], 1, null];
    expect(checkParamDepth(params)).toBe(params);
    expect(checkParamDepth(undefined)).toBeUndefined();
  });

  test("plain text with brackets, dates and bytes are not taken for JSON", () => {
    const params = [`x${"[".repeat(10_000)}`, new Date(0), new Uint8Array(10), "  a"];
    expect(checkParamDepth(params)).toBe(params);
  });

  test.each([
    ["JSON text", text(10_000)],
    ["JSON text after blanks", `  \n${text(PARAM_MAX_DEPTH + 1)}`],
    ["a nested object", value(100_000)],
    ["JSON text in a text[]", ["{}", `{"a":${text(PARAM_MAX_DEPTH)}}`]],
    ["JSON quoted in an array literal (a jsonb[] column)", `{"{}","${text(PARAM_MAX_DEPTH)}"}`],
  ])("%s nested too deep is a 422 AppError", (_name, p) => {
    const e = refusal(() => checkParamDepth(["ok", p]));
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("invalid");
    expect((e as AppError).message).toBe(PARAM_TOO_DEEP);
  });
});

describe("checkCopyDepth", () => {
  const row = (...fields: string[]) => `${fields.map(copyField).join("\t")}\n`;

  test(`fields up to ${PARAM_MAX_DEPTH} levels, and brackets that do not open a field, pass unchanged`, () => {
    const data = [
      row("1", "2024-01-01T00:00:00.000Z", text(PARAM_MAX_DEPTH)),
      row("2", `x${"{".repeat(10_000)}`, "\\N"),
      // each field is measured on its own: two fields at the limit are not added up
      row("3", text(PARAM_MAX_DEPTH), text(PARAM_MAX_DEPTH)),
    ];
    expect(checkCopyDepth(data)).toBe(data);
    expect(checkCopyDepth("")).toBe("");
  });

  test.each([
    ["a dict field", row("1", "2024-01-01T00:00:00.000Z", `{"a":${text(PARAM_MAX_DEPTH)}}`)],
    ["a field in the last row", `${row("1", "{}")}${row("2", text(10_000))}`],
    [
      "a field split over two strings",
      [`1\t${"[".repeat(PARAM_MAX_DEPTH)}`, `[${"]".repeat(PARAM_MAX_DEPTH + 1)}\n`],
    ],
  ])("%s nested too deep is a 422 AppError", (_name, data) => {
    const e = refusal(() => checkCopyDepth(data));
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("invalid");
    expect((e as AppError).message).toBe(PARAM_TOO_DEEP);
  });
});

describe("the embedded engine behind the guard", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ key: "guarded", url: "pglite://memory" });
  });
  afterAll(() => db.close());

  test("jsonb nested 10,000 deep is refused before PGlite, in and out of transactions; the engine goes on", async () => {
    const deep = text(10_000);
    await expect(db.query("SELECT $1::text::jsonb AS j", [deep])).rejects.toBeInstanceOf(AppError);
    await expect(
      db.transaction((tx) => tx.query("SELECT $1::text::jsonb AS j", [deep])),
    ).rejects.toBeInstanceOf(AppError);
    const literal = `{"${text(10_000)}"}`;
    await expect(db.query("SELECT $1::text::jsonb[] AS j", [literal])).rejects.toBeInstanceOf(AppError);
    expect(db.availability().up).toBe(true);
    const [r] = await db.query<{ n: number }>("SELECT jsonb_array_length($1::text::jsonb) AS n", [
      text(PARAM_MAX_DEPTH),
    ]);
    expect(r?.n).toBe(1);
  });

  test("a COPY whose jsonb field nests 10,000 deep is refused before PGlite, nothing copied; the engine goes on", async () => {
    await db.exec("CREATE TABLE copied (id int PRIMARY KEY, d jsonb)");
    const deep = `1\t${copyField(`{"a":${text(10_000)}}`)}\n`;
    await expect(copyIn(db, "copied (id, d)", deep)).rejects.toBeInstanceOf(AppError);
    await expect(
      db.transaction((tx) => copyIn(tx, "copied (id, d)", ["2\t{}\n", deep])),
    ).rejects.toBeInstanceOf(AppError);
    expect(db.availability().up).toBe(true);
    expect(await db.query("SELECT id FROM copied")).toEqual([]);
    await copyIn(db, "copied (id, d)", `3\t${copyField(text(PARAM_MAX_DEPTH))}\n`);
    expect(await db.query<{ id: number }>("SELECT id FROM copied")).toEqual([{ id: 3 }]);
  });
});
