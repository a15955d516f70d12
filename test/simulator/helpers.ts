// Shared pieces of the simulator tests: an app over test databases with a seeded org, a runtime
// with an injected clock (no cron jobs), and readers of what landed in the value tables.
import type { ServiceDeps } from "../../src/deps.ts";
import {
  createSimulatorRuntime,
  type RuntimeOptions,
  type SimulatorRuntime,
} from "../../src/simulator/engine.ts";
import type { SimulatorPorts } from "../../src/simulator/ports.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg } from "../harness/auth.ts";
import type { EngineName } from "../harness/db.ts";

export interface Clock {
  t: Date;
  now: () => Date;
  advance(ms: number): void;
}

export function clock(iso: string): Clock {
  const c: Clock = {
    t: new Date(iso),
    now: () => new Date(c.t),
    advance: (ms) => {
      c.t = new Date(c.t.getTime() + ms);
    },
  };
  return c;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface SimEnv extends TestApp {
  seeded: SeededOrg;
  clock: Clock;
  runtime(opts?: Partial<RuntimeOptions>): SimulatorRuntime;
}

/** An app with org `key`, a clock and a runtime factory (leases by holder, no cron). */
export async function simEnv(
  engine: EngineName,
  key = "acme",
  start = "2025-03-10T12:07:00Z",
): Promise<SimEnv> {
  const t = await testApp(engine);
  const seeded = await seedOrg(t.deps, { key });
  const c = clock(start);
  return {
    ...t,
    seeded,
    clock: c,
    runtime: (opts = {}) =>
      createSimulatorRuntime({ deps: t.deps, now: c.now, schedule: false, holder: "proc-a", ...opts }),
  };
}

/** Rows of one org's history table for entities whose id tag starts with `<simKey>.`. */
export async function historyOf(deps: ServiceDeps, orgKey: string, simKey: string) {
  return deps.dbs.primary.query<{
    id: string;
    entity_id: number;
    ts: Date;
    value_n: number | null;
    value_b: boolean | null;
    status: string;
  }>(
    `SELECT t.value_s AS id, v.entity_id, v.ts, v.value_n::float8 AS value_n, v.value_b, v.status
       FROM core.values_${orgKey} v
       JOIN core.entity_tag t ON t.entity_id = v.entity_id AND t.disabled_ts IS NULL
       JOIN core.tag_def d ON d.id = t.tag_id AND d.name = 'id'
      WHERE t.value_s LIKE $1 ORDER BY t.value_s, v.ts`,
    [`${simKey}.%`],
  );
}

export type Ports = Partial<SimulatorPorts>;

/**
 * A minimal stand-in for the catalog's `upsertEntities` (engine tests are about the engine; the
 * service tests use the real one): creates each entity (by its `id`
 * tag) with its org grant and `id` tag only, and returns id → entity id. Idempotent.
 */
export const fakeUpsertEntities: SimulatorPorts["upsertEntities"] = async ({ deps, orgId, entities }) => {
  return deps.dbs.primary.transaction(async (tx) => {
    const [def] = await tx.query<{ id: number }>("SELECT id FROM core.tag_def WHERE name = 'id'");
    const out = new Map<string, number>();
    for (const e of entities) {
      const [found] = await tx.query<{ entity_id: number }>(
        `SELECT t.entity_id FROM core.entity_tag t JOIN core.org_entity_permission p ON p.entity_id = t.entity_id
          WHERE t.tag_id = $1 AND t.value_s = $2 AND t.disabled_ts IS NULL AND p.org_id = $3`,
        [def!.id, e.id, orgId],
      );
      if (found) {
        out.set(e.id, found.entity_id);
        continue;
      }
      const [ent] = await tx.query<{ id: number }>(
        "INSERT INTO core.entity (value_table_id) VALUES (NULL) RETURNING id",
      );
      await tx.query("INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES ($1, $2)", [
        orgId,
        ent!.id,
      ]);
      await tx.query("INSERT INTO core.entity_tag (entity_id, tag_id, value_s) VALUES ($1, $2, $3)", [
        ent!.id,
        def!.id,
        e.id,
      ]);
      out.set(e.id, ent!.id);
    }
    return out;
  });
};
