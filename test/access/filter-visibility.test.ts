// Filters see exactly the entities the visibility rule allows (DESIGN.md §7, CONTRACT.md: an entity
// belongs to an org through org_entity_permission; a user may be granted entities directly and
// have entities revoked): granted to the org and active, or granted to the user; never revoked for
// the user; never another org's or a disabled one. Checked through /filter, the Haystack read op
// and with a ref path, for a member, an org admin and the system, on both engines.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import { filterEntityIds } from "../../src/catalog/read.ts";
import { parseFilter } from "../../src/haystack/index.ts";
import { testApp } from "../harness/app.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

describe.each(ENGINES)("filter visibility on %s", (engine) => {
  test("org grants, direct grants, revocations, other orgs and disabled entities", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const b = await seedOrg(deps, { key: "beta" });
    const db = deps.dbs.primary;
    const tag = async (entity: number, name: string, cols: { value_s?: string; value_ref?: number } = {}) => {
      await db.query("INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
      const kind = cols.value_s !== undefined || cols.value_ref !== undefined ? "Ref" : "Marker";
      await db.query(
        `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_ref, value_kind)
         VALUES ($1, (SELECT id FROM core.tag_def WHERE name = $2), $3, $4, $5)`,
        [entity, name, cols.value_s ?? null, cols.value_ref ?? null, kind],
      );
    };
    const entity = async (idTag: string, orgId: number | null, disabled = false) => {
      const [e] = await db.query<{ id: number }>(
        `INSERT INTO core.entity (disabled_ts) VALUES (${disabled ? "now()" : "NULL"}) RETURNING id`,
      );
      if (orgId !== null)
        await db.query("INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES ($1, $2)", [
          orgId,
          e!.id,
        ]);
      await tag(e!.id, "id", { value_s: idTag });
      return e!.id;
    };
    const ahu = await entity("ahu", a.org.id);
    await tag(ahu, "ahu");
    const point = async (idTag: string, orgId: number | null, disabled = false) => {
      const id = await entity(idTag, orgId, disabled);
      await tag(id, "point");
      await tag(id, "equipRef", { value_ref: ahu });
      return id;
    };
    const granted = await point("granted", a.org.id);
    const revoked = await point("revoked", a.org.id);
    const direct = await point("direct", null);
    const directAndRevoked = await point("direct-revoked", null);
    const other = await point("other", b.org.id);
    const disabled = await point("disabled", a.org.id, true);
    const member = a.member.userId;
    await db.query(
      "INSERT INTO core.user_entity_rev_permission (user_id, entity_id) VALUES ($1, $2), ($1, $3)",
      [member, revoked, directAndRevoked],
    );
    await db.query(
      "INSERT INTO core.user_entity_add_permission (user_id, entity_id) VALUES ($1, $2), ($1, $3)",
      [member, direct, directAndRevoked],
    );
    void other;
    void disabled;

    const memberActor = (await actorForUser(db, member))!;
    const adminActor = (await actorForUser(db, a.admin.userId))!;
    const cases: Array<[string, typeof memberActor, string, number[]]> = [
      ["member", memberActor, "point", [granted, direct]],
      ["member", memberActor, "point and equipRef->ahu", [granted, direct]],
      ["member", memberActor, "point or ahu", [ahu, granted, direct]],
      ["admin", adminActor, "point", [granted, revoked]],
      ["admin", adminActor, "point and equipRef->ahu", [granted, revoked]],
      ["system", systemActor, "point", [granted, revoked]],
      ["system", systemActor, "point and equipRef->ahu", [granted, revoked]],
    ];
    const got = [];
    for (const [who, actor, filter] of cases)
      got.push([who, filter, await filterEntityIds(db, actor, a.org.id, parseFilter(filter), {})]);
    expect(got).toEqual(cases.map(([who, , filter, ids]) => [who, filter, ids.sort((x, y) => x - y)]));
    // Paging counts visible entities only.
    expect(
      await filterEntityIds(db, memberActor, a.org.id, parseFilter("point"), { skip: 1, limit: 1 }),
    ).toEqual([direct]);

    // The same through the routes: /filter and the Haystack read op.
    const res = await app.request("/filter", {
      method: "POST",
      headers: { ...bearer(a.member.token), "content-type": "application/json" },
      body: JSON.stringify({ filter: "point and equipRef->ahu", org_id: a.org.id }),
    });
    expect([
      res.status,
      ((await res.json()) as Array<{ entity_id: number }>).map((r) => r.entity_id),
    ]).toEqual([200, [granted, direct]]);
    const read = await app.request(`/api/acme/read?filter=${encodeURIComponent("point")}`, {
      headers: { ...bearer(a.member.token), accept: "application/json" },
    });
    const grid = (await read.json()) as { rows: Array<{ id: { val: string } }> };
    expect([read.status, grid.rows.map((r) => r.id.val)]).toEqual([200, ["granted", "direct"]]);
  });
});
