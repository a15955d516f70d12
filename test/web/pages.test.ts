// Page routes over the real app (PGlite): sign-in, access to pages, the page/fragment idiom, error
// pages, embedded assets, and the SSE stream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";

let t: TestApp;
let seeded: SeededOrg;
const HTML = { accept: "text/html" };

beforeAll(async () => {
  t = await testApp("pglite");
  seeded = await seedOrg(t.deps, { key: "webtest", password: TEST_PASSWORD });
});

afterAll(async () => {
  await t.dbs.close();
});

async function signIn(email: string): Promise<{ cookie: string; csrf: string }> {
  const res = await t.app.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
    body: new URLSearchParams({ email, password: TEST_PASSWORD }).toString(),
  });
  expect(res.status).toBe(303);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  const page = await (await t.app.request("/", { headers: { cookie, ...HTML } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf };
}

describe("sign-in", () => {
  test("a browser without a session is sent to the sign-in page", async () => {
    const res = await t.app.request("/simulators?x=1", { headers: HTML });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fsimulators%3Fx%3D1");
  });

  test("an expired session is cleared on every form of the answer: page redirect, htmx redirect, JSON", async () => {
    // One error edge renders the 401 for each client; the cleared cookie must survive the page
    // and fragment forms as well as the JSON one.
    const cookie = "hs_session=not-a-valid-session";
    const page = await t.app.request("/simulators", { headers: { cookie, ...HTML } });
    expect([page.status, page.headers.get("location")]).toEqual([303, "/login?next=%2Fsimulators"]);
    expect(page.headers.get("set-cookie")).toMatch(/^hs_session=;.*Max-Age=0/);
    const htmx = await t.app.request("/simulators", { headers: { cookie, "hx-request": "true" } });
    expect([htmx.status, htmx.headers.get("hx-redirect")]).toEqual([401, "/login?next=%2Fsimulators"]);
    expect(htmx.headers.get("set-cookie")).toMatch(/^hs_session=;.*Max-Age=0/);
    const api = await t.app.request("/entity?org_id=1", { headers: { cookie } });
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ detail: "session expired; sign in again" });
    expect(api.headers.get("www-authenticate")).toBe('Bearer realm="haystack-sim"');
    expect(api.headers.get("set-cookie")).toMatch(/^hs_session=;.*Max-Age=0/);
  });

  test("an unknown route is a page for a browser on a console path and JSON elsewhere", async () => {
    const { cookie } = await signIn(seeded.member.email);
    const page = await t.app.request("/simulators/no/such/page", { headers: { cookie, ...HTML } });
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("not found");
    const api = await t.app.request("/no/such/route", { headers: { cookie, ...HTML } });
    expect([api.status, await api.json()]).toEqual([404, { detail: "not found" }]);
  });

  test("an API client without credentials still gets JSON 401", async () => {
    const res = await t.app.request("/simulators");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "not authenticated" });
  });

  test("the sign-in page renders and a wrong password is refused on the page", async () => {
    const page = await t.app.request("/login", { headers: HTML });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/login">');
    const res = await t.app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      body: new URLSearchParams({ email: seeded.admin.email, password: "wrong password" }).toString(),
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain("invalid email or password");
    expect(text).toContain(`value="${seeded.admin.email}"`);
  });

  test("signing in opens the dashboard; signing out ends the session", async () => {
    const { cookie, csrf } = await signIn(seeded.admin.email);
    expect(csrf).not.toBe("");
    const dash = await t.app.request("/", { headers: { cookie, ...HTML } });
    expect(dash.status).toBe(200);
    const html = await dash.text();
    expect(html).toContain("<h1>Dashboard</h1>");
    expect(html).toContain(seeded.admin.email);
    expect(html).toContain('sse-connect="/events?topics=dashboard"');
    expect(dash.headers.get("content-security-policy")).toContain("script-src 'self'");

    const out = await t.app.request("/logout", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/login");
    const after = await t.app.request("/", { headers: { cookie, ...HTML } });
    expect(after.status).toBe(303);
  });

  test("a form post without the CSRF token is refused with an HTML page", async () => {
    const { cookie } = await signIn(seeded.member.email);
    const res = await t.app.request("/logout", {
      method: "POST",
      headers: {
        cookie,
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://localhost",
        ...HTML,
      },
      body: "",
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("<h1>Not allowed</h1>");
  });
});

describe("pages", () => {
  test("the simulator list answers the page, or only its rows for htmx", async () => {
    const h = bearer(seeded.member.token);
    const full = await t.app.request("/simulators", { headers: { ...h, ...HTML } });
    expect(full.status).toBe(200);
    expect(await full.text()).toContain("<h1>Simulators</h1>");
    const frag = await t.app.request("/simulators", { headers: { ...h, "hx-request": "true" } });
    expect(frag.status).toBe(200);
    const text = await frag.text();
    expect(text.startsWith("<")).toBe(true);
    expect(text).not.toContain("<html");
  });

  test("an unknown simulator answers an HTML 403 page, and an htmx fragment for htmx", async () => {
    const h = bearer(seeded.member.token);
    const res = await t.app.request("/simulators/999999", { headers: { ...h, ...HTML } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<h1>Not allowed</h1>");
    const frag = await t.app.request("/simulators/999999", { headers: { ...h, "hx-request": "true" } });
    expect(frag.status).toBe(403);
    expect(frag.headers.get("hx-reswap")).toBe("none");
    expect(await frag.text()).toContain('hx-swap-oob="true"');
  });
});

describe("assets", () => {
  test("served at hashed URLs with immutable caching, gzip and 304", async () => {
    const h = bearer(seeded.member.token);
    const html = await (await t.app.request("/", { headers: { ...h, ...HTML } })).text();
    const css = /href="(\/static\/app\.[0-9a-f]{12}\.css)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const res = await t.app.request(css!, { headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const etag = res.headers.get("etag")!;
    const again = await t.app.request(css!, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect((await t.app.request("/static/nope.js")).status).toBe(404);
  });
});
