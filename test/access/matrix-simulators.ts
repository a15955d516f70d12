// Access matrix rows of the /simulator REST routes (merged into MATRIX by matrix.ts). Reads need
// membership of the simulator's org, configuration, control and remote-runner reports org admin.
// The fixture app runs no simulator runtime, so run-now and backfill answer 409 (simulator stopped)
// to callers who pass the access check.
import { systemActor } from "../../src/access/actor.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import type { Fixture, Persona, RouteCase } from "./matrix.ts";

// Local copies of matrix.ts's helpers: matrix.ts imports this file, so only types come from it.
const memberOnly = (ok = 200): Record<Persona, number> => ({
  anonymous: 401,
  otherOrg: 403,
  member: ok,
  orgAdmin: ok,
  appAdmin: ok,
});
const orgAdminOnly = (ok = 200): Record<Persona, number> => ({
  anonymous: 401,
  otherOrg: 403,
  member: 403,
  orgAdmin: ok,
  appAdmin: ok,
});

const shared = new WeakMap<Fixture, Promise<{ id: number; key: string }>>();

/** A new stopped simulator in org A. */
async function newSimulator(fx: Fixture): Promise<{ id: number; key: string }> {
  const key = `m${fx.unique()}`.slice(0, 40);
  const v = await createSimulator({
    deps: fx.deps,
    actor: systemActor,
    orgId: fx.a.org.id,
    input: { key, template: "retail-rtu", interval_minutes: 60, status: "stopped" },
  });
  return { id: v.id, key };
}

/** The simulator of org A that non-destructive rows use (created once per fixture). */
function simulatorOf(fx: Fixture) {
  let p = shared.get(fx);
  if (!p) {
    p = newSimulator(fx);
    shared.set(fx, p);
  }
  return p;
}

const onShared =
  (suffix: string, body?: unknown) =>
  async (fx: Fixture): Promise<{ path: string; body?: unknown }> => {
    const s = await simulatorOf(fx);
    return { path: suffix.replace(":id", String(s.id)), body };
  };

const ID = ":id{[0-9]+}";

export const SIMULATOR_MATRIX: Record<string, RouteCase> = {
  "GET /simulator/templates": {
    expect: { anonymous: 401, otherOrg: 200, member: 200, orgAdmin: 200, appAdmin: 200 },
    request: () => ({ path: "/simulator/templates" }),
  },
  [`GET /simulator/${ID}/metrics`]: { expect: memberOnly(), request: onShared("/simulator/:id/metrics") },
  [`GET /simulator/${ID}/faults`]: { expect: memberOnly(), request: onShared("/simulator/:id/faults") },
  [`POST /simulator/state/${ID}`]: {
    expect: orgAdminOnly(),
    request: onShared("/simulator/state/:id", { holder: "matrix", status: "running" }),
  },
  [`POST /simulator/activity/${ID}`]: {
    expect: orgAdminOnly(201),
    request: onShared("/simulator/activity/:id", { events: [{ type: "generation", message: "matrix" }] }),
  },
  [`GET /simulator/activity/stream/${ID}`]: {
    expect: memberOnly(),
    request: onShared("/simulator/activity/stream/:id"),
  },
  [`GET /simulator/weather/${ID}`]: { expect: memberOnly(), request: onShared("/simulator/weather/:id") },
  [`GET /simulator/weather/${ID}/hourly`]: {
    expect: orgAdminOnly(),
    request: onShared("/simulator/weather/:id/hourly"),
  },
  // No file in the body: access passes, then the upload is refused (422); nothing to remove (404).
  [`POST /simulator/weather/${ID}`]: {
    expect: orgAdminOnly(422),
    request: onShared("/simulator/weather/:id"),
  },
  [`DELETE /simulator/weather/${ID}`]: {
    expect: orgAdminOnly(404),
    request: onShared("/simulator/weather/:id"),
  },
  [`POST /simulator/${ID}/reset`]: {
    expect: orgAdminOnly(),
    request: async (fx) => {
      const s = await simulatorOf(fx);
      return { path: `/simulator/${s.id}/reset`, body: { confirm: s.key } };
    },
  },
};

for (const base of ["/simulator", "/simulator/config"]) {
  SIMULATOR_MATRIX[`GET ${base}`] = {
    expect: memberOnly(),
    request: (fx) => ({ path: `${base}?org_id=${fx.a.org.id}` }),
  };
  SIMULATOR_MATRIX[`POST ${base}`] = {
    expect: orgAdminOnly(201),
    request: (fx) => ({
      path: base,
      body: {
        org_id: fx.a.org.id,
        key: `n${fx.unique()}`.slice(0, 40),
        template: "retail-rtu",
        interval_minutes: 60,
        status: "stopped",
      },
    }),
  };
  SIMULATOR_MATRIX[`GET ${base}/${ID}`] = { expect: memberOnly(), request: onShared(`${base}/:id`) };
  SIMULATOR_MATRIX[`PUT ${base}/${ID}`] = {
    expect: orgAdminOnly(),
    request: onShared(`${base}/:id`, { name: "Matrix shop" }),
  };
  SIMULATOR_MATRIX[`DELETE ${base}/${ID}`] = {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `${base}/${(await newSimulator(fx)).id}` }),
  };
}
for (const path of [`/simulator/${ID}/status`, `/simulator/state/${ID}`, `/simulator/health/${ID}`])
  SIMULATOR_MATRIX[`GET ${path}`] = { expect: memberOnly(), request: onShared(path.replace(ID, ":id")) };
for (const path of [`/simulator/${ID}/activity`, `/simulator/activity/${ID}`])
  SIMULATOR_MATRIX[`GET ${path}`] = { expect: memberOnly(), request: onShared(path.replace(ID, ":id")) };
for (const verb of ["start", "stop", "pause", "resume"])
  SIMULATOR_MATRIX[`POST /simulator/${ID}/${verb}`] = {
    expect: orgAdminOnly(),
    request: onShared(`/simulator/:id/${verb}`),
  };
// Access passes, then the stopped simulator answers 409.
for (const verb of ["run", "run-now", "backfill"])
  SIMULATOR_MATRIX[`POST /simulator/${ID}/${verb}`] = {
    expect: orgAdminOnly(409),
    request: async (fx) => ({ path: `/simulator/${(await newSimulator(fx)).id}/${verb}` }),
  };
