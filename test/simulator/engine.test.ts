// The simulator engine on both engines with an injected clock: backfill, live intervals, restart
// continuity, rows and checkpoint in one transaction, primary outage, two simulators of one
// template, leases.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { AppError } from "../../src/errors.ts";
import { writeValues } from "../../src/ingest/write.ts";
import { readActivity } from "../../src/simulator/activity.ts";
import { createSimulator, getSimulator } from "../../src/simulator/service.ts";
import { loadCheckpoint } from "../../src/simulator/store.ts";
import { ENGINES } from "../harness/db.ts";
import { DAY, HOUR, historyOf, simEnv } from "./helpers.ts";

const RETAIL_POINTS = 126;

async function retail(
  env: Awaited<ReturnType<typeof simEnv>>,
  key: string,
  extra: Record<string, unknown> = {},
) {
  return createSimulator({
    deps: env.deps,
    actor: systemActor,
    orgId: env.seeded.org.id,
    input: {
      name: `Shop ${key}`,
      key,
      template: "retail-rtu",
      interval_minutes: 60,
      backfill_days: 1,
      ...extra,
    },
  });
}

/** Every point has exactly one row per interval end in [first, last], and totalizers never decrease. */
function checkSeries(rows: Awaited<ReturnType<typeof historyOf>>, first: Date, last: Date, stepMs: number) {
  const byId = new Map<string, typeof rows>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const expected = (last.getTime() - first.getTime()) / stepMs + 1;
  for (const [, series] of byId) {
    expect(series.length).toBe(expected);
    series.forEach((r, i) => {
      expect(r.ts.getTime()).toBe(first.getTime() + i * stepMs);
    });
  }
  return byId;
}

