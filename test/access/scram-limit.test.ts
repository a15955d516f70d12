// Login limits cover SCRAM (issue 11): an address that /authorize/token already answers 429 gets
// 429 from the Haystack SCRAM exchange at /api/{org}/… too, for any account, before any proof is
// checked (CONTRACT.md: 10 login attempts per minute per account and per client address).
import { expect, test } from "bun:test";
import { testApp } from "../harness/app.ts";
import { seedOrg, TEST_PASSWORD } from "../harness/auth.ts";

const b64uri = (s: string) => Buffer.from(s).toString("base64url");

test("SCRAM HELLO is refused for an address over the password-login limit", async () => {
  const { app, deps } = await testApp("pglite");
  const s = await seedOrg(deps, { key: "scramlim", password: TEST_PASSWORD });
  // Before: the exchange starts (a 401 challenge with a handshake token).
  const hello = () =>
    app.request(`/api/${s.org.key}/about`, {
      headers: { authorization: `HELLO username=${b64uri(s.member.email)}` },
    });
  const first = await hello();
  expect(first.status).toBe(401);
  expect(first.headers.get("www-authenticate")).toContain("handshakeToken=");

  // Ten wrong passwords for another account from this (the same test) address.
  const basic = `Basic ${Buffer.from(`${s.admin.email}:wrong password`).toString("base64")}`;
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++)
    statuses.push(
      (await app.request("/authorize/token", { method: "POST", headers: { authorization: basic } })).status,
    );
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses[10]).toBe(429);

  // The address is limited: SCRAM for the member (a different account) is refused too.
  expect((await hello()).status).toBe(429);
});
