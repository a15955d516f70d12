// The console's weather files page: the edit page links to it; an org admin uploads an EPW file
// through the multipart form (CSRF field included) and sees it listed; a refused file is listed
// by line and field on a 422 page; removing it returns the site to synthetic weather.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { createSimulator, listWeatherFiles } from "../../src/simulator/service.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { epwLines, epwText } from "./epw.ts";

let t: TestApp;
let org: SeededOrg;
const HTML = { accept: "text/html" };
const ORIGIN = { origin: "http://localhost" };

beforeAll(async () => {
  t = await testApp("pglite");
  org = await seedOrg(t.deps, { key: "wxconsole", password: TEST_PASSWORD });
});

afterAll(async () => {
  await t.dbs.close();
});

async function signIn(email: string) {
  const res = await t.app.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...ORIGIN },
    body: new URLSearchParams({ email, password: TEST_PASSWORD }).toString(),
  });
  expect(res.status).toBe(303);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

test("upload, refusal by line and field, and removal from the console", async () => {
  const sim = await createSimulator({
    deps: t.deps,
    actor: systemActor,
    orgId: org.org.id,
    input: { key: "wx", template: "campus", backfill_days: 0, status: "stopped" },
  });
  const cookie = await signIn(org.admin.email);
  const edit = await (
    await t.app.request(`/simulators/${sim.id}/edit`, { headers: { cookie, ...HTML } })
  ).text();
  expect(edit).toContain(`href="/simulators/${sim.id}/weather"`);
  const page = await t.app.request(`/simulators/${sim.id}/weather`, { headers: { cookie, ...HTML } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("No weather files.");
  expect(html).toContain('enctype="multipart/form-data"');
  expect(html).toContain('<option value="central">Meridian Central Hall</option>');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  expect(csrf).not.toBe("");

  const send = (text: string) => {
    const form = new FormData();
    form.set("_csrf", csrf);
    form.set("site", "central");
    form.set("file", new File([text], "chicago.epw"));
    return t.app.request(`/simulators/${sim.id}/weather`, {
      method: "POST",
      headers: { cookie, ...HTML, ...ORIGIN },
      body: form,
    });
  };
  const lines = epwLines();
  const refused = await send(epwText(lines.slice(0, 500)));
  expect(refused.status).toBe(422);
  expect(await refused.text()).toContain("line 501: the file ends at month/day 1/21 hour 13");
  expect(await listWeatherFiles({ deps: t.deps, actor: systemActor, id: sim.id })).toEqual([]);

  const ok = await send(epwText(lines));
  expect(ok.status).toBe(303);
  const listed = await (
    await t.app.request(`/simulators/${sim.id}/weather`, { headers: { cookie, ...HTML } })
  ).text();
  expect(listed).toContain("chicago.epw");
  expect(listed).toContain("Boston Logan Intl Arpt, MA, USA");
  expect(
    (await listWeatherFiles({ deps: t.deps, actor: systemActor, id: sim.id })).map((f) => f.site),
  ).toEqual(["central"]);

  const removed = await t.app.request(`/simulators/${sim.id}/weather/remove`, {
    method: "POST",
    headers: { cookie, ...HTML, ...ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, site: "central" }).toString(),
  });
  expect(removed.status).toBe(303);
  expect(await listWeatherFiles({ deps: t.deps, actor: systemActor, id: sim.id })).toEqual([]);
});
