/**
 * The server side of SCRAM-SHA-256 (RFC 5802 with SHA-256, RFC 7677) as the Haystack Auth spec
 * uses it, without channel binding (`n,,` only). Pure: no storage, no clock; nonces come in as
 * arguments so RFC 7677's test vector can be replayed exactly.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";

/** What the server keeps per user (never the password). */
export interface ScramCredentials {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

/** A malformed or failed SCRAM exchange; `message` is safe to show. */
export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScramError";
  }
}

const hmac = (key: Uint8Array, text: string | Uint8Array): Buffer =>
  createHmac("sha256", key).update(text).digest();
const sha256 = (b: Uint8Array): Buffer => createHash("sha256").update(b).digest();

/** SaltedPassword, StoredKey and ServerKey of a password (RFC 5802 §3). */
export function deriveScramCredentials(
  password: string,
  salt: Uint8Array,
  iterations: number,
): ScramCredentials {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = hmac(salted, "Client Key");
  return {
    salt,
    iterations,
    storedKey: sha256(clientKey),
    serverKey: hmac(salted, "Server Key"),
  };
}

function attrs(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new ScramError(`malformed SCRAM attribute '${part}'`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

/** Decodes a SCRAM `saslname` (`=2C` → `,`, `=3D` → `=`). */
function saslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError("malformed SCRAM user name");
  return s.replaceAll("=2C", ",").replaceAll("=3D", "=");
}

export interface ClientFirst {
  readonly username: string;
  readonly clientNonce: string;
  /** The message without its GS2 header (part of the AuthMessage). */
  readonly bare: string;
}

/** Parses a client-first-message (`n,,n=user,r=nonce`). @throws ScramError */
export function parseClientFirst(msg: string): ClientFirst {
  if (!msg.startsWith("n,,")) throw new ScramError("channel binding is not supported (expected 'n,,')");
  const bare = msg.slice(3);
  const a = attrs(bare);
  const n = a.get("n");
  const r = a.get("r");
  if (n === undefined || !r) throw new ScramError("client-first-message needs n= and r=");
  if (a.has("m")) throw new ScramError("SCRAM extensions are not supported");
  return { username: saslName(n), clientNonce: r, bare };
}

/** State the server keeps between server-first and client-final. */
export interface ScramState {
  readonly clientFirstBare: string;
  readonly serverFirst: string;
  readonly nonce: string;
}

/** The server-first-message (`r=…,s=…,i=…`) answering `first`, with `serverNonce` appended. */
export function serverFirst(first: ClientFirst, creds: ScramCredentials, serverNonce: string): ScramState {
  const nonce = first.clientNonce + serverNonce;
  const msg = `r=${nonce},s=${Buffer.from(creds.salt).toString("base64")},i=${creds.iterations}`;
  return { clientFirstBare: first.bare, serverFirst: msg, nonce };
}

/**
 * Checks a client-final-message (`c=biws,r=…,p=…`) against the credentials. Returns the
 * server-final-message (`v=…`) when the proof is right.
 * @throws ScramError when malformed, the nonce differs, or the proof is wrong.
 */
export function verifyClientFinal(state: ScramState, clientFinal: string, creds: ScramCredentials): string {
  const pIdx = clientFinal.lastIndexOf(",p=");
  if (pIdx < 0) throw new ScramError("client-final-message needs p=");
  const withoutProof = clientFinal.slice(0, pIdx);
  const a = attrs(clientFinal);
  if (a.get("c") !== "biws") throw new ScramError("channel binding is not supported (expected c=biws)");
  if (a.get("r") !== state.nonce) throw new ScramError("nonce mismatch");
  const proof = Buffer.from(a.get("p") ?? "", "base64");
  const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
  const clientSignature = hmac(creds.storedKey, authMessage);
  if (proof.length !== clientSignature.length) throw new ScramError("invalid proof");
  const clientKey = Buffer.alloc(proof.length);
  for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
  const stored = Buffer.from(creds.storedKey);
  if (!timingSafeEqual(sha256(clientKey), stored)) throw new ScramError("invalid proof");
  return `v=${hmac(creds.serverKey, authMessage).toString("base64")}`;
}

/** base64url without padding (the Haystack Auth spec's `base64uri`). */
export function toBase64Uri(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** Decodes base64url or standard base64, padded or not. @throws ScramError */
export function fromBase64Uri(data: string): string {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data)) throw new ScramError("malformed base64");
  return Buffer.from(data.replaceAll("-", "+").replaceAll("_", "/"), "base64").toString("utf8");
}
