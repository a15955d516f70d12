import { describe, expect, test } from "bun:test";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import {
  deriveScramCredentials,
  fromBase64Uri,
  parseClientFirst,
  ScramError,
  serverFirst,
  toBase64Uri,
  verifyClientFinal,
} from "./scram.ts";

// RFC 7677 §3: user "user", password "pencil".
const V = {
  clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
  serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
  serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinal:
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};
const creds = deriveScramCredentials("pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"), 4096);

describe("SCRAM-SHA-256 server (RFC 7677 test vector)", () => {
  test("server-first-message and server-final-message match the RFC", () => {
    const first = parseClientFirst(V.clientFirst);
    expect(first).toEqual({
      username: "user",
      clientNonce: "rOprNGfwEbeRWgbNEkqO",
      bare: "n=user,r=rOprNGfwEbeRWgbNEkqO",
    });
    const state = serverFirst(first, creds, V.serverNonce);
    expect(state.serverFirst).toBe(V.serverFirst);
    expect(verifyClientFinal(state, V.clientFinal, creds)).toBe(V.serverFinal);
  });

  test.each([
    ["wrong proof", V.clientFinal.replace("p=dHzb", "p=eHzb"), "invalid proof"],
    ["wrong nonce", V.clientFinal.replace("k0,p=", "k1,p="), "nonce mismatch"],
    ["channel binding", V.clientFinal.replace("c=biws", "c=eSws"), "channel binding"],
    ["no proof", "c=biws,r=x", "needs p="],
  ])("client-final refused: %s", (_name, msg, error) => {
    const state = serverFirst(parseClientFirst(V.clientFirst), creds, V.serverNonce);
    expect(() => verifyClientFinal(state, msg, creds)).toThrow(error);
  });

  test.each([
    ["y,,n=user,r=abc", "channel binding"],
    ["n,,n=user", "needs n= and r="],
    ["n,,n=us=er,r=abc", "user name"],
    ["n,,garbage", "malformed"],
  ])("client-first refused: %s", (msg, error) => {
    expect(() => parseClientFirst(msg)).toThrow(ScramError);
    expect(() => parseClientFirst(msg)).toThrow(error);
  });

  test("saslname escapes decode", () => {
    expect(parseClientFirst("n,,n=a=2Cb=3Dc,r=x").username).toBe("a,b=c");
  });

  test("a password change gives a different proof (wrong password refused)", () => {
    const state = serverFirst(parseClientFirst(V.clientFirst), creds, V.serverNonce);
    // A client computing its proof from "pencil2" with the same salt and nonces.
    const salted = pbkdf2Sync("pencil2", creds.salt, 4096, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const stored = createHash("sha256").update(clientKey).digest();
    const without = `c=biws,r=${state.nonce}`;
    const sig = createHmac("sha256", stored)
      .update(`${state.clientFirstBare},${state.serverFirst},${without}`)
      .digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!)).toString("base64");
    expect(() => verifyClientFinal(state, `${without},p=${proof}`, creds)).toThrow("invalid proof");
  });

  test("base64uri round trip, padded and unpadded", () => {
    expect(toBase64Uri("user@example.com?")).toBe("dXNlckBleGFtcGxlLmNvbT8");
    expect(fromBase64Uri("dXNlckBleGFtcGxlLmNvbT8")).toBe("user@example.com?");
    expect(fromBase64Uri("dXNlckBleGFtcGxlLmNvbT8=")).toBe("user@example.com?");
    expect(() => fromBase64Uri("a b")).toThrow(ScramError);
  });
});
