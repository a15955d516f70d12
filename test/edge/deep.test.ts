// Input nested 100,000 deep, over HTTP on both engines (issue 11: the Zinc and Haystack JSON
// readers and the filter parser overflowed their stacks → 500). CONTRACT.md, input hygiene: deeper
// than the documented limit is refused, 400 for Haystack ops (an error grid for an op's filter),
// 422 naming the field on REST; never a 5xx; the server still answers afterwards.
import { beforeAll, describe, expect, test } from "bun:test";
import { MAX_DEPTH } from "../../src/haystack/index.ts";
import { testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { callOp } from "../haystack-api/client.ts";

const DEEP = 100_000;
const TOO_DEEP = `nested deeper than ${MAX_DEPTH} levels`;
const zincList = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const zincDict = (n: number) => `${"{a:".repeat(n)}1${"}".repeat(n)}`;
const zincGrids = (n: number) => `${'<<ver:"3.0"\nv\n'.repeat(n)}1\n${">>\n".repeat(n)}`;
const jsonList = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const parens = (n: number) => `${"(".repeat(n)}site${")".repeat(n)}`;

describe.each(ENGINES)("input nested %d deep on %s".replace("%d", String(DEEP)), (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let s: SeededOrg;
  const auth = () => bearer(s.admin.token).authorization!;

  beforeAll(async () => {
    t = await testApp(engine);
    s = await seedOrg(t.deps, { key: "deep" });
  });

  const stillServing = async () => {
    const r = await callOp(t.app, "deep", "about", { auth: auth() });
    expect(r.status).toBe(200);
  };

  test.each([
    ["a Zinc list in a cell", `ver:"3.0"\nid\n${zincList(DEEP)}\n`],
    ["a Zinc dict in a cell", `ver:"3.0"\nid\n${zincDict(DEEP)}\n`],
    ["Zinc grids nested in cells", `ver:"3.0"\nid\n${zincGrids(DEEP)}`],
  ])("%s → 400 naming the limit", async (_name, body) => {
    const r = await callOp(t.app, "deep", "read", { auth: auth(), body });
    expect({ status: r.status, text: r.text }).toEqual({
      status: 400,
      text: expect.stringContaining(TOO_DEEP),
    });
    await stillServing();
  });

  test("a Haystack JSON grid nested deep → 400 naming the limit", async () => {
    const body = `{"_kind":"grid","meta":{"ver":"3.0"},"cols":[{"name":"id"}],"rows":[{"id":${jsonList(DEEP)}}]}`;
    const r = await callOp(t.app, "deep", "read", { auth: auth(), body, contentType: "application/json" });
    expect({ status: r.status, text: r.text }).toEqual({
      status: 400,
      text: expect.stringContaining(TOO_DEEP),
    });
    await stillServing();
  });

  test("a read op's filter in parentheses → an error grid naming the limit", async () => {
    const r = await callOp(t.app, "deep", "read", {
      auth: auth(),
      body: `ver:"3.0"\nfilter\n"${parens(DEEP)}"\n`,
    });
    expect(r.status).toBe(200);
    expect(r.grid?.meta).toMatchObject({ err: expect.anything(), dis: expect.stringContaining(TOO_DEEP) });
    await stillServing();
  });

  // REST filters are at most 10,000 characters: as deep as that allows
  const restDeep = 4_990;
  test.each([
    ["/filter", () => ({ org_id: s.org.id, filter: parens(restDeep) })],
    [
      "/values",
      () => ({
        org_id: s.org.id,
        filter: parens(restDeep),
        date_from: "2026-01-01T00:00:00Z",
        date_to: "2026-01-02T00:00:00Z",
      }),
    ],
  ])("POST %s with a filter in parentheses → 422 naming the filter field", async (path, body) => {
    const res = await t.app.request(path, {
      method: "POST",
      headers: { ...bearer(s.admin.token), "content-type": "application/json" },
      body: JSON.stringify(body()),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 422,
      body: {
        detail: [
          { loc: ["body", "filter"], msg: `1:${MAX_DEPTH + 1} ${TOO_DEEP}`, type: expect.any(String) },
        ],
      },
    });
    await stillServing();
  });

  test(`a filter ${MAX_DEPTH} deep is still answered`, async () => {
    const res = await t.app.request("/filter", {
      method: "POST",
      headers: { ...bearer(s.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: s.org.id, filter: parens(MAX_DEPTH) }),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: [] });
  });
});
