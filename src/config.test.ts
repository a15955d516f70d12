import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  test("defaults make a local run work with nothing set", () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe("0.0.0.0");
    expect(c.primary).toEqual({ key: "primary", url: "pglite://./data/primary" });
    // One embedded engine holds the building and the state tables; ./data/state is the old layout's.
    expect(c.state).toEqual({
      key: "state",
      url: "pglite://./data/primary",
      sameAsPrimary: true,
      formerDir: "./data/state",
    });
    expect(c.secondaries).toEqual([]);
    expect(c.logLevel).toBe("info");
    expect(c.bodyLimitBytes).toBe(32 * 1024 * 1024);
    expect(Object.isFrozen(c)).toBe(true);
  });

  test("DATA_DIR moves the embedded databases", () => {
    const c = loadConfig({ DATA_DIR: "/var/lib/hs/" });
    expect(c.primary.url).toBe("pglite:///var/lib/hs/primary");
    expect(c.state.url).toBe("pglite:///var/lib/hs/primary");
    expect(c.state.formerDir).toBe("/var/lib/hs/state");
  });

  test("STATE_DB_URL keeps an embedded state database in its own directory", () => {
    const c = loadConfig({ STATE_DB_URL: "pglite://./data/state" });
    expect(c.state).toEqual({ key: "state", url: "pglite://./data/state", sameAsPrimary: false });
  });

  test("a server primary is also the state database unless STATE_DB_URL is set", () => {
    const c = loadConfig({ DATABASE_URL: "postgres://u@db:5432/x" });
    expect(c.state).toEqual({ key: "state", url: "postgres://u@db:5432/x", sameAsPrimary: true });
    expect(c.state.formerDir).toBeUndefined();
    const d = loadConfig({ DATABASE_URL: "postgres://u@db/x", STATE_DB_URL: "postgres://u@db/s" });
    expect(d.state.sameAsPrimary).toBe(false);
  });

  test("secondaries: plain and keyed", () => {
    const c = loadConfig({ SECONDARY_DATABASE_URLS: "postgres://a/x, replica=postgres://b/y" });
    expect(c.secondaries).toEqual([
      { key: "secondary1", url: "postgres://a/x" },
      { key: "replica", url: "postgres://b/y" },
    ]);
  });

  test("empty strings count as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" }).port).toBe(8080);
  });

  test("every bad key is named at once", () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: "http",
        LOG_LEVEL: "loud",
        DATABASE_URL: "mysql://x",
        SECONDARY_DATABASE_URLS: "nope",
        AUTH_SECRET: "short",
        DEMO: "maybe",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).message;
    for (const key of ["PORT", "LOG_LEVEL", "DATABASE_URL", "SECONDARY_DATABASE_URLS", "AUTH_SECRET", "DEMO"])
      expect(text).toContain(key);
    expect((err as ConfigError).problems.length).toBe(6);
  });

  test.each([
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["HOST", " "],
    ["STATE_DB_URL", "file:///tmp"],
    ["ADMIN_EMAIL", "not-an-email"],
    ["SECONDARY_DATABASE_URLS", "primary=postgres://a/b"],
  ])("%s=%p is rejected", (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(key);
  });
});
