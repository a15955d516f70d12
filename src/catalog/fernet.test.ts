import { describe, expect, test } from "bun:test";
import {
  FernetError,
  fernetDecrypt,
  fernetEncrypt,
  generateFernetKey,
  importFernetKey,
  isFernetKey,
} from "./fernet.ts";

// The vectors of https://github.com/fernet/spec (generate.json, verify.json, invalid.json).
const SECRET = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
const TOKEN =
  "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
const at = (iso: string) => Date.parse(iso);

const INVALID: Array<{ desc: string; token: string; now: string }> = [
  {
    desc: "incorrect mac",
    token:
      "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "too short",
    token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "invalid base64",
    token:
      "%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "payload size not multiple of block size",
    token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "payload padding error",
    token:
      "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "far-future TS (unacceptable clock skew)",
    token:
      "gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "expired TTL",
    token:
      "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
    now: "1985-10-26T01:21:31-07:00",
  },
  {
    desc: "incorrect IV (causes padding error)",
    token:
      "gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "trailing characters after b64 padding",
    token: `${TOKEN}trailingdata`,
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "invalid characters in b64",
    token:
      "*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
    now: "1985-10-26T01:20:01-07:00",
  },
  {
    desc: "invalid non-urlsafe characters in b64",
    token:
      "gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
    now: "1985-10-26T01:20:01-07:00",
  },
];

describe("fernet", () => {
  test("generate vector", async () => {
    const key = await importFernetKey(SECRET);
    const iv = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(await fernetEncrypt(key, "hello", { now: at("1985-10-26T01:20:00-07:00"), iv })).toBe(TOKEN);
  });

  test("verify vector", async () => {
    const key = await importFernetKey(SECRET);
    expect(await fernetDecrypt(key, TOKEN, { ttlSeconds: 60, now: at("1985-10-26T01:20:01-07:00") })).toBe(
      "hello",
    );
  });

  test.each(INVALID)("invalid vector: $desc", async ({ token, now }) => {
    const key = await importFernetKey(SECRET);
    await expect(fernetDecrypt(key, token, { ttlSeconds: 60, now: at(now) })).rejects.toBeInstanceOf(
      FernetError,
    );
  });

  test("round trip with a generated key; keys are checked", async () => {
    const k = generateFernetKey();
    expect(isFernetKey(k)).toBe(true);
    expect(isFernetKey("short")).toBe(false);
    await expect(importFernetKey("c2hvcnQ=")).rejects.toBeInstanceOf(FernetError);
    const key = await importFernetKey(k);
    const text = JSON.stringify({ url: "https://example.com", secret: "päss" });
    const token = await fernetEncrypt(key, text);
    expect(token.startsWith("gAAAAA")).toBe(true);
    expect(await fernetDecrypt(key, token)).toBe(text);
    const other = await importFernetKey(generateFernetKey());
    await expect(fernetDecrypt(other, token)).rejects.toBeInstanceOf(FernetError);
  });
});
