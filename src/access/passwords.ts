// Password material: argon2id hashes (Bun.password, async) for logins, and SCRAM-SHA-256
// credentials (RFC 5802 / RFC 7677) stored alongside so Haystack clients can authenticate without
// the server ever keeping the password. Nothing here touches a database.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { AppError } from "../errors.ts";

const pbkdf2Async = promisify(pbkdf2);

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;
/** PBKDF2 iterations for new SCRAM credentials (RFC 7677 asks for at least 4096). */
export const SCRAM_ITERATIONS = 10_000;

export interface ScramCredentials {
  /** base64 */
  readonly salt: string;
  readonly iterations: number;
  /** base64 of H(ClientKey) */
  readonly storedKey: string;
  /** base64 of HMAC(SaltedPassword, "Server Key") */
  readonly serverKey: string;
}

/** @throws AppError invalid when the password is too short or too long. */
export function checkPasswordPolicy(password: string): void {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH)
    throw new AppError("invalid", `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new AppError("invalid", `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** argon2id hash in PHC string form. */
export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    return false;
  }
}

// A hash of a random password: verifying against it costs the same as a real one, so an unknown
// email answers no faster than a wrong password.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString("base64"));
  return dummyHash;
}

/** The SCRAM "Hi" function: PBKDF2-HMAC-SHA-256 over the (NFKC-normalised) password. */
export async function saltedPassword(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(password.normalize("NFKC"), "utf8"), salt, iterations, 32, "sha256");
}

export async function scramCredentials(
  password: string,
  iterations = SCRAM_ITERATIONS,
  salt: Buffer = randomBytes(16),
): Promise<ScramCredentials> {
  const salted = await saltedPassword(password, salt, iterations);
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return {
    salt: salt.toString("base64"),
    iterations,
    storedKey: storedKey.toString("base64"),
    serverKey: serverKey.toString("base64"),
  };
}

/** A random password for first start and new users: 20 characters, about 119 bits. */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = randomBytes(20);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
