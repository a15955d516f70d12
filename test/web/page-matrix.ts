// Access matrix rows of the console's page routes (merged into MATRIX by test/access/matrix.ts).
// Pages show the org chosen by the `hs_org` cookie among the caller's own orgs, so every request
// names org A there: a member of another org (otherOrg) falls back to their own org B and never
// reaches A's simulators, users or pollers. Requests carry no form fields, so routes that pass the
// access check answer their validation status (422) or their redirect (303).
import { systemActor } from "../../src/access/actor.ts";
import { setMembership } from "../../src/access/memberships.ts";
import { createApiToken } from "../../src/access/tokens.ts";
import { write } from "../../src/access/tx.ts";
import { insertUser } from "../../src/access/users.ts";
import { createPoller } from "../../src/catalog/pollers.ts";
import { assetUrls } from "../../src/http/assets.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import type { Fixture, MatrixRequest, Persona, RouteCase } from "../access/matrix.ts";

// Local helpers: matrix.ts imports this file, so only types come from it.
const row = (
  anonymous: number,
  otherOrg: number,
  member: number,
  orgAdmin: number,
  appAdmin: number,
): Record<Persona, number> => ({ anonymous, otherOrg, member, orgAdmin, appAdmin });
const signedIn = (ok = 200) => row(401, ok, ok, ok, ok);
const memberOnly = (ok = 200) => row(401, 403, ok, ok, ok);
const orgAdminOnly = (ok = 200) => row(401, 403, 403, ok, ok);
/** Org-admin routes acting on the page's org: otherOrg acts in its own org B (as its admin). */
const ownOrgAdmin = (ok = 200) => row(401, ok, 403, ok, ok);

const inA = (fx: Fixture, path: string, extra: Partial<MatrixRequest> = {}): MatrixRequest => ({
  path,
  ...extra,
  headers: { cookie: `hs_org=${fx.a.org.id}`, ...extra.headers },
});

const page = (path: string, expect: Record<Persona, number>): RouteCase => ({
  expect,
  request: (fx) => inA(fx, path),
});

async function simulatorIn(fx: Fixture, status: "stopped" | "running" | "paused") {
  const v = await createSimulator({
    deps: fx.deps,
    actor: systemActor,
    orgId: fx.a.org.id,
    input: { key: `w${fx.unique()}`.slice(0, 40), template: "retail-rtu", backfill_days: 0, status },
  });
  return v.id;
}

/** A simulator-page row: `fresh` makes a new simulator with that status per request. */
const sim = (
  expect: Record<Persona, number>,
  path: string,
  fresh?: "stopped" | "running" | "paused",
): RouteCase => ({
  expect,
  request: async (fx) => {
    const id = fresh
      ? await simulatorIn(fx, fresh)
      : await fx.once("page-simulator", () => simulatorIn(fx, "stopped"));
    return inA(fx, path.replace(":id", String(id)));
  },
});

const pointOf = (fx: Fixture) => fx.once("page-point", () => fx.entityIn(fx.a.org.id));

async function pollerIn(fx: Fixture): Promise<number> {
  const p = await createPoller({
    deps: fx.deps,
    actor: systemActor,
    orgId: fx.a.org.id,
    pollerType: "bacnet",
    pollerName: `pp${fx.unique()}`,
    config: "{}",
  });
  return p.poller_id;
}

