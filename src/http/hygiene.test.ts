import { describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { jsonDepth, MAX_DEPTH } from "../haystack/depth.ts";
import { badStringIn, checkJsonText, isStorableString, urlProblem } from "./hygiene.ts";

const nested = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;

function detailOf(f: () => unknown): { loc: unknown[]; type: string }[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("invalid");
    return (e as AppError).detail as { loc: unknown[]; type: string }[];
  }
  throw new Error("expected a 422");
}

describe("input hygiene", () => {
  test.each([
    ["plain", "abc", true],
    ["NUL", "a\u0000b", false],
    ["lone high surrogate", "a\ud800b", false],
    ["lone low surrogate", "\udc00", false],
    ["a real pair (emoji)", "\ud83d\ude00", true],
  ])("%s: storable %p", (_n, s, ok) => expect(isStorableString(s)).toBe(ok));

  test("depth counts brackets outside strings and stops past the limit", () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
    expect(jsonDepth(nested(100_000))).toBe(MAX_DEPTH + 1);
  });

  test(`${MAX_DEPTH} levels pass, one more is a 422 at the body`, () => {
    expect(checkJsonText(nested(MAX_DEPTH))).toBeDefined();
    expect(detailOf(() => checkJsonText(nested(MAX_DEPTH + 1)))).toEqual([
      { loc: ["body"], msg: `nested deeper than ${MAX_DEPTH} levels`, type: "value_error" } as never,
    ]);
    // The 20,000-deep value_dict that aborted PGlite: refused before JSON.parse.
    expect(detailOf(() => checkJsonText(`{"tags":[{"value_dict":${nested(20_000)}}]}`))[0]!.type).toBe(
      "value_error",
    );
  });

  test("malformed JSON is a 422 json_invalid", () => {
    expect(detailOf(() => checkJsonText('{"org_id": 1,'))[0]!.type).toBe("json_invalid");
  });

  test("the location of a bad string names the field, keys included", () => {
    expect(badStringIn({ tags: [{ tag_name: "x", value_s: "a\u0000" }] }, ["body"])).toEqual([
      "body",
      "tags",
      0,
      "value_s",
    ]);
    expect(badStringIn({ d: { "k\ud800": 1 } }, ["body"])).toEqual(["body", "d", "k\ud800"]);
    expect(badStringIn({ ok: ["a", 1, null, true] }, ["body"])).toBeUndefined();
    expect(detailOf(() => checkJsonText('{"email":"a\\u0000@x"}'))).toEqual([
      {
        loc: ["body", "email"],
        msg: "string contains NUL or an unpaired surrogate",
        type: "string_unicode",
      } as never,
    ]);
  });

  const routes = [
    { method: "ALL", path: "/*" },
    { method: "GET", path: "/tagdef/:ref" },
    { method: "GET", path: "/tagdef/:tag/enum/:value" },
    { method: "GET", path: "/entity/:ref" },
    { method: "POST", path: "/simulator/:id{[0-9]+}/start" },
    { method: "GET", path: "/simulator/state/:id{[0-9]+}" },
    { method: "DELETE", path: "/org/:org_id" },
    { method: "GET", path: "/org/:org_id/poller" },
  ];
  test.each([
    ["GET", "/tagdef/2147483648", ["path", "ref"]],
    ["GET", "/tagdef/99999999999999999999", ["path", "ref"]],
    ["GET", "/tagdef/site/enum/x%00", ["path", "value"]],
    ["GET", "/entity/a%00b", ["path", "ref"]],
    ["GET", "/entity/%E0%A4%A", ["path", "ref"]],
    // a parameter's own pattern ([0-9]+) is not needed to name it
    ["POST", "/simulator/%00/start", ["path", "id"]],
    ["GET", "/simulator/state/2147483648", ["path", "id"]],
    // the route of another method names it when none of this method has that shape
    ["GET", "/org/2147483648", ["path", "org_id"]],
    ["GET", "/org/2147483648/poller", ["path", "org_id"]],
    // no route has a parameter there: the segment's index
    ["GET", "/nowhere/a%00", ["path", 1]],
    ["GET", "/entity?org_id=1&name=x%00", ["query", "name"]],
  ])("%s %s is refused at %p", (method, path, loc) => {
    expect(urlProblem(new URL(path, "http://x"), routes, method)?.loc).toEqual(loc);
  });

  test("int4 ids and names pass", () => {
    expect(urlProblem(new URL("/tagdef/2147483647?org_id=3", "http://x"))).toBeUndefined();
    expect(urlProblem(new URL("/entity/site-1%20b", "http://x"))).toBeUndefined();
  });
});
