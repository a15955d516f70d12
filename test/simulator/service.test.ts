// Simulator service verbs on both engines: idempotent entity creation, configuration errors with
// their paths, controls (pause, stop, resume fill the gap), reset, delete.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { readActivity } from "../../src/simulator/activity.ts";
import {
  createSimulator,
  deleteSimulator,
  getSimulator,
  listSimulators,
  pauseSimulator,
  resetSimulator,
  resumeSimulator,
  stopSimulator,
  updateSimulatorConfig,
} from "../../src/simulator/service.ts";
import { loadCheckpoint } from "../../src/simulator/store.ts";
import { ENGINES } from "../harness/db.ts";
import { HOUR, historyOf, simEnv } from "./helpers.ts";

const counts = async (env: Awaited<ReturnType<typeof simEnv>>) => {
  const [r] = await env.deps.dbs.primary.query<{ e: number; t: number; h: number }>(
    `SELECT (SELECT count(*)::int FROM core.entity) AS e, (SELECT count(*)::int FROM core.entity_tag) AS t,
            (SELECT count(*)::int FROM core.entity_tag_h) AS h`,
  );
  return r;
};

describe.each(ENGINES)("simulator service on %s", (engine) => {
  test("entities are created once: creating them again changes nothing", async () => {
    const env = await simEnv(engine);
    env.runtime();
    const input = {
      name: "Shop",
      key: "shop1",
      template: "retail-rtu",
      interval_minutes: 60,
      status: "stopped" as const,
    };
    const v = await createSimulator({ deps: env.deps, actor: systemActor, orgId: env.seeded.org.id, input });
    const first = await counts(env);
    expect(first!.e).toBe(v.entity_count);
    await updateSimulatorConfig({ deps: env.deps, actor: systemActor, id: v.id, input: {} });
    expect(await counts(env)).toEqual(first);
    // The id, dis and refs are real tags, prefixed with the key.
    const [site] = await env.deps.dbs.primary.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id
        WHERE d.name = 'siteRef' AND t.value_ref IS NOT NULL AND t.disabled_ts IS NULL`,
    );
    expect(site!.n).toBeGreaterThan(0);
    const [dis] = await env.deps.dbs.primary.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id
        WHERE d.name = 'dis' AND t.disabled_ts IS NULL`,
    );
    expect(dis!.n).toBe(v.entity_count);
  });

  test("invalid configurations are refused with the path of each problem", async () => {
    const env = await simEnv(engine);
    env.runtime();
    const orgId = env.seeded.org.id;
    const bad = (input: Record<string, unknown>) =>
      createSimulator({ deps: env.deps, actor: systemActor, orgId, input: { key: "x1", ...input } });
    await expect(bad({ interval_minutes: 7 })).rejects.toMatchObject({ code: "invalid" });
    await expect(bad({ config: "equipment:\n  chillers:\n    count: -1\n" })).rejects.toMatchObject({
      code: "invalid",
      detail: [expect.objectContaining({ loc: ["body", "config", "equipment", "chillers", "count"] })],
    });
    await expect(bad({ config: "a: [" })).rejects.toMatchObject({ code: "invalid" });
    await expect(bad({ key: "Bad Key" })).rejects.toMatchObject({ code: "invalid" });
    expect(await listSimulators({ deps: env.deps, actor: systemActor, orgId })).toEqual([]);
  });

  test("pause and stop write nothing; resume fills the gap; reset starts over; delete removes it", async () => {
    const env = await simEnv(engine);
    const rt = env.runtime();
    const deps = env.deps;
    const v = await createSimulator({
      deps,
      actor: systemActor,
      orgId: env.seeded.org.id,
      input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 0 },
    });
    await rt.tick(v.id);
    await pauseSimulator({ deps, actor: systemActor, id: v.id });
    env.clock.advance(2 * HOUR);
    expect((await rt.tick(v.id)).written).toBe(0);
    expect((await getSimulator({ deps, actor: systemActor, id: v.id })).status).toBe("paused");
    await stopSimulator({ deps, actor: systemActor, id: v.id });
    expect((await rt.tick(v.id)).written).toBe(0);
    expect((await getSimulator({ deps, actor: systemActor, id: v.id })).status).toBe("stopped");
    await resumeSimulator({ deps, actor: systemActor, id: v.id });
    expect((await rt.tick(v.id)).intervals).toBe(2);
    expect((await historyOf(deps, "acme", "shop1")).length).toBe(3 * 126);

    await expect(
      resetSimulator({ deps, actor: systemActor, id: v.id, confirm: "nope" }),
    ).rejects.toMatchObject({
      code: "invalid",
    });
    await resetSimulator({ deps, actor: systemActor, id: v.id, confirm: "shop1" });
    expect(await loadCheckpoint(deps.dbs.primary, v.id)).toBeUndefined();
    // Reset deletes the values (history and current) through the ingest path.
    expect(await historyOf(deps, "acme", "shop1")).toEqual([]);
    const [cur] = await deps.dbs.primary.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.values_acme_current",
    );
    expect(cur!.n).toBe(0);
    expect((await rt.tick(v.id)).intervals).toBe(1);

    const types: string[] = (await readActivity(deps, { simulatorId: v.id, skip: 0, limit: 100 })).map(
      (e) => e.event_type,
    );
    for (const t of ["config_change", "start", "pause", "stop", "resume", "gap_fill", "reset", "generation"])
      expect(types).toContain(t);

    await deleteSimulator({ deps, actor: systemActor, id: v.id });
    await expect(getSimulator({ deps, actor: systemActor, id: v.id })).rejects.toMatchObject({
      code: "not_found",
    });
    expect((await rt.tick(v.id)).written).toBe(0);
    const [poller] = await deps.dbs.primary.query("SELECT 1 FROM core.poller_config WHERE poller_id = $1", [
      v.id,
    ]);
    expect(poller).toBeUndefined();
    await rt.stop();
  });
});