export const PAGE_MATRIX: Record<string, RouteCase> = {
  "GET /static/*": { expect: row(200, 200, 200, 200, 200), request: () => ({ path: assetUrls().css }) },
  "GET /login": { expect: row(200, 200, 200, 200, 200), request: () => ({ path: "/login" }) },
  "POST /login": { expect: row(401, 401, 401, 401, 401), request: () => ({ path: "/login", body: {} }) },
  "POST /logout": { expect: signedIn(303), request: () => ({ path: "/logout", body: {} }) },
  "GET /password": page("/password", signedIn()),
  "POST /password": page("/password", signedIn(422)),
  "POST /session/org": page("/session/org", signedIn(303)),
  "GET /events": page("/events?topics=dashboard", signedIn()),
  "GET /": page("/", signedIn()),
  "GET /simulators": page("/simulators", signedIn()),
  "GET /simulators/new": page("/simulators/new", ownOrgAdmin()),
  "POST /simulators/new": page("/simulators/new", ownOrgAdmin(422)),
  "GET /simulators/:id{[0-9]+}": sim(memberOnly(), "/simulators/:id"),
  "GET /simulators/:id{[0-9]+}/chart": sim(memberOnly(), "/simulators/:id/chart"),
  "POST /simulators/:id{[0-9]+}/start": sim(orgAdminOnly(303), "/simulators/:id/start", "stopped"),
  "POST /simulators/:id{[0-9]+}/stop": sim(orgAdminOnly(303), "/simulators/:id/stop", "paused"),
  "POST /simulators/:id{[0-9]+}/pause": sim(orgAdminOnly(303), "/simulators/:id/pause", "stopped"),
  "POST /simulators/:id{[0-9]+}/resume": sim(orgAdminOnly(303), "/simulators/:id/resume", "paused"),
  // The fixture runs no simulator runtime: run-now and backfill pass the access check, then 409/503.
  "POST /simulators/:id{[0-9]+}/run": sim(orgAdminOnly(409), "/simulators/:id/run", "stopped"),
  "POST /simulators/:id{[0-9]+}/backfill": sim(orgAdminOnly(409), "/simulators/:id/backfill", "stopped"),
  "GET /simulators/:id{[0-9]+}/edit": sim(orgAdminOnly(), "/simulators/:id/edit"),
  "POST /simulators/:id{[0-9]+}/edit": sim(orgAdminOnly(422), "/simulators/:id/edit"),
  "GET /simulators/:id{[0-9]+}/weather": sim(memberOnly(), "/simulators/:id/weather"),
  "POST /simulators/:id{[0-9]+}/weather": sim(orgAdminOnly(422), "/simulators/:id/weather"),
  "POST /simulators/:id{[0-9]+}/weather/remove": sim(orgAdminOnly(404), "/simulators/:id/weather/remove"),
  "GET /simulators/:id{[0-9]+}/reset": sim(orgAdminOnly(), "/simulators/:id/reset"),
  "POST /simulators/:id{[0-9]+}/reset": sim(orgAdminOnly(422), "/simulators/:id/reset"),
  "GET /activity": page("/activity", signedIn()),
  // The database inspector shows every database of the deployment: application admins only.
  "GET /databases": page("/databases", row(401, 403, 403, 403, 200)),
  "GET /explorer": page("/explorer?filter=site", signedIn()),
  "GET /explorer/point/:id{[0-9]+}": {
    expect: signedIn(302),
    request: async (fx) => inA(fx, `/explorer/point/${await pointOf(fx)}`),
  },
  // Without htmx the tree's pager answers the explorer page it belongs to.
  "GET /explorer/tree": page("/explorer/tree?filter=site", signedIn(302)),
  "GET /explorer/entity/:id{[0-9]+}": {
    expect: memberOnly(),
    request: async (fx) => inA(fx, `/explorer/entity/${await pointOf(fx)}`),
  },
  // The fixture's entity is not a writable point: refused by name in the caller's own org, and
  // like any unknown id in another org.
  "POST /explorer/entity/:id{[0-9]+}/write": {
    expect: memberOnly(422),
    request: async (fx) =>
      inA(fx, `/explorer/entity/${await pointOf(fx)}/write`, { body: { level: "8", val: "1" } }),
  },
  "GET /explorer/chart": {
    expect: memberOnly(),
    request: async (fx) => inA(fx, `/explorer/chart?points=${await pointOf(fx)}`),
  },
  "GET /explorer/chart.csv": {
    expect: memberOnly(),
    request: async (fx) =>
      inA(
        fx,
        `/explorer/chart.csv?points=${await pointOf(fx)}&from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z`,
      ),
  },
  "GET /settings": page("/settings", signedIn()),
  "POST /settings/password": page("/settings/password", signedIn(422)),
  "POST /settings/tokens": page("/settings/tokens", signedIn(422)),
  "POST /settings/tokens/:id{[0-9]+}/revoke": {
    expect: orgAdminOnly(303),
    request: async (fx) => {
      const t = await createApiToken({
        deps: fx.deps,
        actor: systemActor,
        orgId: fx.a.org.id,
        userId: fx.a.admin.userId,
        name: `t${fx.unique()}`,
      });
      return inA(fx, `/settings/tokens/${t.id}/revoke`);
    },
  },
  "POST /settings/users": page("/settings/users", ownOrgAdmin(422)),
  "POST /settings/users/:id{[0-9]+}/remove": {
    expect: orgAdminOnly(303),
    request: async (fx) => {
      const u = await write(fx.deps, async (tx) => {
        const user = await insertUser(fx.deps, tx, { email: `r${fx.unique()}@a.test` });
        await setMembership(fx.deps, tx, fx.a.org.id, user.id, "member");
        return user;
      });
      return inA(fx, `/settings/users/${u.id}/remove`);
    },
  },
  "POST /settings/orgs": page("/settings/orgs", row(401, 403, 403, 403, 422)),
  "POST /settings/pollers": page("/settings/pollers", ownOrgAdmin(422)),
  "POST /settings/pollers/:id{[0-9]+}": {
    expect: orgAdminOnly(422),
    request: async (fx) => inA(fx, `/settings/pollers/${await pollerIn(fx)}`),
  },
  "POST /settings/pollers/:id{[0-9]+}/delete": {
    expect: orgAdminOnly(303),
    request: async (fx) => inA(fx, `/settings/pollers/${await pollerIn(fx)}/delete`),
  },
};
