// The ground truth of injected faults, readable three ways (issue 14): the REST read per time range
// (JSON and CSV export) and Haystack `fault` entities linked to their equipment and points.
import { describe, expect, test } from "bun:test";
import type { HDateTime, Ref } from "../../src/haystack/index.ts";
import { faultIds } from "../../src/simulator/model/faults.ts";
import { bearer } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { callOp } from "../haystack-api/client.ts";
import { simEnv } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

describe.each(ENGINES)("fault ground truth on %s", (engine) => {
  test("REST JSON and CSV per range, and Haystack fault entities with refs", async () => {
    const env = await simEnv(engine);
    const { org, admin, member } = env.seeded;
    const config = {
      faults: [
        {
          type: "stuck_damper",
          target: "vav-6-2",
          position: 10,
          start: "2025-03-01T14:00:00Z",
          end: "2025-03-01T22:00:00Z",
          label: "blade linkage",
        },
        { type: "fan_failure", target: "ahu-3", start: "2025-03-05T00:00:00Z", end: "2025-03-05T06:00:00Z" },
        {
          type: "hunting",
          target: "ahu-2",
          gain: 6,
          start: "2025-03-10T13:00:00Z",
          end: "2025-03-10T17:00:00Z",
        },
      ],
    };
    const res = await env.app.request("/simulator", {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      body: JSON.stringify({
        org_id: org.id,
        key: "hq",
        template: "office-tower",
        status: "stopped",
        config,
      }),
    });
    expect(res.status).toBe(201);
    const sim = (await res.json()) as Json;

    const all = await env.app.request(`/simulator/${sim.id}/faults`, { headers: bearer(member.token) });
    expect(all.status).toBe(200);
    const records = (await all.json()) as Json[];
    // Ids are stable per fault (type, target, onset), not positions in the list.
    const [damper, fan, hunt] = faultIds(config.faults as never).map((id) => `hq.${id}`) as [
      string,
      string,
      string,
    ];
    expect([damper, fan, hunt]).toEqual([
      expect.stringMatching(/^hq\.fault-stuck_damper-[0-9a-f]{8}$/),
      expect.stringMatching(/^hq\.fault-fan_failure-[0-9a-f]{8}$/),
      expect.stringMatching(/^hq\.fault-hunting-[0-9a-f]{8}$/),
    ]);
    expect(records).toEqual([
      {
        id: damper,
        type: "stuck_damper",
        label: "blade linkage",
        equip: "hq.vav-6-2",
        points: ["hq.vav-6-2.flow", "hq.vav-6-2.dmp", "hq.vav-6-2.flowsp", "hq.vav-6-2.zat"],
        start: "2025-03-01T14:00:00.000Z",
        end: "2025-03-01T22:00:00.000Z",
        severity: 10,
        severityUnit: "%",
      },
      expect.objectContaining({ id: fan, type: "fan_failure", equip: "hq.ahu-3" }),
      {
        id: hunt,
        type: "hunting",
        label: null,
        equip: "hq.ahu-2",
        points: ["hq.ahu-2.dat", "hq.ahu-2.datsp", "hq.ahu-2.cool"],
        start: "2025-03-10T13:00:00.000Z",
        end: "2025-03-10T17:00:00.000Z",
        severity: 6,
        severityUnit: "",
      },
    ]);

    const ranged = await env.app.request(
      `/simulator/${sim.id}/faults?from=2025-03-04T00:00:00Z&to=2025-03-06T00:00:00Z`,
      { headers: bearer(member.token) },
    );
    expect(((await ranged.json()) as Json[]).map((r) => r.id)).toEqual([fan]);
    const bad = await env.app.request(
      `/simulator/${sim.id}/faults?from=2025-03-06T00:00:00Z&to=2025-03-04T00:00:00Z`,
      { headers: bearer(member.token) },
    );
    expect(bad.status).toBe(422);

    const csv = await env.app.request(`/simulator/${sim.id}/faults?format=csv`, {
      headers: bearer(member.token),
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,type,label,equip,points,start,end,severity,severity_unit");
    expect(lines[1]).toBe(
      `${damper},stuck_damper,blade linkage,hq.vav-6-2,hq.vav-6-2.flow hq.vav-6-2.dmp hq.vav-6-2.flowsp hq.vav-6-2.zat,2025-03-01T14:00:00.000Z,2025-03-01T22:00:00.000Z,10,%`,
    );
    expect(lines[3]).toBe(
      `${hunt},hunting,,hq.ahu-2,hq.ahu-2.dat hq.ahu-2.datsp hq.ahu-2.cool,2025-03-10T13:00:00.000Z,2025-03-10T17:00:00.000Z,6,`,
    );
    expect(lines.length).toBe(4);

    const hs = await callOp(env.app, org.key, "read", {
      auth: `Bearer ${member.token}`,
      query: { filter: "fault" },
    });
    expect(hs.status).toBe(200);
    const rows = hs.grid!.rows;
    expect(rows.length).toBe(3);
    const first = rows.find((r) => (r.id as Ref).id === damper)!;
    expect((first.equipRef as Ref).id).toBe("hq.vav-6-2");
    expect((first.siteRef as Ref).id).toBe("hq.site");
    expect((first.pointRefs as Ref[]).map((r) => r.id)).toContain("hq.vav-6-2.flow");
    expect(first.faultType).toBe("stuck_damper");
    expect((first.faultStart as HDateTime).epochMs).toBe(Date.parse("2025-03-01T14:00:00Z"));
    expect((first.faultEnd as HDateTime).epochMs).toBe(Date.parse("2025-03-01T22:00:00Z"));
    const hunting = rows.find((r) => (r.id as Ref).id === hunt)!;
    expect(hunting.faultType).toBe("hunting");
    expect((hunting.equipRef as Ref).id).toBe("hq.ahu-2");
    expect((hunting.pointRefs as Ref[]).map((r) => r.id)).toEqual([
      "hq.ahu-2.dat",
      "hq.ahu-2.datsp",
      "hq.ahu-2.cool",
    ]);

    // Taking faults out of the configuration removes their ground truth entities; the one kept
    // keeps its id although it moved from third to first in the list.
    const put = await env.app.request(`/simulator/${sim.id}`, {
      method: "PUT",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      body: JSON.stringify({ config: { faults: [config.faults[2]] } }),
    });
    expect(put.status).toBe(200);
    const after = await env.app.request(`/simulator/${sim.id}/faults`, { headers: bearer(member.token) });
    expect(((await after.json()) as Json[]).map((r) => r.id)).toEqual([hunt]);
    const hsAfter = await callOp(env.app, org.key, "read", {
      auth: `Bearer ${member.token}`,
      query: { filter: "fault" },
    });
    expect(hsAfter.grid!.rows.map((r) => (r.id as Ref).id)).toEqual([hunt]);
  });
});
