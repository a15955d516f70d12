// Operator overrides reach the simulator: a setpoint written through Haystack pointWrite is what
// the next interval writes, until it is released (real catalog, ingest and Haystack verbs).
import { expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { HNum } from "../../src/haystack/kinds.ts";
import { pointWrite } from "../../src/points/point-write.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { HOUR, historyOf, simEnv } from "./helpers.ts";

test("a setpoint written with pointWrite is used from the next interval and released after", async () => {
  const env = await simEnv("postgres");
  const rt = env.runtime();
  const { org } = env.seeded;
  const v = await createSimulator({
    deps: env.deps,
    actor: systemActor,
    orgId: org.id,
    input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 0 },
  });
  await rt.tick(v.id);
  const point = "shop1.rtu-1.clgsp";
  const series = async () => (await historyOf(env.deps, "acme", "shop1")).filter((r) => r.id === point);
  const [first] = await series();
  expect(first?.value_n).not.toBe(79);

  await pointWrite({
    deps: env.deps,
    actor: systemActor,
    org: { id: org.id },
    entityId: first!.entity_id,
    level: 8,
    val: new HNum(79, "°F"),
  });
  env.clock.advance(HOUR);
  expect((await rt.tick(v.id)).intervals).toBe(1);
  env.clock.advance(HOUR);
  expect((await rt.tick(v.id)).intervals).toBe(1);
  expect((await series()).map((r) => r.value_n)).toEqual([first!.value_n, 79, 79]);

  await pointWrite({
    deps: env.deps,
    actor: systemActor,
    org: { id: org.id },
    entityId: first!.entity_id,
    level: 8,
    val: null,
  });
  env.clock.advance(HOUR);
  await rt.tick(v.id);
  const after = await series();
  expect(after.length).toBe(4);
  expect(after.at(-1)?.value_n).not.toBe(79);
  await rt.stop();
});
