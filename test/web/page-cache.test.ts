// Page data kept between requests (src/web/page-cache.ts) is read again after a write: the
// explorer shows an entity created after the same page was read, and the broker's generation,
// which decides it, moves with the org's and system-wide events only; the dashboard's simulator
// list shows a pause, a rename and a delete at once.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { createBroker } from "../../src/realtime/broker.ts";
import {
  createSimulator,
  deleteSimulator,
  pauseSimulator,
  updateSimulatorConfig,
} from "../../src/simulator/service.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";

let t: TestApp;
let seeded: SeededOrg;

beforeAll(async () => {
  t = await testApp("pglite");
  seeded = await seedOrg(t.deps, { key: "cachetest", password: TEST_PASSWORD });
});

afterAll(async () => {
  await t.dbs.close();
});

async function signIn(email: string): Promise<string> {
  const res = await t.app.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
    body: new URLSearchParams({ email, password: TEST_PASSWORD }).toString(),
  });
  expect(res.status).toBe(303);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

const createSite = async (key: string) => {
  const res = await t.app.request("/entity", {
    method: "POST",
    headers: { ...bearer(seeded.admin.token), "content-type": "application/json" },
    body: JSON.stringify({
      org_id: seeded.org.id,
      tags: [
        { tag_name: "id", value_s: key },
        { tag_name: "site" },
        { tag_name: "dis", value_s: `Cached ${key}` },
      ],
    }),
  });
  expect(res.status).toBe(200);
};

test("the explorer and its tree show an entity created after the same page was read", async () => {
  const cookie = await signIn(seeded.member.email);
  const page = async (path: string) =>
    (await t.app.request(path, { headers: { cookie, accept: "text/html" } })).text();
  await createSite("c-one");
  const filtered = `/explorer?filter=${encodeURIComponent("site")}`;
  for (const path of [filtered, "/explorer"]) {
    const before = await page(path);
    expect(before).toContain("Cached c-one");
    expect(await page(path)).toBe(before); // the same data, read once
  }
  await createSite("c-two");
  for (const path of [filtered, "/explorer"]) {
    const after = await page(path);
    expect(after).toContain("Cached c-one");
    expect(after).toContain("Cached c-two");
  }
});

test("another viewer never gets a page read for someone else", async () => {
  const member = await signIn(seeded.member.email);
  const admin = await signIn(seeded.admin.email);
  const filtered = `/explorer?filter=${encodeURIComponent("site")}`;
  const asMember = await (await t.app.request(filtered, { headers: { cookie: member } })).text();
  const asAdmin = await (await t.app.request(filtered, { headers: { cookie: admin } })).text();
  expect(asMember).toContain(seeded.member.email);
  expect(asAdmin).toContain(seeded.admin.email);
  expect(asAdmin).not.toContain(seeded.member.email);
});

test("the broker's generation moves with the org's and system-wide events, not another org's", () => {
  const broker = createBroker();
  const g1 = broker.generation(1);
  broker.publish("values:written", 2, {});
  expect(broker.generation(1)).toBe(g1);
  broker.publish("values:written", 1, {});
  expect(broker.generation(1)).toBe(g1 + 1);
  const system = broker.generation(null);
  broker.publish("records:written", null, {});
  expect(broker.generation(1)).toBe(g1 + 2);
  expect(broker.generation(2)).toBe(2);
  expect(broker.generation(null)).toBe(system + 1);
});

test("the dashboard and the simulator list show a pause, a rename and a delete at once (the cached list is read again)", async () => {
  const sim = await createSimulator({
    deps: t.deps,
    actor: systemActor,
    orgId: seeded.org.id,
    input: {
      key: "cached-sim",
      name: "Cached Shop",
      template: "retail-rtu",
      backfill_days: 0,
      status: "stopped",
    },
  });
  const cookie = await signIn(seeded.member.email);
  const page = async (path: string) =>
    (await t.app.request(path, { headers: { cookie, accept: "text/html" } })).text();
  const card = (html: string) => {
    const at = html.indexOf("Cached Shop");
    return at < 0 ? "" : html.slice(Math.max(0, at - 1500), at + 1500);
  };
  for (const path of ["/", "/simulators"]) {
    expect(card(await page(path))).toContain("stopped");
    expect(card(await page(path))).not.toContain("paused"); // read again from the cache
  }
  await pauseSimulator({ deps: t.deps, actor: systemActor, id: sim.id });
  for (const path of ["/", "/simulators"]) expect(card(await page(path))).toContain("paused");
  await updateSimulatorConfig({
    deps: t.deps,
    actor: systemActor,
    id: sim.id,
    input: { name: "Renamed Shop" },
  });
  for (const path of ["/", "/simulators"]) {
    const html = await page(path);
    expect(html).toContain("Renamed Shop");
    expect(html).not.toContain("Cached Shop");
  }
  await deleteSimulator({ deps: t.deps, actor: systemActor, id: sim.id });
  for (const path of ["/", "/simulators"]) expect(await page(path)).not.toContain("Renamed Shop");
});

test("an equipment page and an entity's page show a point and a tag added after they were read", async () => {
  const make = async (tags: Array<Record<string, unknown>>) => {
    const res = await t.app.request("/entity", {
      method: "POST",
      headers: { ...bearer(seeded.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: seeded.org.id, tags }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { id: number }).id;
  };
  const ahu = await make([{ tag_name: "id", value_s: "c-ahu" }, { tag_name: "equip" }, { tag_name: "ahu" }]);
  const point = (key: string) =>
    make([
      { tag_name: "id", value_s: key },
      { tag_name: "point" },
      { tag_name: "his" },
      { tag_name: "dis", value_s: `Point ${key}` },
      { tag_name: "equipRef", value_ref: ahu },
    ]);
  await point("c-pt-one");
  const cookie = await signIn(seeded.member.email);
  const page = async (path: string) =>
    (await t.app.request(path, { headers: { cookie, accept: "text/html" } })).text();
  const before = await page(`/explorer/entity/${ahu}`);
  expect(before).toContain("Point c-pt-one");
  expect(before).not.toContain("Point c-pt-two");
  expect(await page(`/explorer/entity/${ahu}`)).not.toContain("Point c-pt-two"); // kept
  await point("c-pt-two");
  const after = await page(`/explorer/entity/${ahu}`);
  expect(after).toContain("Point c-pt-one");
  expect(after).toContain("Point c-pt-two");
  expect(after).not.toContain("Cached AHU");
  const tag = await t.app.request("/entitytag", {
    method: "POST",
    headers: { ...bearer(seeded.admin.token), "content-type": "application/json" },
    body: JSON.stringify({ org_id: seeded.org.id, entity_id: ahu, tag_name: "dis", value_s: "Cached AHU" }),
  });
  expect(tag.status).toBe(200);
  expect(await page(`/explorer/entity/${ahu}`)).toContain("Cached AHU");
});
