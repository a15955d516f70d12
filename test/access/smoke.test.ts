import { describe, expect, test } from "bun:test";
import { testApp } from "../harness/app.ts";
import { appAdmin, bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

describe.each(ENGINES)("harness on %s", (engine) => {
  test("seedOrg and appAdmin give working bearer tokens; anonymous is refused", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const b = await seedOrg(deps, { key: "beta" });
    expect(a.org.id).not.toBe(b.org.id);
    const boss = await appAdmin(deps);
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/nope")).status).toBe(401);
    expect((await app.request("/nope", { headers: bearer(a.member.token) })).status).toBe(404);
    expect((await app.request("/nope", { headers: bearer(boss.token) })).status).toBe(404);
    expect((await app.request("/nope", { headers: bearer(`${a.member.token}x`) })).status).toBe(401);
    const tables = await deps.dbs.primary.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'core' AND table_name LIKE 'values_acme%' ORDER BY 1",
    );
    expect(tables.map((r) => r.t)).toEqual(["values_acme", "values_acme_current"]);
  });
});
