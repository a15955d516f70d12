// Every path parameter of the router, given an id above int4 or a NUL, is refused with a 422 whose
// `loc` names the parameter (`["path", "id"]`), as `idParam` names it: the same on every route.
import { beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";

describe("path parameters are named in 422s", () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let s: SeededOrg;
  beforeAll(async () => {
    t = await testApp("pglite");
    s = await seedOrg(t.deps, { key: "paths" });
  });

  test("on every route of the router, each parameter by its own name", async () => {
    const seen: string[] = [];
    const routes = t.app.routes.filter((r) => r.method !== "ALL" && r.path.includes("/:"));
    expect(routes.length).toBeGreaterThan(30);
    for (const r of routes) {
      const parts = r.path.split("/");
      for (let i = 0; i < parts.length; i++) {
        const name = /^:(\w+)/.exec(parts[i]!)?.[1];
        if (!name) continue;
        for (const bad of ["2147483648", "a%00b"]) {
          const path = parts.map((p, j) => (j === i ? bad : p.startsWith(":") ? "1" : p)).join("/");
          const res = await t.app.request(`${path}?org_id=${s.org.id}`, {
            method: r.method,
            headers: { ...bearer(s.admin.token), "content-type": "application/json" },
            body: r.method === "GET" || r.method === "HEAD" ? undefined : "{}",
          });
          if (path.startsWith("/api/")) continue; // Haystack ops answer error grids (their own readers)
          const body = (await res.json().catch(() => null)) as { detail?: { loc: unknown[] }[] } | null;
          const where = `${r.method} ${r.path} with ${bad}`;
          expect([where, res.status]).toEqual([where, 422]);
          expect([where, body?.detail?.[0]?.loc]).toEqual([where, ["path", name]]);
          seen.push(where);
        }
      }
    }
    expect(seen.length).toBeGreaterThan(60);
  });
});
