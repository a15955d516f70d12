// Destructive actions of the catalog and pollers are in the audit log, readable by the org's admin.
import { describe, expect, test } from "bun:test";
import { testApp } from "../harness/app.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";

describe.each(ENGINES)("audit of destructive actions on %s", (engine) => {
  test("entity delete and poller delete are audited with who, org and target", async () => {
    const { app, deps } = await testApp(engine);
    const { org, admin, member } = await seedOrg(deps, { key: "aud" });
    const headers = { ...bearer(admin.token), "content-type": "application/json" };
    const created = await app.request("/entity", {
      method: "POST",
      headers,
      body: JSON.stringify({
        org_id: org.id,
        tags: [{ tag_name: "id", value_s: "aud.p1" }, { tag_name: "point" }],
      }),
    });
    expect(created.status).toBe(200);
    const entityId = (await json(created)).id as number;
    const del = await app.request(`/entity/${entityId}`, {
      method: "DELETE",
      headers,
      body: JSON.stringify({ org_id: org.id }),
    });
    expect(del.status).toBe(200);

    const poller = await app.request("/poller", {
      method: "POST",
      headers,
      body: JSON.stringify({
        org_id: org.id,
        poller_type: "bacnet",
        poller_name: "p",
        config: "{}",
        status: "active",
      }),
    });
    expect(poller.status).toBe(200);
    const pollerId = (await json(poller)).poller_id as number;
    expect((await app.request(`/poller/${pollerId}`, { method: "DELETE", headers })).status).toBe(200);

    const audit = await app.request(`/audit?org_id=${org.id}`, { headers: bearer(admin.token) });
    expect(audit.status).toBe(200);
    const rows = (await json(audit)) as {
      action: string;
      target: string;
      actor_email: string;
      org_id: number;
    }[];
    expect(rows).toContainEqual(
      expect.objectContaining({
        action: "entity.delete",
        target: `entity:${entityId}`,
        actor_email: admin.email,
        org_id: org.id,
      }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ action: "poller.delete", target: `poller:${pollerId}`, org_id: org.id }),
    );
    expect((await app.request(`/audit?org_id=${org.id}`, { headers: bearer(member.token) })).status).toBe(
      403,
    );
  });
});
