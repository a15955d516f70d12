/**
 * Fernet symmetric tokens (https://github.com/fernet/spec), with WebCrypto: version byte 0x80, a
 * big-endian 64-bit timestamp (seconds), a 128-bit IV, AES-128-CBC with PKCS#7 padding of the
 * plaintext, and an HMAC-SHA256 over all of that; the whole token in url-safe base64 with padding.
 * The key is 32 bytes in url-safe base64: the first 16 sign, the last 16 encrypt. Tokens made here
 * are read by the original pollers' Python `cryptography.fernet`, and theirs here.
 */

const VERSION = 0x80;
/** Tokens stamped more than this many seconds in the future are refused (the spec's clock skew). */
const MAX_CLOCK_SKEW = 60;
const URLSAFE_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

export class FernetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FernetError";
  }
}

function b64decode(s: string): Uint8Array {
  if (!URLSAFE_B64.test(s) || s.length % 4 !== 0) throw new FernetError("token is not url-safe base64");
  return new Uint8Array(Buffer.from(s, "base64url"));
}

const b64encode = (b: Uint8Array): string =>
  Buffer.from(b).toString("base64").replaceAll("+", "-").replaceAll("/", "_");

/** A new random key, as url-safe base64 (what `Fernet.generate_key()` gives). */
export function generateFernetKey(): string {
  return b64encode(crypto.getRandomValues(new Uint8Array(32)));
}

/** True when `key` is 32 bytes in url-safe base64. */
export function isFernetKey(key: string): boolean {
  try {
    return b64decode(key.trim()).length === 32;
  } catch {
    return false;
  }
}

export interface FernetKey {
  readonly sign: CryptoKey;
  readonly encrypt: CryptoKey;
}

/**
 * Imports a url-safe base64 key of 32 bytes.
 * @throws FernetError when it is not one.
 */
export async function importFernetKey(key: string): Promise<FernetKey> {
  const raw = b64decode(key.trim());
  if (raw.length !== 32) throw new FernetError("a Fernet key is 32 bytes of url-safe base64");
  const [sign, encrypt] = await Promise.all([
    crypto.subtle.importKey("raw", raw.slice(0, 16), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]),
    crypto.subtle.importKey("raw", raw.slice(16), { name: "AES-CBC" }, false, ["encrypt", "decrypt"]),
  ]);
  return { sign, encrypt };
}

/**
 * Encrypts `plaintext` (UTF-8 text or bytes) into a token. `now` (ms) and `iv` are for tests;
 * by default the current time and a random IV.
 */
export async function fernetEncrypt(
  key: FernetKey,
  plaintext: string | Uint8Array,
  opts: { now?: number; iv?: Uint8Array } = {},
): Promise<string> {
  const data = typeof plaintext === "string" ? new TextEncoder().encode(plaintext) : plaintext;
  const iv = opts.iv ?? crypto.getRandomValues(new Uint8Array(16));
  if (iv.length !== 16) throw new FernetError("the IV is 16 bytes");
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-CBC", iv: new Uint8Array(iv) },
      key.encrypt,
      new Uint8Array(data),
    ),
  );
  const head = new Uint8Array(1 + 8 + 16 + ciphertext.length);
  const view = new DataView(head.buffer);
  head[0] = VERSION;
  view.setBigUint64(1, BigInt(Math.floor((opts.now ?? Date.now()) / 1000)));
  head.set(iv, 9);
  head.set(ciphertext, 25);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key.sign, head));
  const token = new Uint8Array(head.length + 32);
  token.set(head);
  token.set(mac, head.length);
  return b64encode(token);
}

/**
 * Decrypts a token to its bytes. With `ttlSeconds`, tokens older than that are refused.
 * @throws FernetError for a malformed, forged, expired or future-dated token.
 */
export async function fernetDecryptBytes(
  key: FernetKey,
  token: string,
  opts: { ttlSeconds?: number; now?: number } = {},
): Promise<Uint8Array> {
  const raw = b64decode(token);
  if (raw.length < 1 + 8 + 16 + 16 + 32 || raw[0] !== VERSION) throw new FernetError("invalid token");
  const head = raw.slice(0, raw.length - 32);
  const mac = raw.slice(raw.length - 32);
  if (!(await crypto.subtle.verify("HMAC", key.sign, mac, head)))
    throw new FernetError("invalid token signature");
  const ts = Number(new DataView(raw.buffer, raw.byteOffset + 1, 8).getBigUint64(0));
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (ts > now + MAX_CLOCK_SKEW) throw new FernetError("token timestamp is in the future");
  if (opts.ttlSeconds !== undefined && ts + opts.ttlSeconds < now) throw new FernetError("token expired");
  const ciphertext = raw.slice(25, raw.length - 32);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new FernetError("invalid token");
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-CBC", iv: raw.slice(9, 25) }, key.encrypt, ciphertext),
    );
  } catch {
    throw new FernetError("invalid token padding");
  }
}

/** Decrypts a token to UTF-8 text. @throws FernetError as `fernetDecryptBytes`. */
export async function fernetDecrypt(
  key: FernetKey,
  token: string,
  opts: { ttlSeconds?: number; now?: number } = {},
): Promise<string> {
  return new TextDecoder("utf-8", { fatal: false }).decode(await fernetDecryptBytes(key, token, opts));
}
