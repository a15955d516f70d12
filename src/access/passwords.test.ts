import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import {
  checkPasswordPolicy,
  generatePassword,
  hashPassword,
  scramCredentials,
  verifyPassword,
} from "./passwords.ts";

const hmac = (key: Buffer, s: string) => createHmac("sha256", key).update(s).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((x, i) => x ^ b[i]!));

describe("SCRAM-SHA-256 credentials", () => {
  // RFC 7677 section 3: user "user", password "pencil", salt and iteration count as below.
  const authMessage =
    "n=user,r=rOprNGfwEbeRWgbNEkqO," +
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096," +
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

  test("match the RFC 7677 example: the client proof verifies and the server signature is the RFC's", async () => {
    const c = await scramCredentials("pencil", 4096, Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"));
    expect(c.salt).toBe("W22ZaJ0SNY7soEsUEjb6gQ==");
    expect(c.iterations).toBe(4096);
    const storedKey = Buffer.from(c.storedKey, "base64");
    const serverKey = Buffer.from(c.serverKey, "base64");
    // The server checks the client's proof: H(ClientProof XOR HMAC(StoredKey, AuthMessage)) == StoredKey.
    const clientProof = Buffer.from("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "base64");
    const clientKey = xor(clientProof, hmac(storedKey, authMessage));
    expect(createHash("sha256").update(clientKey).digest().equals(storedKey)).toBe(true);
    expect(hmac(serverKey, authMessage).toString("base64")).toBe(
      "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    );
  });

  test("new credentials use a fresh 16-byte salt and at least 4096 iterations", async () => {
    const [a, b] = await Promise.all([scramCredentials("same password"), scramCredentials("same password")]);
    expect(Buffer.from(a.salt, "base64")).toHaveLength(16);
    expect(a.salt).not.toBe(b.salt);
    expect(a.storedKey).not.toBe(b.storedKey);
    expect(a.iterations).toBeGreaterThanOrEqual(4096);
  });
});

describe("passwords", () => {
  test("argon2id hashes verify only the right password", async () => {
    const h = await hashPassword("correct horse");
    expect(h).toStartWith("$argon2id$");
    expect(await verifyPassword("correct horse", h)).toBe(true);
    expect(await verifyPassword("correct horsf", h)).toBe(false);
    expect(await verifyPassword("x", "not a hash")).toBe(false);
  });

  test("policy and generated passwords", () => {
    expect(() => checkPasswordPolicy("short")).toThrow("at least 8");
    expect(() => checkPasswordPolicy("x".repeat(257))).toThrow("at most 256");
    const p = generatePassword();
    expect(p).toMatch(/^[A-Za-z2-9]{20}$/);
    expect(generatePassword()).not.toBe(p);
  });
});