describe.each(ENGINES)("simulator engine on %s", (engine) => {
  test("backfill, live interval, restart with a gap: every interval once, totalizers monotonic", async () => {
    const env = await simEnv(engine);
    const a = env.runtime();
    const v = await retail(env, "shop1");
    const r1 = await a.tick(v.id);
    // 12:07 → last interval 12:00; one day of backfill = 24 intervals (13:00 the day before … 12:00).
    expect(r1).toEqual({ written: 24 * RETAIL_POINTS, intervals: 24, status: "running" });
    const ck1 = await loadCheckpoint(env.deps.dbs.primary, v.id);
    expect(ck1?.last_ts.toISOString()).toBe("2025-03-10T12:00:00.000Z");
    expect(ck1?.first_ts.toISOString()).toBe("2025-03-09T13:00:00.000Z");

    // Same hour again: nothing to do. Next hour: one interval.
    expect((await a.tick(v.id)).intervals).toBe(0);
    env.clock.advance(HOUR);
    expect(await a.tick(v.id)).toEqual({ written: RETAIL_POINTS, intervals: 1, status: "running" });

    // Stop the process, stay down five hours, start another one: the gap is filled once.
    await a.stop();
    env.clock.advance(5 * HOUR);
    const b = env.runtime({ holder: "proc-b" });
    expect((await b.tick(v.id)).intervals).toBe(5);
    expect((await b.tick(v.id)).intervals).toBe(0);

    const rows = await historyOf(env.deps, "acme", "shop1");
    const byId = checkSeries(rows, new Date("2025-03-09T13:00:00Z"), new Date("2025-03-10T18:00:00Z"), HOUR);
    expect(byId.size).toBe(RETAIL_POINTS);
    const totalizers = [...byId.keys()].filter((id) => /energy|volume/i.test(id));
    expect(totalizers.length).toBeGreaterThan(0);
    for (const id of totalizers) {
      const vals = byId.get(id)!.map((r) => r.value_n!);
      for (let i = 1; i < vals.length; i++) expect(vals[i]!).toBeGreaterThanOrEqual(vals[i - 1]!);
    }
    const ck = await loadCheckpoint(env.deps.dbs.primary, v.id);
    expect(ck?.points_written).toBe(rows.length);

    const types = (await readActivity(env.deps, { simulatorId: v.id, skip: 0, limit: 100 })).map(
      (e) => e.event_type,
    );
    expect(types).toContain("backfill");
    expect(types).toContain("gap_fill");
    expect(types).toContain("generation");
    await b.stop();
  });

  test("a failure inside the interval's transaction leaves neither rows nor checkpoint", async () => {
    const env = await simEnv(engine);
    let fail = false;
    const rt = env.runtime({
      ports: {
        writeValues: (o) =>
          writeValues({
            ...o,
            inTransaction: async (tx) => {
              await o.inTransaction?.(tx);
              if (fail) throw new Error("boom after the checkpoint");
            },
          }),
      },
    });
    const v = await retail(env, "shop1", { backfill_days: 0 });
    expect((await rt.tick(v.id)).intervals).toBe(1);
    const before = await loadCheckpoint(env.deps.dbs.primary, v.id);
    fail = true;
    env.clock.advance(HOUR);
    const r = await rt.tick(v.id);
    expect(r.written).toBe(0);
    expect(r.status).toBe("waiting");
    const after = await loadCheckpoint(env.deps.dbs.primary, v.id);
    expect(after?.last_ts).toEqual(before!.last_ts);
    expect(after?.points_written).toBe(before!.points_written);
    const rows = await historyOf(env.deps, "acme", "shop1");
    expect(rows.length).toBe(RETAIL_POINTS);
    expect(new Set(rows.map((x) => x.ts.toISOString()))).toEqual(new Set(["2025-03-10T12:00:00.000Z"]));
    await rt.stop();
  });

  test("primary outage: waiting, then recovery fills the gap; the activity log tells the story", async () => {
    const env = await simEnv(engine);
    let down = false;
    const rt = env.runtime({
      ports: {
        writeValues: (o) => {
          if (down) throw new AppError("unavailable", "primary database unavailable");
          return writeValues(o);
        },
      },
    });
    const v = await retail(env, "shop1", { backfill_days: 0 });
    await rt.tick(v.id);
    down = true;
    for (let i = 0; i < 3; i++) {
      env.clock.advance(HOUR);
      expect((await rt.tick(v.id)).status).toBe("waiting");
    }
    expect((await getSimulator({ deps: env.deps, actor: systemActor, id: v.id })).status).toBe("waiting");
    down = false;
    env.clock.advance(HOUR);
    expect(await rt.tick(v.id)).toEqual({ written: 4 * RETAIL_POINTS, intervals: 4, status: "running" });
    checkSeries(
      await historyOf(env.deps, "acme", "shop1"),
      new Date("2025-03-10T12:00:00Z"),
      new Date("2025-03-10T16:00:00Z"),
      HOUR,
    );
    const story = (await readActivity(env.deps, { simulatorId: v.id, skip: 0, limit: 100 }))
      .reverse()
      .map((e) => e.event_type);
    const errorAt = story.indexOf("error");
    expect(errorAt).toBeGreaterThan(0);
    expect(story.filter((t) => t === "error").length).toBe(1);
    expect(story.indexOf("recovered")).toBeGreaterThan(errorAt);
    expect(story.slice(errorAt)).toContain("gap_fill");
    await rt.stop();
  });

  test("two simulators from one template in one org never collide", async () => {
    const env = await simEnv(engine);
    const rt = env.runtime();
    const a = await retail(env, "north", { backfill_days: 0 });
    const b = await retail(env, "south", { backfill_days: 0 });
    await expect(retail(env, "north")).rejects.toMatchObject({ code: "conflict" });
    await rt.tick(a.id);
    await rt.tick(b.id);
    const ra = await historyOf(env.deps, "acme", "north");
    const rb = await historyOf(env.deps, "acme", "south");
    expect(ra.length).toBe(RETAIL_POINTS);
    expect(rb.length).toBe(RETAIL_POINTS);
    const ea = new Set(ra.map((r) => r.entity_id));
    expect(rb.some((r) => ea.has(r.entity_id))).toBe(false);
    // Different keys give different seeds: the two shops do not write identical data.
    expect(ra.map((r) => r.value_n)).not.toEqual(rb.map((r) => r.value_n));
    await rt.stop();
  });

  test("the lease keeps a simulator to one process until it expires", async () => {
    const env = await simEnv(engine);
    const a = env.runtime({ holder: "proc-a", leaseMs: 1.5 * HOUR });
    const v = await retail(env, "shop1", { backfill_days: 0 });
    const b = env.runtime({ holder: "proc-b", leaseMs: 1.5 * HOUR });
    expect((await a.tick(v.id)).intervals).toBe(1);
    env.clock.advance(HOUR);
    expect((await b.tick(v.id)).written).toBe(0);
    expect(b.status(v.id)?.holder).toBe(false);
    expect((await a.tick(v.id)).intervals).toBe(1);
    // a dies without releasing; after the lease expires b takes over and continues.
    env.clock.advance(2 * HOUR);
    const r = await b.tick(v.id);
    expect(r.intervals).toBe(2);
    expect(b.status(v.id)?.holder).toBe(true);
    expect((await a.tick(v.id)).written).toBe(0);
    checkSeries(
      await historyOf(env.deps, "acme", "shop1"),
      new Date("2025-03-10T12:00:00Z"),
      new Date("2025-03-10T15:00:00Z"),
      HOUR,
    );
    await b.stop();
  });

  test("gap longer than maxGapDays is capped and said so", async () => {
    const env = await simEnv(engine);
    const rt = env.runtime();
    const v = await retail(env, "shop1", { backfill_days: 0, max_gap_days: 1 });
    await rt.tick(v.id);
    env.clock.advance(3 * DAY);
    const r = await rt.tick(v.id);
    expect(r.intervals).toBe(24);
    const ev = await readActivity(env.deps, { simulatorId: v.id, type: "gap_fill", skip: 0, limit: 100 });
    expect(ev.some((e) => /skipped/.test(e.message))).toBe(true);
    await rt.stop();
  });
});
