import { describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { keepMaskedSecrets, maskDatabaseConfig, maskInText, parseDatabaseConfig } from "./database-config.ts";

describe("database_config secrets", () => {
  test.each([
    ["postgres://u:pw@h:5432/db", "postgres://u:********@h:5432/db"],
    ["postgresql://u:p@ss/w@rd@h/db?sslmode=require", "postgresql://u:********@h/db?sslmode=require"],
    ["postgres://u@h/db", "postgres://u@h/db"],
    ["postgres://h/db?user=u&password=pw&x=1", "postgres://h/db?user=u&password=********&x=1"],
    ["host=h password=pw user=u", "host=h password=******** user=u"],
    ["host=h password = 'a \\' b' user=u", "host=h password = ******** user=u"],
    ["no secret here: a:b@c", "no secret here: a:b@c"],
  ])("%s is answered as %s", (given, answered) => {
    expect(maskInText(given)).toBe(answered);
  });

  test("values of secret keys are masked at any depth, in lists too; other values stay", () => {
    expect(
      maskDatabaseConfig({
        db: { password: "x", port: 5432, passwd: 1, PWD: "y", empty_password: "" },
        replicas: [{ api_key: "k", host: "r" }],
        client_secret: "s",
        token: null,
      }),
    ).toEqual({
      db: { password: "********", port: 5432, passwd: "********", PWD: "********", empty_password: "" },
      replicas: [{ api_key: "********", host: "r" }],
      client_secret: "********",
      token: null,
    });
  });

  test("a masked value sent back keeps the stored secret; a new value replaces it", () => {
    const stored = { db: { password: "old", url: "postgres://u:pw@h/db" }, hosts: ["a"] };
    expect(
      keepMaskedSecrets(
        { db: { password: "********", url: "postgres://u:********@h/db" }, hosts: ["b"] },
        stored,
      ),
    ).toEqual({ db: { password: "old", url: "postgres://u:pw@h/db" }, hosts: ["b"] });
    expect(keepMaskedSecrets({ db: { password: "new" } }, stored)).toEqual({ db: { password: "new" } });
  });

  test("text is parsed as JSON or YAML; too deep or no mapping is a 422 at body.database_config", () => {
    expect(parseDatabaseConfig("a: 1\n")).toEqual({ a: 1 });
    expect(parseDatabaseConfig("  ")).toBeNull();
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { d: deep };
    for (const bad of [deep, [1], "- a\n", 3]) {
      try {
        parseDatabaseConfig(bad);
        throw new Error("accepted");
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).detail).toMatchObject([{ loc: ["body", "database_config"] }]);
      }
    }
  });
});
