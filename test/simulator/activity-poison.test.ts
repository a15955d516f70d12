// A poisoned activity event cannot wedge the activity log (issue 11): the HTTP edge refuses a NUL
// message, and an event the state database refuses for its content (logged by service code,
// bypassing the edge) is dropped and counted while the clean events queued after it are stored.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { activityLogOf, readActivity } from "../../src/simulator/activity.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { testApp } from "../harness/app.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

describe.each(ENGINES)("activity queue on %s", (engine) => {
  test("a refused event is dropped; the events after it are stored, in order", async () => {
    const { app, deps } = await testApp(engine);
    const s = await seedOrg(deps, { key: "poison" });
    const sim = await createSimulator({
      deps,
      actor: systemActor,
      orgId: s.org.id,
      input: { key: "p1", template: "retail-rtu", interval_minutes: 60, status: "stopped" },
    });

    // At the edge: 422 naming the field, nothing stored.
    const res = await app.request(`/simulator/activity/${sim.id}`, {
      method: "POST",
      headers: { ...bearer(s.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ events: [{ type: "generation", message: "bad\u0000message" }] }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: { loc: unknown[] }[] }).detail[0]!.loc).toEqual([
      "body",
      "events",
      0,
      "message",
    ]);

    // Past the edge: the state database refuses the NUL; the log goes on.
    const log = activityLogOf(deps);
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const base = { simulatorId: sim.id, orgId: s.org.id, type: "generation" as const };
    await log.log({ ...base, message: "clean 1", at: at(1) });
    await log.log({ ...base, message: "poison\u0000", at: at(2) });
    await log.log({ ...base, message: "clean 2", at: at(3) });
    await log.log({ ...base, message: "deep", details: { v: "ok\u0000" }, at: at(4) });
    await log.log({ ...base, message: "clean 3", at: at(5) });
    expect(log.queued).toBe(0);
    expect(log.refused).toBe(2);

    const stored = await readActivity(deps, { simulatorId: sim.id, skip: 0, limit: 100 });
    expect(stored.map((r) => r.message).filter((m) => m.startsWith("clean"))).toEqual([
      "clean 3",
      "clean 2",
      "clean 1",
    ]);
    expect(stored.some((r) => r.message.startsWith("poison") || r.message === "deep")).toBe(false);
  });
});
