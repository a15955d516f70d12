// The `user` and `token` subcommands, run as an operator would, against a PostgreSQL database;
// and the clear refusal on an embedded directory held by a running server.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { login } from "../../src/access/sessions.ts";
import { openDatabase } from "../../src/db/index.ts";
import { lockDirectory } from "../../src/db/lock.ts";
import { testApp } from "../harness/app.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { newPostgresUrl } from "../harness/db.ts";
import { runCli } from "../harness/proc.ts";

/** The CLI from source, logging warnings only; `stdin`, when given, is its standard input. */
const cli = (args: string[], env: Record<string, string>, stdin?: string) =>
  runCli(args, { LOG_LEVEL: "warn", ...env }, { stdin });

describe("CLI user and token", () => {
  test("create users and tokens, list, revoke, set passwords, disable", async () => {
    const url = await newPostgresUrl();
    const db = await openDatabase({ key: "primary", url });
    const dbs = {
      primary: db,
      secondaries: [],
      state: db,
      stateIsPrimary: true,
      all: () => [db],
      close: () => db.close(),
    };
    const { app, deps } = await testApp("postgres", { dbs });
    try {
      await seedOrg(deps, { key: "plant" });
      const env = { DATABASE_URL: url };

      const created = await cli(
        ["user", "create", "ops@plant.test", "--org", "plant", "--role", "admin", "--password-stdin"],
        env,
        "ops-password-1\n",
      );
      expect(created).toMatchObject({ code: 0, stderr: "" });
      expect(created.stdout).toMatch(/^created user \d+ ops@plant\.test \(admin of plant\)\n$/);
      expect(
        (await login({ deps, email: "ops@plant.test", password: "ops-password-1" })).mustChangePassword,
      ).toBe(false);

      const generated = await cli(["user", "create", "new@plant.test", "--org", "plant"], env);
      expect(generated.code).toBe(0);
      const pw =
        /one-time password \(must be changed at first sign-in\): (\S+)/.exec(generated.stdout)?.[1] ?? "";
      expect((await login({ deps, email: "new@plant.test", password: pw })).mustChangePassword).toBe(true);

      const tok = await cli(
        [
          "token",
          "create",
          "--org",
          "plant",
          "--user",
          "ops@plant.test",
          "--name",
          "poller 1",
          "--role",
          "admin",
        ],
        env,
      );
      expect(tok.code).toBe(0);
      const secret = /token \(shown once\): (hst_\S+)/.exec(tok.stdout)?.[1] ?? "";
      expect(secret).toMatch(/^hst_[A-Za-z0-9_-]{43}$/);
      expect((await app.request("/user/org", { headers: bearer(secret) })).status).toBe(200);

      const list = await cli(["token", "list", "--org", "plant"], env);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain("poller 1");
      expect(list.stdout).not.toContain(secret);
      const id = /\n(\d+)\t/.exec(list.stdout)?.[1];

      expect((await cli(["token", "revoke", String(id)], env)).code).toBe(0);
      expect((await app.request("/user/org", { headers: bearer(secret) })).status).toBe(401);

      expect(
        (await cli(["user", "set-password", "ops@plant.test", "--password-stdin"], env, "ops-password-2\n"))
          .code,
      ).toBe(0);
      await expect(
        login({ deps, email: "ops@plant.test", password: "ops-password-1" }),
      ).rejects.toMatchObject({ code: "unauthorized" });
      const s = await login({ deps, email: "ops@plant.test", password: "ops-password-2" });
      expect((await cli(["user", "disable", "ops@plant.test"], env)).code).toBe(0);
      await expect(
        login({ deps, email: "ops@plant.test", password: "ops-password-2" }),
      ).rejects.toMatchObject({ code: "unauthorized" });
      expect((await app.request("/user/org", { headers: { cookie: `hs_session=${s.cookie}` } })).status).toBe(
        401,
      );

      const bad = await cli(
        ["token", "create", "--org", "nope", "--user", "new@plant.test", "--name", "x"],
        env,
      );
      expect(bad).toMatchObject({ code: 1, stdout: "" });
      expect(bad.stderr).toContain("no org with key nope");
      expect((await cli(["user", "frobnicate"], env)).code).toBe(2);
      expect(
        (await cli(["user", "create", "short@plant.test", "--password-stdin"], env, "short\n")).stderr,
      ).toContain("at least 8");
    } finally {
      await db.close();
    }
  });

  test("an embedded directory held by a running server is refused with a clear message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hs-cli-"));
    const lock = lockDirectory(join(dir, "primary"));
    try {
      const r = await cli(["user", "disable", "a@b.test"], { DATA_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("is in use by another haystack-sim process");
    } finally {
      lock.release();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
