// The plan's `/simulator/*` shapes, as CONTRACT.md lists them (the `/simulator` rows): a client
// written from the plan sends `simulator_name`, `building_config` (JSON or YAML text, or an object),
// `database_config?`, `interval_minutes`, `status`, and reads back `id, simulator_id, created_at,
// updated_at`; state answers `{id, simulator_id, service_name, last_run_timestamp, totalizers,
// status, config, error_message, created_at, updated_at}`, health `{simulator_id, name, status,
// last_run, config_status, healthy}`, activity entries `{id, simulator_id, timestamp, event_type,
// message, details}`. Nothing it sends is silently dropped.
import { beforeAll, describe, expect, test } from "bun:test";
import { mirrorState } from "../../src/simulator/store.ts";
import { testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe.each(ENGINES)("the plan's /simulator shapes on %s", (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let s: SeededOrg;
  let id: number;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await t.app.request(path, {
      method,
      headers: {
        ...bearer(s.admin.token),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    t = await testApp(engine);
    s = await seedOrg(t.deps, { key: "plan" });
  });

  test('numeric strings are ints here too, as FastAPI coerced them: "org_id":"3", "interval_minutes":"15", ?org_id="3"', async () => {
    const r = await call("POST", "/simulator/config", {
      org_id: String(s.org.id),
      simulator_name: "Strings",
      building_config: { template: "retail-rtu" },
      interval_minutes: "15",
      status: "stopped",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ org_id: s.org.id, interval_minutes: 15 });
    const listed = await t.app.request(`/simulator/config?org_id=${s.org.id}`, {
      headers: bearer(s.admin.token),
    });
    expect(listed.status).toBe(200);
    const bad = await call("POST", "/simulator/config", { org_id: "three", simulator_name: "x" });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("org_id");
    const gone = await call("DELETE", `/simulator/${r.body.id}`);
    expect(gone.status).toBeLessThan(300);
  });

  test("POST /simulator/config with the plan's SimulatorConfig (YAML building_config) → 201 with its names", async () => {
    const r = await call("POST", "/simulator/config", {
      org_id: s.org.id,
      simulator_name: "Main Office #2",
      building_config: "template: retail-rtu\n",
      database_config: { host: "db.example", port: 5432 },
      interval_minutes: 15,
      status: "stopped",
    });
    expect(r.status).toBe(201);
    id = r.body.id as number;
    expect(r.body).toMatchObject({
      id,
      simulator_id: id,
      org_id: s.org.id,
      simulator_name: "Main Office #2",
      name: "Main Office #2",
      key: "main_office_2",
      building_config: { template: "retail-rtu" },
      database_config: { host: "db.example", port: 5432 },
      interval_minutes: 15,
      desired_status: "stopped",
      created_at: ISO,
      updated_at: ISO,
    });
  });

  test("GET /simulator/config/{id} and the org's list answer the same names", async () => {
    const one = await call("GET", `/simulator/config/${id}`);
    expect(one).toMatchObject({
      status: 200,
      body: {
        id,
        simulator_id: id,
        simulator_name: "Main Office #2",
        building_config: { template: "retail-rtu" },
      },
    });
    const list = (await call("GET", `/simulator/config?org_id=${s.org.id}`)).body as unknown as Record<
      string,
      unknown
    >[];
    expect(list.find((x) => x.id === id)).toMatchObject({
      simulator_id: id,
      simulator_name: "Main Office #2",
    });
  });

  test.each([
    ["an object", { template: "retail-rtu" }],
    ["JSON text", JSON.stringify({ template: "retail-rtu" })],
  ])("building_config as %s is the configuration", async (_kind, building_config) => {
    const r = await call("POST", "/simulator/config", {
      org_id: s.org.id,
      simulator_name: `Shop ${typeof building_config}`,
      building_config,
      interval_minutes: 30,
      status: "stopped",
    });
    expect(r).toMatchObject({
      status: 201,
      body: { building_config: { template: "retail-rtu" }, interval_minutes: 30 },
    });
  });

  test("PUT with simulator_name renames; ours wins where both spellings are sent", async () => {
    expect(await call("PUT", `/simulator/config/${id}`, { simulator_name: "Renamed" })).toMatchObject({
      status: 200,
      body: { simulator_name: "Renamed", name: "Renamed", key: "main_office_2" },
    });
    const both = await call("POST", "/simulator/config", {
      org_id: s.org.id,
      name: "Ours",
      simulator_name: "Plan side",
      config: { template: "retail-rtu" },
      building_config: "not: [valid",
      status: "stopped",
    });
    expect(both).toMatchObject({
      status: 201,
      body: { name: "Ours", simulator_name: "Ours", key: "plan_side" },
    });
  });

  describe("database_config: the client's record, stored and answered, passwords never in clear", () => {
    const original = {
      database: {
        host: "timescaledb",
        port: 5432,
        database: "datakwip",
        user: "datakwip_user",
        password: "datakwip_password",
      },
      state_database: {
        url: "postgresql://simulator_user:s3cr%40t@statedb:5432/simulator_state?sslmode=require",
      },
      organization: { name: "Docker Test Organization", key: "docker_test" },
      tables: { value_table: "values_docker_test", current_table: "values_docker_test_current" },
    };
    const masked = {
      ...original,
      database: { ...original.database, password: "********" },
      state_database: {
        url: "postgresql://simulator_user:********@statedb:5432/simulator_state?sslmode=require",
      },
    };
    let dbId: number;

    test("the original's database_config.yaml as YAML text: stored, answered on every read, secrets masked", async () => {
      const r = await call("POST", "/simulator/config", {
        org_id: s.org.id,
        simulator_name: "With databases",
        building_config: { template: "retail-rtu" },
        database_config: [
          "database:",
          "  host: timescaledb",
          "  port: 5432",
          "  database: datakwip",
          "  user: datakwip_user",
          "  password: datakwip_password",
          "state_database:",
          `  url: "${original.state_database.url}"`,
          "organization: {name: Docker Test Organization, key: docker_test}",
          "tables: {value_table: values_docker_test, current_table: values_docker_test_current}",
          "",
        ].join("\n"),
        status: "stopped",
      });
      expect(r.status).toBe(201);
      expect(r.body.database_config).toEqual(masked);
      dbId = r.body.id as number;
      expect((await call("GET", `/simulator/config/${dbId}`)).body.database_config).toEqual(masked);
      const list = (await call("GET", `/simulator/config?org_id=${s.org.id}`)).body as unknown as Record<
        string,
        unknown
      >[];
      expect(list.find((x) => x.id === dbId)?.database_config).toEqual(masked);
      // not in clear in any answer, nor at rest in the readable definition
      const text = JSON.stringify(list) + JSON.stringify(await call("GET", `/simulator/state/${dbId}`));
      expect(text).not.toContain("datakwip_password");
      expect(text).not.toContain("s3cr");
      const [row] = await t.deps.dbs.primary.query<{ database_config: string }>(
        "SELECT database_config FROM core.hs_simulator WHERE simulator_id = $1",
        [dbId],
      );
      expect(row?.database_config).not.toContain("datakwip");
    });

    test("PUT without database_config keeps it; the masked record sent back keeps the stored passwords", async () => {
      const renamed = await call("PUT", `/simulator/config/${dbId}`, { simulator_name: "Kept" });
      expect(renamed.body.database_config).toEqual(masked);
      const edited = { ...masked, database: { ...masked.database, port: 6432 } };
      const r = await call("PUT", `/simulator/config/${dbId}`, { database_config: edited });
      expect(r).toMatchObject({ status: 200, body: { database_config: edited } });
      // the stored record still holds the passwords: replacing one shows the new value masked too
      const [row] = await t.deps.dbs.primary.query<{ database_config: string }>(
        "SELECT database_config FROM core.hs_simulator WHERE simulator_id = $1",
        [dbId],
      );
      const { openDatabaseConfig } = await import("../../src/simulator/database-config.ts");
      expect(await openDatabaseConfig(t.deps, row?.database_config)).toEqual({
        ...original,
        database: { ...original.database, port: 6432 },
      });
    });

    test("a conninfo string and JSON text; null clears it", async () => {
      const r = await call("PUT", `/simulator/config/${dbId}`, {
        database_config: JSON.stringify({ dsn: "host=db port=5432 password='a b' user=u", api_key: "k" }),
      });
      expect(r.body.database_config).toEqual({
        dsn: "host=db port=5432 password=******** user=u",
        api_key: "********",
      });
      const cleared = await call("PUT", `/simulator/config/${dbId}`, { database_config: null });
      expect(cleared).toMatchObject({ status: 200, body: { database_config: null } });
      expect((await call("GET", `/simulator/config/${dbId}`)).body.database_config).toBeNull();
    });

    test.each([
      ["a list", [1, 2]],
      ["a number", 5432],
      ["a boolean", true],
      ["text that is no mapping", "postgres://u:p@h/db"],
      ["text that is not YAML", "database: [unclosed"],
    ])("%s is a 422 naming database_config, and changes nothing", async (_kind, database_config) => {
      const before = await call("GET", `/simulator/config/${dbId}`);
      const r = await call("PUT", `/simulator/config/${dbId}`, {
        database_config,
        simulator_name: "Changed",
      });
      expect(r.status).toBe(422);
      expect((r.body.detail as { loc: unknown[] }[]).map((d) => d.loc)).toEqual([
        ["body", "database_config"],
      ]);
      expect(JSON.stringify(r.body)).not.toContain("postgres://u:p@");
      expect((await call("GET", `/simulator/config/${dbId}`)).body).toEqual(before.body);
      const created = await call("POST", "/simulator/config", {
        org_id: s.org.id,
        simulator_name: "Refused",
        building_config: { template: "retail-rtu" },
        database_config,
        status: "stopped",
      });
      expect(created.status).toBe(422);
    });
  });

  test("without key or simulator_name → 422 naming the key", async () => {
    const r = await call("POST", "/simulator/config", {
      org_id: s.org.id,
      building_config: { template: "retail-rtu" },
    });
    expect(r.status).toBe(422);
    expect((r.body.detail as { loc: unknown[] }[]).map((d) => d.loc)).toEqual([["body", "key"]]);
  });

  test("GET /simulator/state/{id} answers the plan's SimulatorState", async () => {
    const r = await call("GET", `/simulator/state/${id}`);
    expect(r).toMatchObject({
      status: 200,
      body: {
        id,
        simulator_id: id,
        service_name: "main_office_2",
        last_run_timestamp: null,
        totalizers: {},
        status: "stopped",
        config: { template: "retail-rtu" },
        error_message: null,
        created_at: ISO,
        updated_at: ISO,
      },
    });
  });

  test("GET /simulator/health/{id} answers the plan's health", async () => {
    const r = await call("GET", `/simulator/health/${id}`);
    expect(r).toMatchObject({
      status: 200,
      body: {
        simulator_id: id,
        name: "Renamed",
        status: "stopped",
        last_run: null,
        config_status: "valid",
        healthy: true,
      },
    });
  });

  test("activity entries carry the plan's fields", async () => {
    const r = await call("GET", `/simulator/activity/${id}?limit=10`);
    const events = r.body.events as Record<string, unknown>[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.details === null || typeof e.details === "object").toBe(true);
      expect(e).toMatchObject({
        id: expect.any(Number),
        simulator_id: id,
        timestamp: ISO,
        event_type: expect.any(String),
        message: expect.any(String),
      });
    }
  });
  describe("POST /simulator/state/{id} with the plan's SimulatorState", () => {
    const totalizers = {
      electric_energy: 1234.5,
      gas_volume: 88.25,
      water_volume: 3.5,
      chiller_energy: { "1": 7 },
    };

    test("stored and answered back by GET, with the original's names", async () => {
      const r = await call("POST", `/simulator/state/${id}`, {
        service_name: "haystack_simulator",
        status: "running",
        last_run_timestamp: "2026-03-01T10:15:00+01:00",
        totalizers,
        config: { version: "1.0", mode: "continuous" },
        error_message: null,
      });
      const expected = {
        id,
        simulator_id: id,
        service_name: "haystack_simulator",
        status: "running",
        last_run_timestamp: "2026-03-01T09:15:00.000Z",
        totalizers,
        config: { version: "1.0", mode: "continuous" },
        error_message: null,
        created_at: ISO,
        updated_at: ISO,
      };
      expect(r).toMatchObject({ status: 200, body: expected });
      expect(await call("GET", `/simulator/state/${id}`)).toMatchObject({ status: 200, body: expected });
    });

    test("a later report: absent fields keep, null clears, error_message is set by every report", async () => {
      const failed = await call("POST", `/simulator/state/${id}`, {
        status: "error",
        error_message: "connection to timescaledb lost",
      });
      expect(failed.body).toMatchObject({
        status: "error",
        error_message: "connection to timescaledb lost",
        last_run_timestamp: "2026-03-01T09:15:00.000Z",
        totalizers,
        service_name: "haystack_simulator",
      });
      const reset = await call("POST", `/simulator/state/${id}`, {
        status: "initialized",
        last_run_timestamp: null,
        totalizers: { electric_energy: 0, gas_volume: 0, water_volume: 0, chiller_energy: {} },
      });
      expect(reset.body).toMatchObject({
        status: "initialized",
        error_message: null,
        last_run_timestamp: null,
        totalizers: { electric_energy: 0, chiller_energy: {} },
      });
      // a timestamp without a zone is UTC (CONTRACT.md)
      const naive = await call("POST", `/simulator/state/${id}`, {
        last_run_timestamp: "2026-03-02 00:00:00",
      });
      expect(naive.body.last_run_timestamp).toBe("2026-03-02T00:00:00.000Z");
    });

    test.each([
      ["an unknown status", { status: "exploded" }, ["body", "status"]],
      ["a timestamp that is none", { last_run_timestamp: "yesterday" }, ["body", "last_run_timestamp"]],
      [
        "a year PostgreSQL does not store",
        { last_run_timestamp: "10000-01-01T00:00:00Z" },
        ["body", "last_run_timestamp"],
      ],
      ["totalizers as a list", { totalizers: [1, 2] }, ["body", "totalizers"]],
      ["config as text", { config: "mode: continuous" }, ["body", "config"]],
      ["error_message as a number", { error_message: 5 }, ["body", "error_message"]],
      ["a service_name too long", { service_name: "s".repeat(101) }, ["body", "service_name"]],
      ["NUL in error_message", { error_message: "bad\u0000byte" }, ["body", "error_message"]],
      [
        "a lone surrogate in a totalizer key",
        { totalizers: { "\ud800": 1 } },
        ["body", "totalizers", "\ud800"],
      ],
      ["no field at all", {}, ["body"]],
    ])("%s is a 422 naming the field, and changes nothing", async (_kind, sent, loc) => {
      const before = await call("GET", `/simulator/state/${id}`);
      const r = await call("POST", `/simulator/state/${id}`, sent);
      expect(r.status).toBe(422);
      expect((r.body.detail as { loc: unknown[] }[]).map((d) => d.loc)).toEqual([loc]);
      expect(await call("GET", `/simulator/state/${id}`)).toEqual(before);
    });

    test("config nested deeper than the limit is a 422, not a database error", async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 40; i++) deep = { d: deep };
      const r = await call("POST", `/simulator/state/${id}`, { config: deep });
      expect(r.status).toBe(422);
    });

    test("a runner field without holder is the runner's body: 422 naming holder, nothing dropped", async () => {
      const r = await call("POST", `/simulator/state/${id}`, {
        status: "running",
        last_interval: "2026-03-01T00:00:00Z",
      });
      expect(r.status).toBe(422);
      expect((r.body.detail as { loc: unknown[] }[]).map((d) => d.loc)).toContainEqual(["body", "holder"]);
    });

    test("once this server writes a newer interval, GET answers its own figures again", async () => {
      await call("POST", `/simulator/state/${id}`, { status: "running", totalizers: { reported: 1 } });
      await Bun.sleep(5); // the interval below is written after the report
      const runner = await call("POST", `/simulator/state/${id}`, {
        holder: "plan-test",
        status: "running",
        last_interval: "2026-03-05T00:00:00Z",
        state: { totals: { "meter.elec": 42 } },
        points: 1,
      });
      expect(runner).toMatchObject({ status: 200, body: { checkpoint_moved: true } });
      expect((await call("GET", `/simulator/state/${id}`)).body).toMatchObject({
        service_name: "main_office_2",
        last_run_timestamp: "2026-03-05T00:00:00.000Z",
        totalizers: { "meter.elec": 42 },
        config: { template: "retail-rtu" },
      });
      await call("POST", `/simulator/state/${id}`, { holder: "plan-test", status: "stopped", release: true });
    });

    test("a report never shows as the run this server mirrors, and the next mirror write keeps the report", async () => {
      const made = await call("POST", "/simulator/config", {
        org_id: s.org.id,
        simulator_name: "Mirrored",
        building_config: { template: "retail-rtu" },
        interval_minutes: 15,
        status: "running",
      });
      expect(made.status).toBe(201);
      const sim = made.body.id as number;
      // this server's own run, as its runner mirrors it into the state database
      const mirror = (at: Date, totals?: Record<string, number>) =>
        mirrorState(t.deps, {
          simulatorId: sim,
          orgId: s.org.id,
          status: "running",
          error: null,
          totals,
          at,
        });
      await mirror(new Date());
      const report = await call("POST", `/simulator/state/${sim}`, {
        status: "error",
        error_message: "connection to timescaledb lost",
        totalizers: { electric_energy: 5 },
      });
      expect(report.body).toMatchObject({ status: "error", error_message: "connection to timescaledb lost" });
      const run = await call("GET", `/simulator/config/${sim}`);
      expect(run.body).toMatchObject({ status: "running", error: null });
      await mirror(new Date(Date.now() + 1000), { "meter.elec": 9 });
      expect((await call("GET", `/simulator/state/${sim}`)).body).toMatchObject({
        status: "error",
        error_message: "connection to timescaledb lost",
        totalizers: { electric_energy: 5 },
      });
      expect((await call("GET", `/simulator/config/${sim}`)).body).toMatchObject({
        status: "running",
        error: null,
      });
      expect((await call("DELETE", `/simulator/${sim}`)).status).toBeLessThan(300);
    });

    test("a member reads the report; only an org admin reports; another org's token sees no difference", async () => {
      const member = await t.app.request(`/simulator/state/${id}`, { headers: bearer(s.member.token) });
      expect(member.status).toBe(200);
      const posted = await t.app.request(`/simulator/state/${id}`, {
        method: "POST",
        headers: { ...bearer(s.member.token), "content-type": "application/json" },
        body: JSON.stringify({ status: "running" }),
      });
      expect(posted.status).toBe(403);
      const other = await seedOrg(t.deps, { key: "plan_other" });
      const foreign = await t.app.request(`/simulator/state/${id}`, {
        method: "POST",
        headers: { ...bearer(other.admin.token), "content-type": "application/json" },
        body: JSON.stringify({ status: "running" }),
      });
      const missing = await t.app.request("/simulator/state/999999", {
        method: "POST",
        headers: { ...bearer(other.admin.token), "content-type": "application/json" },
        body: JSON.stringify({ status: "running" }),
      });
      expect(foreign.status).toBe(403);
      expect(await foreign.json()).toEqual(await missing.json());
    });
  });
});
