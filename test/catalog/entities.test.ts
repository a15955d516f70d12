import { describe, expect, test } from "bun:test";
import { testApp } from "../harness/app.ts";
import { appAdmin, bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";

const send = (method: string, body: unknown, token: string) => ({
  method,
  headers: { ...bearer(token), "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe.each(ENGINES)("catalog entities and entity tags on %s", (engine) => {
  test("entity lifecycle, errors and history", async () => {
    const { app, deps } = await testApp(engine);
    const acme = await seedOrg(deps, { key: "acme" });
    const other = await seedOrg(deps, { key: "other" });
    const admin = acme.admin.token;
    const org = acme.org.id;

    let res = await app.request(
      "/entity",
      send(
        "POST",
        {
          org_id: org,
          tags: [
            { tag_name: "id", value_s: "site-1" },
            { tag_name: "dis", value_s: "HQ" },
            { tag_name: "site" },
            { tag_name: "area", value_n: 1200, value_unit: "ft²" },
            { tag_name: "tz", value_s: "New_York" },
          ],
        },
        admin,
      ),
    );
    expect(res.status).toBe(200);
    const site = await json(res);
    expect(site.tags.map((t: { tag_name: string }) => t.tag_name)).toEqual([
      "id",
      "dis",
      "site",
      "area",
      "tz",
    ]);
    expect(site.tags[0]).toMatchObject({ value_s: "site-1", value_kind: "Ref", entity_id: site.id });
    expect(site.tags[2]).toMatchObject({ value_kind: "Marker", value_b: null, value_s: null });
    expect(site.tags[3]).toMatchObject({ value_n: 1200, value_unit: "ft²", value_kind: "Number" });

    res = await app.request(
      "/entity",
      send(
        "POST",
        {
          org_id: org,
          tags: [
            { tag_name: "id", value_s: "ahu-1" },
            { tag_name: "equip" },
            { tag_name: "siteRef", value_ref: site.id },
            { tag_name: "installed", value_ts: "2024-05-01T12:00:00" },
          ],
        },
        admin,
      ),
    );
    expect(res.status).toBe(422);
    expect(await json(res)).toEqual({
      detail: [{ loc: ["body", "tags", 3, "tag_name"], msg: "unknown tag installed", type: "value_error" }],
    });

    res = await app.request(
      "/entity",
      send(
        "POST",
        {
          org_id: org,
          tags: [
            { tag_name: "id", value_s: "ahu-1" },
            { tag_name: "equip" },
            { tag_name: "siteRef", value_ref: site.id },
            { tag_name: "mod", value_ts: "2024-05-01T12:00:00" },
          ],
        },
        admin,
      ),
    );
    expect(res.status).toBe(200);
    const ahu = await json(res);
    expect(ahu.tags[2]).toMatchObject({ tag_name: "siteRef", value_ref: site.id, value_kind: "Ref" });
    expect(ahu.tags[3]).toMatchObject({ value_ts: "2024-05-01T12:00:00.000Z", value_kind: "DateTime" });

    // Body validation, duplicates, several value fields, id conflicts, foreign refs.
    res = await app.request("/entity", send("POST", { org_id: org, tags: [{ value_s: "x" }] }, admin));
    expect(res.status).toBe(422);
    expect(await json(res)).toEqual({
      detail: [{ loc: ["body", "tags", 0, "tag_name"], msg: "field required", type: "missing" }],
    });
    res = await app.request(
      "/entity",
      send("POST", { org_id: org, tags: [{ tag_name: "site" }, { tag_name: "site" }] }, admin),
    );
    expect(res.status).toBe(422);
    expect((await json(res)).detail[0].loc).toEqual(["body", "tags", 1, "tag_name"]);
    res = await app.request(
      "/entity",
      send("POST", { org_id: org, tags: [{ tag_name: "dis", value_s: "a", value_n: 1 }] }, admin),
    );
    expect(res.status).toBe(422);
    res = await app.request(
      "/entity",
      send("POST", { org_id: org, tags: [{ tag_name: "id", value_s: "site-1" }] }, admin),
    );
    expect(res.status).toBe(409);
    const foreign = await json(
      await app.request(
        "/entity",
        send("POST", { org_id: other.org.id, tags: [{ tag_name: "id", value_s: "x-1" }] }, other.admin.token),
      ),
    );
    res = await app.request(
      "/entity",
      send("POST", { org_id: org, tags: [{ tag_name: "siteRef", value_ref: foreign.id }] }, admin),
    );
    expect(res.status).toBe(403);
    // The same id in another org is fine.
    res = await app.request(
      "/entity",
      send(
        "POST",
        { org_id: other.org.id, tags: [{ tag_name: "id", value_s: "site-1" }] },
        other.admin.token,
      ),
    );
    expect(res.status).toBe(200);

    // Roles: a member cannot create; a member of another org sees nothing.
    res = await app.request("/entity", send("POST", { org_id: org, tags: [] }, acme.member.token));
    expect(res.status).toBe(403);
    res = await app.request(`/entity?org_id=${org}`, { headers: bearer(other.member.token) });
    expect(res.status).toBe(403);
    res = await app.request(`/entity?org_id=${org}`);
    expect(res.status).toBe(401);

    // Reads: list (ordered, paged), by id, by id tag; foreign and unknown ids alike.
    res = await app.request(`/entity?org_id=${org}`, { headers: bearer(acme.member.token) });
    const list = await json(res);
    expect(list.map((e: { id: number }) => e.id)).toEqual([site.id, ahu.id]);
    expect(list[0]).toEqual(site);
    res = await app.request(`/entity?org_id=${org}&skip=1&limit=1`, { headers: bearer(acme.member.token) });
    expect((await json(res)).map((e: { id: number }) => e.id)).toEqual([ahu.id]);
    res = await app.request(`/entity?org_id=${org}&limit=1001`, { headers: bearer(acme.member.token) });
    expect(res.status).toBe(422);
    expect((await json(res)).detail[0].loc).toEqual(["query", "limit"]);
    expect(
      await json(await app.request(`/entity/ahu-1?org_id=${org}`, { headers: bearer(acme.member.token) })),
    ).toEqual(ahu);
    expect(
      await json(
        await app.request(`/entity/${ahu.id}?org_id=${org}`, { headers: bearer(acme.member.token) }),
      ),
    ).toEqual(ahu);
    for (const ref of [String(foreign.id), "x-1", "999999", "nope"]) {
      res = await app.request(`/entity/${ref}?org_id=${org}`, { headers: bearer(acme.member.token) });
      expect(res.status).toBe(403);
    }

    // Entity tags.
    res = await app.request(
      "/entitytag",
      send("POST", { org_id: org, entity_id: ahu.id, tag_name: "dis", value_s: "AHU 1" }, admin),
    );
    expect(res.status).toBe(200);
    const dis = await json(res);
    expect(dis).toMatchObject({ entity_id: ahu.id, tag_name: "dis", value_s: "AHU 1", value_kind: "Str" });
    res = await app.request(
      "/entitytag",
      send("POST", { org_id: org, entity_id: "ahu-1", tag_id: "dis", value_s: "again" }, admin),
    );
    expect(res.status).toBe(409);
    res = await app.request(
      "/entitytag",
      send("POST", { org_id: org, entity_id: foreign.id, tag_name: "dis", value_s: "x" }, admin),
    );
    expect(res.status).toBe(403);
    res = await app.request(`/entitytag?org_id=${org}&tag_id=id&value_s=ahu`, {
      headers: bearer(acme.member.token),
    });
    expect((await json(res)).map((t: { entity_id: number }) => t.entity_id)).toEqual([ahu.id]);
    res = await app.request(`/entitytag/${dis.id}?org_id=${org}`, { headers: bearer(acme.member.token) });
    expect(await json(res)).toEqual(dis);
    res = await app.request(`/entitytag/${dis.id}?org_id=${other.org.id}`, {
      headers: bearer(other.member.token),
    });
    expect(res.status).toBe(403);
    res = await app.request(`/entitytag/${dis.id}`, send("PUT", { org_id: org, value_s: "AHU One" }, admin));
    expect(await json(res)).toEqual({ ...dis, value_s: "AHU One" });
    res = await app.request(
      `/entitytag/${dis.id}`,
      send("PUT", { org_id: org, value_s: "x" }, acme.member.token),
    );
    expect(res.status).toBe(403);
    res = await app.request(`/entitytag/${dis.id}`, send("DELETE", { org_id: org }, admin));
    expect(res.status).toBe(200);
    res = await app.request(`/entitytag/${dis.id}?org_id=${org}`, { headers: bearer(acme.member.token) });
    expect(res.status).toBe(403);
    res = await app.request(`/entitytag/${dis.id}`, { method: "DELETE", headers: bearer(admin) });
    expect(res.status).toBe(422);
    expect((await json(res)).detail[0].loc).toEqual(["query", "org_id"]);

    // History: the dis row was created, updated and deleted by the admin.
    const hist = await deps.dbs.primary.query<{ value_s: string; user_id: number; disabled: boolean }>(
      "SELECT value_s, user_id, disabled_ts IS NOT NULL AS disabled FROM core.entity_tag_h WHERE id = $1 ORDER BY modified",
      [dis.id],
    );
    expect(hist).toEqual([
      { value_s: "AHU 1", user_id: acme.admin.userId, disabled: false },
      { value_s: "AHU One", user_id: acme.admin.userId, disabled: false },
      { value_s: "AHU One", user_id: acme.admin.userId, disabled: true },
    ]);

    // Delete an entity: another org's admin cannot; the owner can; then it is gone.
    res = await app.request(`/entity/${ahu.id}`, send("DELETE", { org_id: other.org.id }, other.admin.token));
    expect(res.status).toBe(403);
    res = await app.request(`/entity/ahu-1?org_id=${org}`, { method: "DELETE", headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect((await json(res)).id).toBe(ahu.id);
    res = await app.request(`/entity/${ahu.id}?org_id=${org}`, { headers: bearer(acme.member.token) });
    expect(res.status).toBe(403);
    // Its id can be used again.
    res = await app.request(
      "/entity",
      send("POST", { org_id: org, tags: [{ tag_name: "id", value_s: "ahu-1" }] }, admin),
    );
    expect(res.status).toBe(200);

    // An application admin acts in any org.
    const root = await appAdmin(deps);
    res = await app.request(`/entity?org_id=${other.org.id}`, { headers: bearer(root.token) });
    expect((await json(res)).length).toBe(2);
  });
});
