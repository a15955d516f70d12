// The filter conformance table (test/haystack/filter-conformance.ts) through the HTTP API on both
// engines: `POST /filter` (the original REST contract) and the Haystack `read` op (Zinc and JSON)
// select exactly the ids the table gives, as the evaluator and the SQL compiler do
// (test/haystack/filter-conformance.test.ts); `^symbol` terms are answered in the org's namespace.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Ref } from "../../src/haystack/index.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";
import { CONFORMANCE_CASES, CONFORMANCE_ENTITIES } from "../haystack/filter-conformance.ts";
import { callOp } from "./client.ts";
import { insertEntities } from "./fixture.ts";

describe.each(ENGINES)("filter conformance over HTTP (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let idOf: Map<number, string>;

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    const ids = await insertEntities(t.dbs.primary, acme.org.id, CONFORMANCE_ENTITIES);
    idOf = new Map([...ids].map(([ref, n]) => [n, ref]));
  });

  test.each(CONFORMANCE_CASES)("POST /filter %s: %s", async (_rule, filter, expected) => {
    const res = await t.app.request("/filter?limit=1000", {
      method: "POST",
      headers: { ...bearer(acme.member.token), "content-type": "application/json" },
      body: JSON.stringify({ filter, org_id: acme.org.id }),
    });
    expect(res.status).toBe(200);
    const got = ((await json(res)) as { entity_id: number }[]).map((r) => idOf.get(r.entity_id) ?? "?");
    expect(got.sort()).toEqual([...expected].sort());
  });

  test.each(CONFORMANCE_CASES)("read %s: %s", async (_rule, filter, expected) => {
    for (const accept of ["text/zinc", "application/json"]) {
      const r = await callOp(t.app, "acme", "read", {
        auth: `Bearer ${acme.member.token}`,
        query: { filter },
        accept,
      });
      expect(r.status).toBe(200);
      const got = r.grid!.rows.map((d) => (d.id as Ref).id);
      expect(got.sort()).toEqual([...expected].sort());
    }
  });
});
