// The dashboard's key points on a winter night (issue 16: "key points move in every season"): the
// office's plant shown is the boiler that worked during the day, not the chiller that is flat all
// winter, even when nothing runs at the hour of the last interval. Real app on PGlite, the demo's
// office template, a day of backfill ending at 23:00 in New York in January.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { createSimulatorRuntime, type SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator, getSimulator } from "../../src/simulator/service.ts";
import { currentValues } from "../../src/web/building.ts";
import { keyPoints } from "../../src/web/key-points.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { clock } from "../simulator/helpers.ts";

const c = clock("2025-01-16T04:07:00Z");
let t: TestApp;
let rt: SimulatorRuntime;
let id = 0;

beforeAll(async () => {
  t = await testApp("pglite", { clock: c });
  const { org } = await seedOrg(t.deps, { key: "winter" });
  rt = createSimulatorRuntime({ deps: t.deps, now: c.now, schedule: false, holder: "proc-a" });
  id = (
    await createSimulator({
      deps: t.deps,
      actor: systemActor,
      orgId: org.id,
      input: { key: "office", template: "office-tower", interval_minutes: 60, backfill_days: 1 },
    })
  ).id;
  await rt.tick(id);
}, 240_000);

afterAll(async () => {
  await rt?.stop();
  await t?.dbs.close();
});

test("on a January night the office's plant key point is the boiler that fired during the day", async () => {
  const v = await getSimulator({ deps: t.deps, actor: systemActor, id });
  expect(v.last_interval).toBe("2025-01-16T04:00:00.000Z");
  const keys = await keyPoints(t.deps, systemActor, v);
  const plant = keys.points.find((k) => k.role === "plant");
  expect(plant?.label).toBe("Boiler firing");
  // and it is off now: the choice comes from the day, not from this hour
  expect((await currentValues(t.deps, systemActor, v.org_id, [plant!])).get(plant!.id)?.value).toBe(0);
}, 120_000);
