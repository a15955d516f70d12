// Console pages over the real app (PGlite): the forced password change on every page, the simulator
// edit page (server-side validation next to fields, then a save), explorer paging, settings forms
// (users, orgs, pollers; members' token section), and tag text containing markup shown as text on
// every page that shows it (explorer table and tree, point page and its legend, CSV as data).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { addOrgUser } from "../../src/access/memberships.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import {
  appAdmin,
  bearer,
  type SeededOrg,
  type SeededUser,
  seedOrg,
  TEST_PASSWORD,
} from "../harness/auth.ts";

let t: TestApp;
let org: SeededOrg;
let boss: SeededUser;
const HTML = { accept: "text/html" };
const FORM = { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" };

beforeAll(async () => {
  t = await testApp("pglite");
  org = await seedOrg(t.deps, { key: "consoletest", password: TEST_PASSWORD });
  boss = await appAdmin(t.deps);
});

afterAll(async () => {
  await t.dbs.close();
});

async function signIn(email: string, password = TEST_PASSWORD) {
  const res = await t.app.request("/login", {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams({ email, password }).toString(),
  });
  expect(res.status).toBe(303);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  const page = await (await t.app.request("/password", { headers: { cookie, ...HTML } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf, location: res.headers.get("location") };
}

const post = (path: string, s: { cookie: string; csrf: string }, fields: Record<string, string>, h = {}) =>
  t.app.request(path, {
    method: "POST",
    headers: { ...FORM, cookie: s.cookie, ...HTML, ...h },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  });

describe("forced password change", () => {
  test("every page sends the user to the password page until the password is changed", async () => {
    const added = await addOrgUser({
      deps: t.deps,
      actor: systemActor,
      orgId: org.org.id,
      email: "new@c.test",
    });
    expect(added.password).toBeDefined();
    const s = await signIn("new@c.test", added.password!);
    expect(s.location).toBe("/password");
    for (const path of ["/", "/simulators", "/explorer?filter=site", "/settings", "/activity"]) {
      const res = await t.app.request(path, { headers: { cookie: s.cookie, ...HTML } });
      expect([path, res.status, res.headers.get("location")]).toEqual([path, 303, "/password"]);
    }
    const htmx = await t.app.request("/simulators", { headers: { cookie: s.cookie, "hx-request": "true" } });
    expect([htmx.status, htmx.headers.get("hx-redirect")]).toEqual([204, "/password"]);
    // a form post elsewhere is refused too
    const tok = await post("/settings/tokens", s, { name: "x" });
    expect(tok.status).toBe(403);
    // the password page itself works, and afterwards every page opens
    const changed = await post("/password", s, {
      current: added.password!,
      password: "a brand new password",
      confirm: "a brand new password",
    });
    expect(changed.status).toBe(303);
    expect((await t.app.request("/settings", { headers: { cookie: s.cookie, ...HTML } })).status).toBe(200);
  });
});

describe("simulator edit page", () => {
  test("shows the configuration, puts errors next to their fields, and saves", async () => {
    const sim = await createSimulator({
      deps: t.deps,
      actor: systemActor,
      orgId: org.org.id,
      input: { key: "edited", template: "retail-rtu", backfill_days: 0, status: "stopped" },
    });
    const s = await signIn(org.admin.email);
    const form = await t.app.request(`/simulators/${sim.id}/edit`, {
      headers: { cookie: s.cookie, ...HTML },
    });
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('name="stale_percent"');
    expect(html).toContain("template: retail-rtu");

    const bad = await post(`/simulators/${sim.id}/edit`, s, {
      name: "Edited shop",
      interval_minutes: "15",
      seed: "7",
      stale_percent: "250",
      fault_percent: "1",
      faults:
        "- type: chiller_trip\n  target: chiller-1\n  start: 2025-01-02T00:00:00Z\n  end: 2025-01-01T00:00:00Z\n",
      config: "template: retail-rtu\nnotAKey: 1\n",
    });
    expect(bad.status).toBe(422);
    const err = await bad.text();
    expect(err).toMatch(/id="f-stale_percent-err">[^<]+</);
    expect(err).toMatch(/id="f-faults-err">[^<]*0\.end: end must be after start/);
    expect(err).toMatch(/id="f-config-err">[^<]*notAKey/);
    // what was typed is shown again
    expect(err).toContain('value="Edited shop"');

    const ok = await post(`/simulators/${sim.id}/edit`, s, {
      name: "Edited shop",
      interval_minutes: "15",
      seed: "7",
      stale_percent: "5",
      fault_percent: "1",
      faults: "",
      config: "template: retail-rtu\n",
    });
    expect([ok.status, ok.headers.get("location")]).toEqual([303, `/simulators/${sim.id}`]);
    const after = await (
      await t.app.request(`/simulators/${sim.id}/edit`, { headers: { cookie: s.cookie, ...HTML } })
    ).text();
    expect(after).toContain('value="Edited shop"');
    expect(after).toContain('name="stale_percent" type="number" value="5"');
    expect(after).toContain('name="seed" type="number" value="7"');

    const member = await t.app.request(`/simulators/${sim.id}/edit`, {
      headers: { ...bearer(org.member.token), ...HTML },
    });
    expect(member.status).toBe(403);
  });
});

describe("settings", () => {
  test("an org admin adds a user (password shown once) and removes them", async () => {
    const s = await signIn(org.admin.email);
    const res = await post("/settings/users", s, { email: "added@c.test", role: "member" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/id="new-user-password">\s*\S{8,}/);
    const id = Number(/<tr id="user-(\d+)"><td[^>]*>added@c\.test</.exec(html)?.[1]);
    expect(id).toBeGreaterThan(0);
    const bad = await post("/settings/users", s, { email: "not an email" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('value="not an email"');
    const gone = await post(`/settings/users/${id}/remove`, s, {});
    expect(gone.status).toBe(303);
    const page = await (await t.app.request("/settings", { headers: { cookie: s.cookie, ...HTML } })).text();
    expect(page).not.toContain("added@c.test");
  });

  test("pollers are created, edited and deleted; orgs are created by application admins", async () => {
    const s = await signIn(org.admin.email);
    expect((await post("/settings/pollers", s, { poller_name: "", poller_type: "bacnet" })).status).toBe(422);
    const made = await post("/settings/pollers", s, {
      poller_name: "Roof",
      poller_type: "bacnet",
      config: "a: 1",
    });
    expect(made.status).toBe(303);
    let page = await (await t.app.request("/settings", { headers: { cookie: s.cookie, ...HTML } })).text();
    const id = Number(/id="poller-(\d+)"/.exec(page.slice(page.indexOf(">Roof") - 200))?.[1]);
    expect(id).toBeGreaterThan(0);
    const edited = await post(`/settings/pollers/${id}`, s, {
      poller_name: "Roof 2",
      poller_type: "bacnet",
      status: "inactive",
      config: "a: 2",
    });
    expect(edited.status).toBe(303);
    page = await (await t.app.request("/settings", { headers: { cookie: s.cookie, ...HTML } })).text();
    expect(page).toContain("Roof 2");
    expect(page).toContain("a: 2");
    expect((await post(`/settings/pollers/${id}/delete`, s, {})).status).toBe(303);
    page = await (await t.app.request("/settings", { headers: { cookie: s.cookie, ...HTML } })).text();
    expect(page).not.toContain("Roof 2");

    // org admins cannot create orgs; application admins can
    expect((await post("/settings/orgs", s, { org_name: "X", org_key: "xorg" })).status).toBe(403);
    const h = { ...bearer(boss.token), ...HTML, ...FORM };
    const created = await t.app.request("/settings/orgs", {
      method: "POST",
      headers: h,
      body: new URLSearchParams({ org_name: "Second <b>org</b>", org_key: "second_org" }).toString(),
    });
    expect(created.status).toBe(303);
    const list = await (
      await t.app.request("/settings", { headers: { ...bearer(boss.token), ...HTML } })
    ).text();
    expect(list).toContain("Second &lt;b&gt;org&lt;/b&gt;");
  });

  test("members see their token form and why they cannot list the org's tokens", async () => {
    const html = await (
      await t.app.request("/settings", { headers: { ...bearer(org.member.token), ...HTML } })
    ).text();
    expect(html).toContain('id="tokens"');
    expect(html).toContain('id="tokens-note"');
    expect(html).not.toContain('id="h-users"');
  });
});

describe("explorer and markup in tag values", () => {
  const EVIL = "<script>alert(1)</script>";
  let pointId = 0;

  beforeAll(async () => {
    const h = { ...bearer(org.admin.token), "content-type": "application/json" };
    const make = async (tags: unknown[]) => {
      const res = await t.app.request("/entity", {
        method: "POST",
        headers: h,
        body: JSON.stringify({ org_id: org.org.id, tags }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { id: number }).id;
    };
    const site = await make([
      { tag_name: "id", value_s: "x-site" },
      { tag_name: "site" },
      { tag_name: "dis", value_s: `Site ${EVIL}` },
    ]);
    pointId = await make([
      { tag_name: "id", value_s: "x-pt" },
      { tag_name: "point" },
      { tag_name: "his" },
      { tag_name: "dis", value_s: `Point ${EVIL}` },
      { tag_name: "unit", value_s: "<b>°F</b>" },
      { tag_name: "siteRef", value_ref: site },
    ]);
    for (let i = 0; i < 60; i++)
      await make([
        { tag_name: "id", value_s: `x-eq${i}` },
        { tag_name: "equip" },
        { tag_name: "siteRef", value_ref: site },
      ]);
    const now = Date.now();
    const values = Array.from({ length: 4 }, (_, i) => ({
      entity_id: pointId,
      ts: new Date(now - (i + 1) * 600_000).toISOString(),
      value_n: 70 + i,
    }));
    const w = await t.app.request("/bulk/value", {
      method: "POST",
      headers: h,
      body: JSON.stringify({ org_id: org.org.id, values }),
    });
    expect(w.status).toBeLessThan(300);
  });

  const get = async (path: string) => {
    const res = await t.app.request(path, { headers: { ...bearer(org.member.token), ...HTML } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";

  test("explorer results and tree show the text escaped", async () => {
    const html = await get(`/explorer?filter=${encodeURIComponent("id == @x-pt or id == @x-site")}`);
    expect(html).not.toContain(EVIL);
    expect(html).toContain(`Point ${escaped}`); // table
    expect(html).toContain(`dis: Point ${escaped}`); // tag chip
    // the ref chip names its target (escaped) and links to it
    expect(html).toMatch(
      new RegExp(
        `siteRef: <a class="ref" href="/explorer/entity/\\d+" title="@x-site">Site ${escaped.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}</a>`,
      ),
    );
    expect(html).toMatch(/<summary><a href="\/explorer\/entity\/\d+" class="match">Site &lt;script&gt;/); // tree
    expect(html).toContain(
      `<li class="point match"><a href="/explorer/entity/${pointId}">Point ${escaped}</a></li>`,
    );
  });

  test("results come 50 per page with a link to the next page", async () => {
    const filter = encodeURIComponent("equip and siteRef == @x-site");
    const first = await get(`/explorer?filter=${filter}`);
    expect((first.match(/<tr>/g) ?? []).length).toBe(51); // header + 50
    expect(first).toContain('rel="next"');
    expect(first).toContain("Entities 1–50 (more on the next page).");
    const second = await t.app.request(`/explorer?filter=${filter}&page=2`, {
      headers: { ...bearer(org.member.token), "hx-request": "true" },
    });
    const frag = await second.text();
    expect(frag.startsWith('<div id="explorer-results"')).toBe(true);
    expect((frag.match(/<tr>/g) ?? []).length).toBe(11);
    expect(frag).toContain('rel="prev"');
    expect(frag).not.toContain('rel="next"');
  });

  test("the point page, its chart legend and data, and the CSV keep the text as text", async () => {
    const html = await get(`/explorer/chart?points=${pointId}`);
    expect(html).not.toContain(EVIL);
    expect(html).toContain(`<h1>Point ${escaped}</h1>`);
    expect(html).toContain(`Point ${escaped} (&lt;b&gt;°F&lt;/b&gt;)`); // legend
    // the chart's JSON block never holds a literal "<"
    const json = /<script type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    expect(json).toContain("Point \\u003cscript>alert(1)\\u003c/script>");
    expect(JSON.parse(json).series[0].name).toBe(`Point ${EVIL}`);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date().toISOString();
    const csv = await t.app.request(`/explorer/chart.csv?points=${pointId}&from=${from}&to=${to}`, {
      headers: bearer(org.member.token),
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines.length).toBe(5);
    expect(lines[1]).toContain(`,x-pt,Point ${EVIL},<b>°F</b>,`);
  });
});
