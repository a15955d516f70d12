// Property test of the edge (issue 11): every route enumerated from the Hono router gets generated
// hostile input (NUL and lone surrogates, JSON and Zinc nested far too deep, malformed JSON and
// Zinc, ids beyond int4, huge and non-finite numbers, wrong kinds, long strings) as an org admin,
// so that it passes authentication and reaches validation. Properties: no answer is 5xx (503
// included: a poller reads it as "primary down"), nothing is stored, and the server still answers
// afterwards. Seeded (fast-check), a fixed number of runs per route, on both engines.
// A second pass sends clean but hostile input (no NUL anywhere, so it gets past the hygiene check
// to the routes' own validation and services): wrong kinds, huge and non-finite numbers, long
// strings, JSON 33 and 1,000 deep, malformed Zinc. There, writes may succeed (in an org of their
// own), but still no answer is 5xx. In both passes every JSON 422 (the console's pages answer
// theirs as HTML forms) has the one body (CONTRACT.md):
// `{"detail": [{loc, msg, type}]}` with `loc` under body/query/path/header and `type` one of the
// pydantic v2 spellings of FIELD_ERROR_TYPES.
import { beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { FIELD_ERROR_TYPES } from "../../src/errors.ts";
import { testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

const SEED = 1111;
const RUNS = 6;
/** Runs per route of the clean pass (it reaches deeper code, so each run costs more). */
const CLEAN_RUNS = 4;

const deep = (n: number, open = "[", close = "]") => `${open.repeat(n)}1${close.repeat(n)}`;

/** A value no storage accepts: every generated request carries at least one. */
const poisonString = fc.constantFrom(
  "a\u0000b",
  "\u0000",
  "x\ud800",
  "\udc00y",
  `${"z".repeat(70_000)}\u0000`,
);
/** Values of the wrong kind or size: mixed in, not always refused. */
const wrongValue = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, 2_147_483_648, -1, 0, 1.5, true, null, [], {}, ""),
  fc.string({ maxLength: 30 }),
  fc.constantFrom("3", "0", "NaN", "Infinity", "1e999", "2147483648", "99999999999999999999"),
  fc.integer(),
);

const FIELDS = [
  "org_id",
  "entity_id",
  "tags",
  "tag_name",
  "value_n",
  "value_s",
  "value_ts",
  "value_dict",
  "values",
  "ts",
  "filter",
  "name",
  "key",
  "email",
  "password",
  "config",
  "events",
  "message",
  "status",
  "points",
  "date_from",
  "date_to",
  "building_config",
  "simulator_name",
];

/** A JSON body text that the edge must refuse: poisoned strings, too deep, or not JSON at all. */
const hostileJson = (orgId: number) =>
  fc.oneof(
    fc
      .record({
        field: fc.constantFrom(...FIELDS),
        poison: poisonString,
        extra: fc.dictionary(fc.constantFrom(...FIELDS), wrongValue, { maxKeys: 4 }),
        nest: fc.boolean(),
      })
      .map(({ field, poison, extra, nest }) =>
        JSON.stringify({
          org_id: orgId,
          ...extra,
          [field]: nest ? { k: [{ [poison]: poison }] } : poison,
        }),
      ),
    fc
      .constantFrom(40, 1000, 20_000)
      .chain((n) =>
        fc
          .constantFrom(...FIELDS)
          .map((f) => `{"org_id":${orgId},"${f}":${deep(n, '{"a":', "}")}, "tags":${deep(n)}}`),
      ),
    fc.constantFrom(
      '{"org_id": 1,',
      "{'org_id': 1}",
      "[[[",
      '{"a":1}}',
      "nul\u0000l",
      '{"org_id":1e999,"x":"\\ud800"}',
    ),
  );

