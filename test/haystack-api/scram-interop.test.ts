// SCRAM-SHA-256 login with an independent client: SkyFoundry's npm `@skyfoundry/haystack-auth`
// (its own SHA-256/PBKDF2 in plain JavaScript, Node's `http` module) against a real listening
// server. Right password accepted, wrong one and unknown user refused, the token it obtains then
// works (in the `bearer authToken=` form it sends), and after `close` it does not. 50 logins in a
// row never fail, and the tokens are hex (a client that cuts a handshakeToken at `-`/`_` copes).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";

interface AuthClientContext {
  login(onSuccess: (headers: Record<string, string>) => void, onFail: (msg: unknown) => void): void;
}
type AuthClientContextCtor = new (
  uri: string,
  user: string,
  pass: string,
  reject: boolean,
) => AuthClientContext;
// A CommonJS package without type declarations.
const { AuthClientContext: Ctx } = require("@skyfoundry/haystack-auth") as {
  AuthClientContext: AuthClientContextCtor;
};

/** Logs in; resolves to the Authorization header the package builds, or `{failed}`. */
function login(
  uri: string,
  user: string,
  pass: string,
): Promise<{ authorization: string } | { failed: string }> {
  return new Promise((resolve) => {
    new Ctx(uri, user, pass, true).login(
      (headers) => resolve({ authorization: headers.Authorization ?? "" }),
      (msg) => resolve({ failed: String(msg) }),
    );
  });
}

describe("SCRAM login with @skyfoundry/haystack-auth (postgres)", () => {
  let t: TestApp;
  let acme: SeededOrg;
  let server: ReturnType<typeof Bun.serve>;
  let base: string;

  beforeAll(async () => {
    t = await testApp("postgres");
    acme = await seedOrg(t.deps, { key: "acme", password: TEST_PASSWORD });
    await seedOrg(t.deps, { key: "other" });
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    base = `http://127.0.0.1:${server.port}/api/acme`;
  });

  afterAll(async () => {
    await server?.stop(true);
  });

  const about = (authorization: string, org = "acme") =>
    fetch(`http://127.0.0.1:${server.port}/api/${org}/about`, { headers: { authorization } });

  test("wrong password and unknown user are refused", async () => {
    // Both get through HELLO and the first SCRAM message and are refused at the proof.
    for (const [user, pass] of [
      [acme.member.email, "wrong password!"],
      ["ghost@nowhere.test", TEST_PASSWORD],
    ] as const) {
      const r = await login(base, user, pass);
      expect(r).toHaveProperty("failed");
      expect("failed" in r && r.failed).not.toContain("Hello failed");
    }
  });

  test("right password: the token works, and not after close", async () => {
    const r = await login(base, acme.admin.email, TEST_PASSWORD);
    if (!("authorization" in r)) throw new Error(`login failed: ${r.failed}`);
    expect(r.authorization).toMatch(/^bearer authToken=\S+$/);

    const ok = await about(r.authorization);
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).toContain(acme.admin.email);
    expect(text).toContain("haystackVersion");
    expect((await about(r.authorization, "other")).status).toBe(403);

    const close = await fetch(`${base}/close`, {
      method: "POST",
      headers: { authorization: r.authorization },
    });
    expect(close.status).toBe(200);
    await close.text();
    const after = await about(r.authorization);
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toContain("SCRAM");
  });

  test("50 logins in a row: every one succeeds, with hex tokens", async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const r = await login(base, acme.member.email, TEST_PASSWORD);
      if (!("authorization" in r)) throw new Error(`login ${i + 1} failed: ${r.failed}`);
      const token = /^bearer authToken=([0-9a-f]{64})$/.exec(r.authorization)?.[1];
      expect(token).toBeDefined();
      tokens.add(token ?? "");
    }
    expect(tokens.size).toBe(50);
    const [last] = [...tokens].slice(-1);
    expect((await about(`bearer authToken=${last}`)).status).toBe(200);
  });

  test("the handshakeToken of every challenge is hex", async () => {
    for (let i = 0; i < 20; i++) {
      const hello = await fetch(`${base}/about`, {
        headers: { authorization: `HELLO username=${Buffer.from(acme.member.email).toString("base64url")}` },
      });
      await hello.text();
      expect(hello.status).toBe(401);
      expect(hello.headers.get("www-authenticate")).toMatch(
        /^SCRAM handshakeToken=[0-9a-f]{64}, hash=SHA-256$/,
      );
    }
  });
});
