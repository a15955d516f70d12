// The server log tells an operator a simulator's life, one info line per event and none per
// interval: created, backfill started and complete (intervals, rows, duration), paused, resumed,
// stopped, a failed run (error), deleted.
import { expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { writeValues } from "../../src/ingest/write.ts";
import { createLogger } from "../../src/log.ts";
import {
  createSimulator,
  deleteSimulator,
  pauseSimulator,
  resumeSimulator,
  stopSimulator,
} from "../../src/simulator/service.ts";
import { HOUR, simEnv } from "./helpers.ts";

const RETAIL_POINTS = 126;

test("simulator lifecycle events are logged once each, intervals are not", async () => {
  const env = await simEnv("pglite");
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: "info", format: "json", write: (l) => lines.push(JSON.parse(l)) });
  const deps = { ...env.deps, log };
  let fail = false;
  const rt = env.runtime({
    deps,
    ports: {
      writeValues: (o) => {
        if (fail) throw new Error("disk on fire");
        return writeValues(o);
      },
    },
  });
  const msgs = () => lines.filter((l) => l.simulator === v.id).map((l) => `${l.level} ${l.msg}`);
  const v = await createSimulator({
    deps,
    actor: systemActor,
    orgId: env.seeded.org.id,
    input: { name: "Shop", key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 1 },
  });
  expect(lines.find((l) => l.msg === "simulator created")).toMatchObject({
    level: "info",
    simulator: v.id,
    org: env.seeded.org.id,
    key: "shop1",
    template: "retail-rtu",
    backfill_days: 1,
  });
  await rt.tick(v.id);
  const done = lines.find((l) => l.msg === "simulator backfill complete");
  expect(done).toMatchObject({ level: "info", simulator: v.id, intervals: 24, rows: 24 * RETAIL_POINTS });
  expect(typeof done?.duration_ms).toBe("number");

  // a live interval is not a lifecycle event
  const before = lines.length;
  env.clock.advance(HOUR);
  expect((await rt.tick(v.id)).intervals).toBe(1);
  expect(lines.length).toBe(before);

  await pauseSimulator({ deps, actor: systemActor, id: v.id });
  await resumeSimulator({ deps, actor: systemActor, id: v.id });
  fail = true;
  env.clock.advance(HOUR);
  expect((await rt.tick(v.id)).status).toBe("error");
  await stopSimulator({ deps, actor: systemActor, id: v.id });
  await deleteSimulator({ deps, actor: systemActor, id: v.id });
  expect(msgs()).toEqual([
    "info simulator created",
    "info simulator backfill started",
    "info simulator backfill complete",
    "info simulator paused",
    "info simulator resumed",
    "error simulator run failed",
    "info simulator stopped",
    "info simulator deleted",
  ]);
  expect(lines.find((l) => l.msg === "simulator run failed")).toMatchObject({
    error: "disk on fire",
    failures: 1,
  });
  await rt.stop();
});
