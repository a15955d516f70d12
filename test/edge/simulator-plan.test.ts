// The plan's `/simulator/*` shapes, as CONTRACT.md lists them (the `/simulator` rows): a client
// written from the plan sends `simulator_name`, `building_config` (JSON or YAML text, or an object),
// `database_config?`, `interval_minutes`, `status`, and reads back `id, simulator_id, created_at,
// updated_at`; state answers `{id, simulator_id, service_name, last_run_timestamp, totalizers,
// status, config, error_message, created_at, updated_at}`, health `{simulator_id, name, status,
// last_run, config_status, healthy}`, activity entries `{id, simulator_id, timestamp, event_type,
// message, details}`. Nothing it sends is silently dropped.
import { beforeAll, describe, expect, test } from "bun:test";
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
});