/** A Zinc or Haystack JSON body the readers must refuse. */
const hostileHaystack = fc.oneof(
  fc.constantFrom(
    `ver:"3.0"\nid\n${deep(20_000)}\n`,
    `ver:"3.0"\nid\n${deep(20_000, "{x:", "}")}\n`,
    `ver:"3.0"\nid\n${deep(20_000, '<<\nver:"3.0"\na\n', "\n>>")}\n`,
    'ver:"3.0"\nfilter\n"site and (((((((((((((((((((((((((((((((((((((((((((equip)))))))))))))))))))))))))))))))))))))))))))"\n',
    `ver:"3.0"\nfilter\n"${"(".repeat(20_000)}site${")".repeat(20_000)}"\n`,
    'ver:"3.0"\nid\n@a\u0000b\n',
    'ver:"3.0"\nid\n"\\u0000"\n',
    'ver:"3.0"\nid\n"unterminated\n',
    "not zinc at all",
  ),
  fc.constantFrom(
    `{"_kind":"grid","meta":{"ver":"3.0"},"cols":[{"name":"a"}],"rows":[{"a":${deep(20_000)}}]}`,
    '{"_kind":"grid","meta":{"ver":"3.0"},"cols":[{"name":"id"}],"rows":[{"id":{"_kind":"ref","val":"a\\u0000"}}]}',
  ),
);

/** A path parameter: real ids of org A, or hostile ones. */
const paramValue = (real: string[]) =>
  fc.oneof(
    fc.constantFrom(...real),
    fc.constantFrom(
      "2147483648",
      "99999999999999999999",
      "-1",
      "0",
      "a%00b",
      "%00",
      "%ED%A0%80",
      "%E0%A4%A",
      "1e309",
      "x".repeat(5000),
    ),
  );

/** A clean JSON body (every string storable) of wrong kinds and sizes, or nested just too deep. */
const cleanJson = (orgId: number, entityId: number) =>
  fc.oneof(
    fc
      .dictionary(
        fc.constantFrom(...FIELDS),
        fc.oneof(
          wrongValue,
          fc.constantFrom(
            "x".repeat(100_000),
            "2026-13-45T25:61:00Z",
            "+275760-09-13T00:00:00Z",
            "@x",
            "^sym",
          ),
          fc.array(wrongValue, { maxLength: 3 }),
          fc.constant([{ tag_name: "dis", value_n: "x" }]),
          fc.constant([{ entity_id: entityId, ts: "9999-12-31T23:00:00-05:00", value_n: 1 }]),
        ),
        { maxKeys: 5 },
      )
      .map((d) => JSON.stringify({ org_id: orgId, ...d })),
    fc
      .constantFrom(...FIELDS)
      .chain((f) => fc.constantFrom(33, 1000).map((n) => `{"org_id":${orgId},"${f}":${deep(n)}}`)),
    fc.constantFrom(
      `{"org_id":${orgId},"value_n":1e999}`,
      `{"org_id":1e999}`,
      `{"org_id":-0}`,
      "[]",
      '"x"',
      "null",
      "1",
    ),
  );

/** Malformed or just-too-deep Zinc and Haystack JSON without any NUL. */
const cleanHaystack = fc.constantFrom(
  `ver:"3.0"\nid\n${deep(33)}\n`,
  `ver:"3.0"\nfilter\n"${"(".repeat(33)}site${")".repeat(33)}"\n`,
  'ver:"3.0"\nid,range\n@x,"9999-12-31"\n',
  'ver:"3.0"\nts,val\n9999-12-31T23:00:00-05:00 New_York,1e999\n',
  'ver:"3.0"\na,b\n1,2,3\n',
  'ver:"9.9"\na\n1\n',
  'ver:"3.0"\nfilter\n"site =="\n',
  `{"_kind":"grid","meta":{"ver":"3.0"},"cols":[{"name":"a"}],"rows":[{"a":${deep(33)}}]}`,
  '{"_kind":"grid","cols":"x"}',
  '{"_kind":"nope"}',
);

const LOC_ROOTS = new Set(["body", "query", "path", "header"]);
const ALLOWED_TYPES = new Set<string>(FIELD_ERROR_TYPES);

