import { describe, expect, test } from "bun:test";
import { decryptPollerConfig } from "../../src/catalog/index.ts";
import { testApp } from "../harness/app.ts";
import { appAdmin, bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";

const send = (method: string, body: unknown, token: string) => ({
  method,
  headers: { ...bearer(token), "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe.each(ENGINES)("tag defs, enums, metas and pollers on %s", (engine) => {
  test("tag definitions", async () => {
    const { app, deps } = await testApp(engine);
    const acme = await seedOrg(deps, { key: "acme" });
    const other = await seedOrg(deps, { key: "other" });
    const admin = acme.admin.token;
    const org = acme.org.id;
    const get = (path: string, token = acme.member.token) => app.request(path, { headers: bearer(token) });

    // Standard tags are seeded and visible; `siteRef` has kind ref through its `is` meta.
    let res = await get(`/tagdef/siteRef?org_id=${org}`);
    expect(res.status).toBe(200);
    const siteRef = await json(res);
    expect(siteRef).toMatchObject({ name: "siteRef", pref_unit: null });
    res = await get(`/tagdef?org_id=${org}&name=Ref&limit=1000`);
    const names = (await json(res)).map((t: { name: string }) => t.name);
    expect(names).toContain("equipRef");
    expect(names).toContain("weatherStationRef");

    // Create: lib meta required; a library the org lacks is refused; names must be free.
    res = await app.request(
      "/tagdef",
      send("POST", { org_id: org, name: "fooBar", metas: [{ attribute: "is", value: "number" }] }, admin),
    );
    expect(res.status).toBe(422);
    const body = {
      org_id: org,
      name: "fooBar",
      doc: "our tag",
      pref_unit: ["kW"],
      metas: [
        { attribute: "lib", value: "custom" },
        { attribute: "is", value: "number" },
      ],
      enums: [{ value: "a", label: "A" }],
    };
    res = await app.request("/tagdef", send("POST", body, acme.member.token));
    expect(res.status).toBe(403);
    res = await app.request("/tagdef", send("POST", body, admin));
    expect(res.status).toBe(200);
    const foo = await json(res);
    expect(foo).toMatchObject({ name: "fooBar", doc: "our tag", pref_unit: ["kW"] });
    res = await app.request("/tagdef", send("POST", body, admin));
    expect(res.status).toBe(409);
    const [h] = await deps.dbs.primary.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.tag_hierarchy h JOIN core.tag_def p ON p.id = h.parent_id WHERE h.child_id = $1 AND p.name = 'number'",
      [foo.id],
    );
    expect(h!.n).toBe(1);

    // Update and enums.
    res = await app.request(
      `/tagdef/fooBar`,
      send("PUT", { org_id: org, dis: "Foo bar", pref_unit: ["W"] }, admin),
    );
    expect(await json(res)).toMatchObject({ id: foo.id, dis: "Foo bar", pref_unit: ["W"], doc: "our tag" });
    res = await app.request(`/tagdef/siteRef`, send("PUT", { org_id: org, doc: "x" }, admin));
    expect(res.status).toBe(403);
    res = await get(`/tagdef/fooBar/enum/a?org_id=${org}`);
    expect(await json(res)).toMatchObject({ tag_id: foo.id, value: "a", label: "A", disabled_ts: null });
    res = await get(`/tagdef/fooBar/enum/zz?org_id=${org}`);
    expect(res.status).toBe(404);
    res = await app.request(
      "/tagenum/",
      send("POST", { org_id: org, tag_name: "fooBar", value: "b", label: "B" }, admin),
    );
    const b = await json(res);
    expect(b).toMatchObject({ value: "b", label: "B" });
    res = await app.request(`/tagenum/${b.id}`, send("PUT", { org_id: org, label: "Bee" }, admin));
    expect((await json(res)).label).toBe("Bee");
    res = await get(`/tagenum/fooBar?org_id=${org}`);
    expect((await json(res)).map((e: { value: string }) => e.value)).toEqual(["a", "b"]);
    res = await app.request(`/tagenum/${b.id}?org_id=${org}`, { method: "DELETE", headers: bearer(admin) });
    expect((await json(res)).disabled_ts).not.toBeNull();

    // Metas.
    res = await app.request(
      "/tagmeta",
      send("POST", { org_id: org, tag_id: "fooBar", attribute: "tagOn", value: "point" }, admin),
    );
    expect(res.status).toBe(200);
    const meta = await json(res);
    expect(meta.tag_id).toBe(foo.id);
    res = await get(`/tagmeta/${meta.id}?org_id=${org}`);
    expect(await json(res)).toEqual(meta);
    res = await app.request(
      `/tagmeta/${meta.id}`,
      send("PUT", { org_id: org, attribute: "tagOn", value: "equip" }, admin),
    );
    expect((await json(res)).id).toBe(meta.id);
    res = await app.request(`/tagmeta/${meta.id}`, send("DELETE", { org_id: org }, admin));
    expect(res.status).toBe(200);
    res = await get(`/tagmeta/${meta.id}?org_id=${org}`);
    expect(res.status).toBe(403);

    // Visibility by library: every org has `custom`; a user whose grant of it is revoked sees
    // fooBar like an unknown tag.
    res = await get(`/tagdef/fooBar?org_id=${other.org.id}`, other.member.token);
    expect(res.status).toBe(200);
    await deps.dbs.primary.query(
      "INSERT INTO core.user_tag_rev_permission (user_id, tag_id) SELECT $1, id FROM core.tag_def WHERE name = 'custom'",
      [other.member.userId],
    );
    res = await get(`/tagdef/fooBar?org_id=${other.org.id}`, other.member.token);
    expect(res.status).toBe(403);
    res = await get(`/tagdef/999999?org_id=${org}`);
    expect(res.status).toBe(403);

    // Delete: in use → 409; unused → soft-deleted, with history rows.
    res = await app.request(
      "/entity",
      send("POST", { org_id: org, tags: [{ tag_name: "fooBar", value_n: 1 }] }, admin),
    );
    const ent = await json(res);
    res = await app.request(`/tagdef/fooBar`, send("DELETE", { org_id: org }, admin));
    expect(res.status).toBe(409);
    await app.request(`/entity/${ent.id}`, send("DELETE", { org_id: org }, admin));
    await deps.dbs.primary.query("UPDATE core.entity_tag SET disabled_ts = now() WHERE entity_id = $1", [
      ent.id,
    ]);
    res = await app.request(`/tagdef/fooBar`, send("DELETE", { org_id: org }, admin));
    expect(res.status).toBe(200);
    res = await get(`/tagdef/fooBar?org_id=${org}`);
    expect(res.status).toBe(403);
    const [hist] = await deps.dbs.primary.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.tag_def_h WHERE id = $1 AND user_id = $2",
      [foo.id, acme.admin.userId],
    );
    expect(hist!.n).toBe(3);
  });

  test("pollers", async () => {
    const { app, deps } = await testApp(engine);
    const acme = await seedOrg(deps, { key: "acme" });
    const other = await seedOrg(deps, { key: "other" });
    const admin = acme.admin.token;
    const org = acme.org.id;
    const cfg = { host: "bms.local", password: "s3cret" };

    let res = await app.request(
      "/poller",
      send(
        "POST",
        { org_id: org, poller_type: "bacnet", poller_name: "B1", config: JSON.stringify(cfg) },
        admin,
      ),
    );
    expect(res.status).toBe(200);
    const p1 = await json(res);
    expect(p1).toMatchObject({ org_id: org, poller_type: "bacnet", poller_name: "B1", status: "active" });
    expect(p1.config.startsWith("gAAAAA")).toBe(true);
    expect(JSON.parse(await decryptPollerConfig(deps, p1.config))).toEqual(cfg);
    const [secret] = await deps.dbs.state.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.app_secret WHERE name = 'poller_config_key'",
    );
    expect(secret!.n).toBe(1);
    res = await app.request(
      "/poller",
      send("POST", { org_id: org, poller_type: "bacnet", poller_name: "B2", config: cfg }, admin),
    );
    const p2 = await json(res);
    expect(p2.poller_id).toBeGreaterThan(p1.poller_id);

    res = await app.request(
      "/poller",
      send("POST", { org_id: org, poller_type: "x", poller_name: "y" }, admin),
    );
    expect(res.status).toBe(422);
    expect((await json(res)).detail[0].loc).toEqual(["body", "config"]);
    res = await app.request(
      "/poller",
      send("POST", { org_id: org, poller_type: "x", poller_name: "y", config: "c" }, acme.member.token),
    );
    expect(res.status).toBe(403);

    res = await app.request(`/org/${org}/poller`, { headers: bearer(admin) });
    expect((await json(res)).map((p: { poller_id: number }) => p.poller_id)).toEqual([
      p1.poller_id,
      p2.poller_id,
    ]);
    res = await app.request("/poller?type=bacnet", { headers: bearer(admin) });
    expect((await json(res)).length).toBe(2);
    res = await app.request("/poller?type=bacnet", { headers: bearer(other.admin.token) });
    expect(await json(res)).toEqual([]);
    res = await app.request(`/poller/${p1.poller_id}`, { headers: bearer(admin) });
    expect(await json(res)).toEqual(p1);
    res = await app.request(`/poller/${p1.poller_id}`, { headers: bearer(other.admin.token) });
    expect(res.status).toBe(403);
    res = await app.request(`/org/${org}/poller`, { headers: bearer(other.admin.token) });
    expect(res.status).toBe(403);
    res = await app.request("/poller/999999", { headers: bearer(admin) });
    expect(res.status).toBe(403);
    const root = await appAdmin(deps);
    res = await app.request("/poller/999999", { headers: bearer(root.token) });
    expect(res.status).toBe(404);

    res = await app.request(
      `/poller/${p1.poller_id}`,
      send("PUT", { status: "paused", config: { host: "b2" } }, admin),
    );
    const upd = await json(res);
    expect(upd.status).toBe("paused");
    expect(JSON.parse(await decryptPollerConfig(deps, upd.config))).toEqual({ host: "b2" });
    res = await app.request(`/poller/${p1.poller_id}`, { headers: bearer(admin) });
    expect(res.status).toBe(404);
    res = await app.request(`/poller/${p2.poller_id}`, { method: "DELETE", headers: bearer(admin) });
    expect(res.status).toBe(200);
    res = await app.request(`/org/${org}/poller`, { headers: bearer(admin) });
    expect(await json(res)).toEqual([]);
  });

  test("a configured POLLER_CONFIG_KEY is used", async () => {
    const key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    const { app, deps } = await testApp(engine, { env: { POLLER_CONFIG_KEY: key } });
    const acme = await seedOrg(deps, { key: "acme" });
    const res = await app.request(
      "/poller",
      send(
        "POST",
        { org_id: acme.org.id, poller_type: "t", poller_name: "n", config: "hello" },
        acme.admin.token,
      ),
    );
    const p = await json(res);
    const { fernetDecrypt, importFernetKey } = await import("../../src/catalog/fernet.ts");
    expect(await fernetDecrypt(await importFernetKey(key), p.config)).toBe("hello");
  });
});
