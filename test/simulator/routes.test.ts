// /simulator routes with auth: members read, org admins configure and control, other orgs see
// nothing (403), bodies are validated (422).
import { describe, expect, test } from "bun:test";
import { bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { simEnv } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

describe.each(ENGINES)("simulator routes on %s", (engine) => {
  test("access matrix, create, read, control, activity", async () => {
    const env = await simEnv(engine);
    env.runtime();
    const other = await seedOrg(env.deps, { key: "other" });
    const { org, admin, member } = env.seeded;
    const json = (token: string) => ({ ...bearer(token), "content-type": "application/json" });
    const create = (token: string, body: Record<string, unknown>) =>
      env.app.request("/simulator", { method: "POST", headers: json(token), body: JSON.stringify(body) });
    const body = {
      org_id: org.id,
      key: "shop1",
      name: "Shop",
      template: "retail-rtu",
      interval_minutes: 60,
      status: "stopped",
    };

    expect((await env.app.request(`/simulator?org_id=${org.id}`)).status).toBe(401);
    expect((await create(member.token, body)).status).toBe(403);
    expect((await create(other.admin.token, body)).status).toBe(403);
    const bad = await create(admin.token, { ...body, interval_minutes: 7 });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as Json).detail[0].loc[0]).toBe("body");
    const res = await create(admin.token, body);
    expect(res.status).toBe(201);
    const sim = (await res.json()) as Json;
    expect(sim).toMatchObject({
      org_id: org.id,
      key: "shop1",
      name: "Shop",
      desired_status: "stopped",
      interval_minutes: 60,
    });
    expect((await create(admin.token, body)).status).toBe(409);

    const list = await env.app.request(`/simulator?org_id=${org.id}`, { headers: bearer(member.token) });
    expect(list.status).toBe(200);
    expect(((await list.json()) as Array<{ key: string }>).map((s: { key: string }) => s.key)).toEqual([
      "shop1",
    ]);
    expect(
      (await env.app.request(`/simulator?org_id=${org.id}`, { headers: bearer(other.member.token) })).status,
    ).toBe(403);
    expect((await env.app.request(`/simulator/${sim.id}`, { headers: bearer(member.token) })).status).toBe(
      200,
    );
    expect(
      (await env.app.request(`/simulator/config/${sim.id}`, { headers: bearer(other.admin.token) })).status,
    ).toBe(403);
    expect((await env.app.request("/simulator/999999", { headers: bearer(member.token) })).status).toBe(403);
    expect((await env.app.request("/simulator/templates", { headers: bearer(member.token) })).status).toBe(
      200,
    );

    const post = (path: string, token: string, b?: unknown) =>
      env.app.request(path, {
        method: "POST",
        headers: json(token),
        body: b === undefined ? undefined : JSON.stringify(b),
      });
    expect((await post(`/simulator/${sim.id}/start`, member.token)).status).toBe(403);
    const started = await post(`/simulator/${sim.id}/start`, admin.token);
    expect(started.status).toBe(200);
    expect(((await started.json()) as Json).desired_status).toBe("running");
    expect((await post(`/simulator/${sim.id}/reset`, admin.token, { confirm: "wrong" })).status).toBe(422);
    expect((await post(`/simulator/${sim.id}/pause`, admin.token)).status).toBe(200);

    const status = await env.app.request(`/simulator/state/${sim.id}`, { headers: bearer(member.token) });
    expect(((await status.json()) as Json).status).toBe("paused");
    const act = await env.app.request(`/simulator/${sim.id}/activity?type=pause`, {
      headers: bearer(member.token),
    });
    expect(act.status).toBe(200);
    const events = ((await act.json()) as Json).events;
    expect(events.map((e: { event_type: string }) => e.event_type)).toEqual(["pause"]);
    expect(
      (await env.app.request(`/simulator/${sim.id}/activity?type=nope`, { headers: bearer(member.token) }))
        .status,
    ).toBe(422);
    expect(
      (await env.app.request(`/simulator/${sim.id}/metrics`, { headers: bearer(member.token) })).status,
    ).toBe(200);

    const put = await env.app.request(`/simulator/${sim.id}`, {
      method: "PUT",
      headers: json(admin.token),
      body: JSON.stringify({ name: "Shop renamed" }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as Json).name).toBe("Shop renamed");
    expect(
      (await env.app.request(`/simulator/${sim.id}`, { method: "DELETE", headers: bearer(member.token) }))
        .status,
    ).toBe(403);
    expect(
      (await env.app.request(`/simulator/${sim.id}`, { method: "DELETE", headers: bearer(admin.token) }))
        .status,
    ).toBe(200);
    expect((await env.app.request(`/simulator/${sim.id}`, { headers: bearer(member.token) })).status).toBe(
      403,
    );
  });
});
