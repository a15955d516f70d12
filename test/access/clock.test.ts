// Time comes from deps.clock (createServices): a test moves it and the services follow, without
// waiting or touching the machine's clock.
import { expect, test } from "bun:test";
import type { Clock } from "../../src/deps.ts";
import { testApp } from "../harness/app.ts";
import { bearer, seedOrg } from "../harness/auth.ts";

test("token expiry is judged against the injected clock", async () => {
  let now = new Date("2040-01-01T00:00:00Z");
  const clock: Clock = { now: () => now };
  const { app, deps } = await testApp("pglite", { clock });
  const a = await seedOrg(deps, { key: "acme" });
  const create = (expires_at: string) =>
    app.request("/token", {
      method: "POST",
      headers: { ...bearer(a.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: a.org.id, name: "poller", expires_at }),
    });

  // Later than the wall clock but earlier than the injected one: already past.
  const past = await create("2039-06-01T00:00:00Z");
  expect(past.status).toBe(422);
  expect(await past.json()).toEqual({
    detail: [{ loc: ["body", "expires_at"], msg: "expires_at must be in the future", type: "value_error" }],
  });

  now = new Date("2039-01-01T00:00:00Z");
  const ok = await create("2039-06-01T00:00:00Z");
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ name: "poller", expires_at: "2039-06-01T00:00:00.000Z" });
});
