import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { type Database, openDatabase } from "./connect.ts";
import { checkParamDepth, PARAM_MAX_DEPTH, PARAM_TOO_DEEP } from "./param-guard.ts";

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
});
