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

test("an API token expires when the injected clock passes expires_at, not the database's", async () => {
  let now = new Date("2039-01-01T00:00:00Z");
  const clock: Clock = { now: () => now };
  const { app, deps } = await testApp("pglite", { clock });
  const a = await seedOrg(deps, { key: "acme" });
  const tokenFor = async (expires_at: string) => {
    const res = await app.request("/token", {
      method: "POST",
      headers: { ...bearer(a.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: a.org.id, name: `poller ${expires_at}`, expires_at }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };
  const read = async (token: string) =>
    (await app.request(`/entity?org_id=${a.org.id}`, { headers: bearer(token) })).status;

  // Far after the database's clock: valid until the test's clock passes it.
  const later = await tokenFor("2039-06-01T00:00:00Z");
  expect(await read(later)).toBe(200);
  now = new Date("2039-06-01T00:00:00.001Z");
  expect(await read(later)).toBe(401);

  // Already past by the database's clock, still ahead of the test's: valid.
  now = new Date("2020-01-01T00:00:00Z");
  const earlier = await tokenFor("2020-02-01T00:00:00Z");
  expect(await read(earlier)).toBe(200);
  now = new Date("2020-02-02T00:00:00Z");
  expect(await read(earlier)).toBe(401);
});