/** What is wrong with a 422 body, or undefined when it has the one shape. */
export function shapeProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const detail = (body as { detail?: unknown }).detail;
  if (!Array.isArray(detail) || detail.length === 0)
    return `detail is not a field list: ${text.slice(0, 80)}`;
  for (const d of detail as { loc?: unknown; msg?: unknown; type?: unknown }[]) {
    if (!Array.isArray(d.loc) || d.loc.length === 0 || !LOC_ROOTS.has(String(d.loc[0])))
      return `bad loc ${JSON.stringify(d.loc)}`;
    if (typeof d.msg !== "string") return "msg is not a string";
    if (!ALLOWED_TYPES.has(String(d.type)))
      return `type ${JSON.stringify(d.type)} is not one of FIELD_ERROR_TYPES`;
  }
  return undefined;
}

const HAYSTACK_OPS = [
  "about",
  "read",
  "nav",
  "hisRead",
  "hisWrite",
  "pointWrite",
  "watchSub",
  "watchPoll",
  "watchUnsub",
  "invokeAction",
  "defs",
];

const queryValue = (orgId: number) =>
  fc.constantFrom(String(orgId), "3", "abc", "-1", "1e400", "99999999999999999999", "%00", "%F0%9F");

describe.each(ENGINES)("hostile input on every route, %s", (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let s: SeededOrg;
  let entityId: number;
  let tables: string[] = [];

  const snapshot = async () => {
    // Content, not only counts: a soft delete or an update changes the digest too.
    const parts = tables.map(
      (tbl) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${tbl} x)`,
    );
    const [row] = await t.deps.dbs.primary.query<{ c: string }>(
      `SELECT concat_ws(',', ${parts.join(", ")}) AS c`,
    );
    return row!.c;
  };

  beforeAll(async () => {
    t = await testApp(engine);
    s = await seedOrg(t.deps, { key: "fuzz" });
    const res = await t.app.request("/entity", {
      method: "POST",
      headers: { ...bearer(s.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: s.org.id, tags: [{ tag_name: "dis", value_s: "ok" }] }),
    });
    expect(res.status).toBe(200);
    entityId = ((await res.json()) as { id: number }).id;
    tables = [
      "core.entity",
      "core.entity_tag",
      "core.tag_def",
      "core.tag_meta",
      "core.tag_def_enum",
      "core.org",
      'core."user"',
      "core.org_user",
      "core.poller_config",
      "core.hs_simulator",
      "core.hs_api_token",
      "core.values_fuzz",
      "core.values_fuzz_current",
      "core.simulator_activity_log",
      "core.org_entity_permission",
    ];
  });

  const routes = (() => {
    // The route list is the router's; built once per engine from a throwaway app would cost a
    // database, so it is read lazily from the app of this describe.
    return () => {
      const seen = new Set<string>();
      const out: { method: string; path: string }[] = [];
      for (const r of t.app.routes) {
        if (r.path === "/*" || r.path.startsWith("/static")) continue;
        const k = `${r.method} ${r.path}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ method: r.method === "ALL" ? "POST" : r.method, path: r.path });
      }
      return out;
    };
  })();

  test("every route: no 5xx, nothing stored, still healthy", async () => {
    const before = await snapshot();
    const list = routes();
    expect(list.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const { method, path } of list) {
      const real = [String(entityId), String(s.org.id), s.org.key, "dis"];
      const haystack = path.startsWith("/api/");
      const request = fc.record({
        params: fc.array(paramValue(real), { minLength: 4, maxLength: 4 }),
        query: fc.dictionary(
          fc.constantFrom("org_id", "skip", "limit", "name", "tag_id", "type"),
          queryValue(s.org.id),
          {
            maxKeys: 3,
          },
        ),
        poisonKey: fc.constantFrom("x", "filter", "org_id"),
        op: fc.constantFrom(...HAYSTACK_OPS),
        body: haystack ? hostileHaystack : hostileJson(s.org.id),
      });
      await fc
        .assert(
          fc.asyncProperty(request, async (r) => {
            let i = 0;
            const p = path
              .replace(/:org(?=\/|$)/, s.org.key)
              .replace(/:op(?=\/|$)/, r.op)
              .replace(/:[A-Za-z_]+(\{[^}]*\})?/g, () => r.params[i++ % r.params.length]!);
            const q = new URLSearchParams(r.query).toString();
            // GETs carry their poison in the query; writes in the body (and a poisoned query too).
            const url = `${p}?${q}${q ? "&" : ""}${r.poisonKey}=%00`;
            const res = await t.app.request(url, {
              method,
              headers: {
                ...bearer(s.admin.token),
                "content-type": haystack
                  ? r.body.startsWith("{")
                    ? "application/json"
                    : "text/zinc"
                  : "application/json",
              },
              body: method === "GET" ? undefined : r.body,
            });
            let text = "";
            if ((res.headers.get("content-type") ?? "").includes("event-stream")) await res.body?.cancel();
            else text = await res.text();
            if (res.status >= 500) failures.push(`${method} ${url.slice(0, 120)} → ${res.status}`);
            const json = (res.headers.get("content-type") ?? "").includes("application/json");
            const shape = res.status === 422 && json ? shapeProblem(text) : undefined;
            if (shape) failures.push(`${method} ${url.slice(0, 120)} → 422 ${shape}`);
            return res.status < 500 && !shape;
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        )
        .catch(() => undefined);
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    const health = await t.app.request("/health");
    expect(health.status).toBe(200);
    const again = await t.app.request(`/entity/${entityId}?org_id=${s.org.id}`, {
      headers: bearer(s.admin.token),
    });
    expect(again.status).toBe(200);
  });

  test("every route, clean but hostile input: no 5xx, every 422 in the one shape", async () => {
    const other = await seedOrg(t.deps, { key: "fuzzclean" });
    const res = await t.app.request("/entity", {
      method: "POST",
      headers: { ...bearer(other.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: other.org.id, tags: [{ tag_name: "dis", value_s: "ok" }] }),
    });
    const otherEntity = ((await res.json()) as { id: number }).id;
    const failures: string[] = [];
    let shaped = 0;
    for (const { method, path } of routes()) {
      const haystack = path.startsWith("/api/");
      const request = fc.record({
        params: fc.array(
          fc.constantFrom(
            String(otherEntity),
            String(other.org.id),
            "dis",
            "2147483647",
            "0",
            "x".repeat(300),
          ),
          { minLength: 4, maxLength: 4 },
        ),
        query: fc.dictionary(
          fc.constantFrom("org_id", "skip", "limit", "name", "range", "from", "to", "filter", "id"),
          fc.constantFrom(String(other.org.id), "abc", "-1", "1e400", "2147483648", "9999-12-31", "(((a)))"),
          { maxKeys: 4 },
        ),
        op: fc.constantFrom(...HAYSTACK_OPS),
        body: haystack ? cleanHaystack : cleanJson(other.org.id, otherEntity),
      });
      await fc
        .assert(
          fc.asyncProperty(request, async (r) => {
            let i = 0;
            const p = path
              .replace(/:org(?=\/|$)/, other.org.key)
              .replace(/:op(?=\/|$)/, r.op)
              .replace(/:[A-Za-z_]+(\{[^}]*\})?/g, () => r.params[i++ % r.params.length]!);
            const q = new URLSearchParams(r.query).toString();
            const url = q ? `${p}?${q}` : p;
            const res = await t.app.request(url, {
              method,
              headers: {
                ...bearer(other.admin.token),
                "content-type": haystack && !r.body.startsWith("{") ? "text/zinc" : "application/json",
              },
              body: method === "GET" ? undefined : r.body,
            });
            let text = "";
            if ((res.headers.get("content-type") ?? "").includes("event-stream")) await res.body?.cancel();
            else text = await res.text();
            if (res.status >= 500) failures.push(`${method} ${url.slice(0, 120)} → ${res.status}`);
            const json = (res.headers.get("content-type") ?? "").includes("application/json");
            const shape = res.status === 422 && json ? shapeProblem(text) : undefined;
            if (res.status === 422 && json) shaped++;
            if (shape) failures.push(`${method} ${url.slice(0, 120)} → 422 ${shape}`);
            return res.status < 500 && !shape;
          }),
          { seed: SEED + 1, numRuns: CLEAN_RUNS, endOnFailure: true },
        )
        .catch(() => undefined);
    }
    expect(failures).toEqual([]);
    // the pass reached the routes' own validation, not only the hygiene check
    expect(shaped).toBeGreaterThan(50);
    expect((await t.app.request("/health")).status).toBe(200);
  });
});
