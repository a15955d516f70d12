// What a hostile client sends, one case per category of issue 11, on both engines: each answer is
// the contract's 4xx naming what is wrong (CONTRACT.md, "Input hygiene"; never a 500, never a
// 503, which a poller reads as "primary down"), nothing is stored, and the server still answers.
import { beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

const nested = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;

describe.each(ENGINES)("hostile input on %s", (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let s: SeededOrg;
  let entityId: number;
  const counts = async () =>
    (
      await t.deps.dbs.primary.query<{ e: number; t: number; v: number }>(
        `SELECT (SELECT count(*)::int FROM core.entity) AS e, (SELECT count(*)::int FROM core.entity_tag) AS t,
                (SELECT count(*)::int FROM core.values_hostile) AS v`,
      )
    )[0]!;

  beforeAll(async () => {
    t = await testApp(engine);
    s = await seedOrg(t.deps, { key: "hostile" });
    const res = await send("POST", "/entity", {
      org_id: s.org.id,
      tags: [{ tag_name: "dis", value_s: "ok" }],
    });
    expect(res.status).toBe(200);
    entityId = ((await res.json()) as { id: number }).id;
  });

  function send(method: string, path: string, body?: unknown, raw?: string) {
    const text = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    return t.app.request(path, {
      method,
      headers: {
        ...bearer(s.admin.token),
        ...(text === undefined ? {} : { "content-type": "application/json" }),
      },
      body: text,
    });
  }

  const cases: [string, () => [string, string, unknown?, string?], number, unknown[]?][] = [
    [
      "NUL in a tag value",
      () => ["POST", "/entity", { org_id: s.org.id, tags: [{ tag_name: "dis", value_s: "a\u0000b" }] }],
      422,
      ["body", "tags", 0, "value_s"],
    ],
    [
      "lone surrogate in a tag name",
      () => ["POST", "/entity", { org_id: s.org.id, tags: [{ tag_name: "d\ud800" }] }],
      422,
      ["body", "tags", 0, "tag_name"],
    ],
    [
      "a value_dict nested 20,000 deep (aborted PGlite)",
      () => [
        "POST",
        "/entity",
        undefined,
        `{"org_id":${s.org.id},"tags":[{"tag_name":"d","value_dict":${nested(20_000)}}]}`,
      ],
      422,
      ["body"],
    ],
    [
      "malformed JSON on /entity (as elsewhere)",
      () => ["POST", "/entity", undefined, '{"org_id": 1,'],
      422,
      ["body"],
    ],
    [
      "malformed JSON on /bulk/value",
      () => ["POST", "/bulk/value", undefined, '{"org_id": 1,'],
      422,
      ["body"],
    ],
    [
      "NUL in a bulk value's status (was 503)",
      () => [
        "POST",
        "/bulk/value",
        {
          org_id: s.org.id,
          values: [{ entity_id: entityId, ts: "2026-01-01T00:00:00Z", value_n: 1, status: "o\u0000k" }],
        },
      ],
      422,
      ["body", "values", 0, "status"],
    ],
    [
      "NUL in a string value (was 503)",
      () => [
        "POST",
        "/value",
        { org_id: s.org.id, entity_id: entityId, ts: "2026-01-01T00:00:00Z", value_s: "\u0000" },
      ],
      422,
      ["body", "value_s"],
    ],
    [
      "an id above int4 (was 500)",
      () => ["GET", `/tagdef/2147483648?org_id=${s.org.id}`],
      422,
      ["path", "ref"],
    ],
    [
      "an entity id above int4",
      () => ["GET", `/entity/99999999999?org_id=${s.org.id}`],
      422,
      ["path", "ref"],
    ],
    [
      "NUL in a query parameter",
      () => ["GET", `/tagdef?org_id=${s.org.id}&name=a%00`],
      422,
      ["query", "name"],
    ],
    ["NUL in a path id", () => ["GET", `/entity/a%00?org_id=${s.org.id}`], 422, ["path", "ref"]],
    [
      "a poller config nested 10,000 deep",
      () => [
        "POST",
        "/poller",
        undefined,
        `{"org_id":${s.org.id},"poller_type":"x","poller_name":"p","config":${nested(10_000)}}`,
      ],
      422,
      ["body"],
    ],
  ];

  test.each(cases)("%s → %d naming the field", async (_name, make, status, loc) => {
    const before = await counts();
    const [method, path, body, raw] = make();
    const res = await send(method, path, body, raw);
    const text = await res.text();
    expect({ status: res.status, text }).toMatchObject({ status });
    if (loc) expect((JSON.parse(text) as { detail: { loc: unknown[] }[] }).detail[0]!.loc).toEqual(loc);
    expect(await counts()).toEqual(before);
    expect(
      (await t.app.request(`/entity/${entityId}?org_id=${s.org.id}`, { headers: bearer(s.admin.token) }))
        .status,
    ).toBe(200);
  });

  test("a timestamp beyond PostgreSQL's range is a 4xx, not 503", async () => {
    const before = await counts();
    const res = await send("POST", "/bulk/value", {
      org_id: s.org.id,
      values: [{ entity_id: entityId, ts: "+275000-01-01T00:00:00Z", value_n: 1 }],
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await counts()).toEqual(before);
  });

  test("Basic credentials with a NUL are a 401, not a database error", async () => {
    const res = await t.app.request("/authorize/token", {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from("a\u0000@x.test:pw").toString("base64")}` },
    });
    expect(res.status).toBe(401);
  });
});
