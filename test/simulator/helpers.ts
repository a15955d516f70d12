// Shared pieces of the simulator tests: an app over test databases with a seeded org, a runtime
// with an injected clock (no cron jobs, the real catalog and ingest verbs), and readers of what
// landed in the value tables.
import type { ServiceDeps } from "../../src/deps.ts";
import { silentLogger } from "../../src/log.ts";
import {
  createSimulatorRuntime,
  type RuntimeOptions,
  type SimulatorRuntime,
} from "../../src/simulator/engine.ts";
import type { SimulatorPorts } from "../../src/simulator/ports.ts";
import { createRemoteRunner, type RemoteOptions, type RemoteRunner } from "../../src/simulator/remote.ts";
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

export const ADMIN = { email: "admin@sim.test", password: "correct horse battery staple" };

/** A bearer token of a spawned server's first admin (`ADMIN_EMAIL`/`ADMIN_PASSWORD`). */
export async function serverToken(url: string, who = ADMIN): Promise<string> {
  const res = await fetch(`${url}/authorize/token`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${who.email}:${who.password}`)}` },
  });
  if (!res.ok) throw new Error(`POST /authorize/token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** JSON from a spawned server, with a bearer token; throws on a non-2xx answer. */
export async function api<T>(url: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Over a spawned server: creates org `{ name, key }` and a simulator in it (`simulator`: the
 * POST /simulator body without `org_id`); returns the org and the simulator as answered.
 */
export async function createOrgAndSimulator<S>(
  url: string,
  token: string,
  org: { name: string; key: string },
  simulator: Record<string, unknown>,
): Promise<{ org: { id: number }; sim: S }> {
  const o = await api<{ id: number }>(url, token, "/org", { method: "POST", body: JSON.stringify(org) });
  const sim = await api<S>(url, token, "/simulator", {
    method: "POST",
    body: JSON.stringify({ org_id: o.id, ...simulator }),
  });
  return { org: o, sim };
}

/**
 * A remote runner (`haystack-sim simulate`) of simulator `simulatorId` whose requests go into
 * `env`'s app in process, as its org admin, holder `r1`, at the clock `now`; `over` replaces any
 * option.
 */
export function inProcessRunner(
  env: SimEnv,
  simulatorId: number,
  now: () => Date,
  over: Partial<RemoteOptions> = {},
): RemoteRunner {
  return createRemoteRunner({
    apiUrl: "http://server.test",
    token: env.seeded.admin.token,
    simulatorId,
    holder: "r1",
    log: silentLogger,
    now,
    fetch: async (req) => env.app.fetch(req),
    ...over,
  });
}
