// A tiny Haystack client for tests: Zinc/JSON requests to `/api/{org}/{op}` through `app.request`,
// and an independent SCRAM-SHA-256 client (HELLO → SCRAM → BEARER) written from RFC 5802.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { type Grid, readJsonGrid, readZincGrid, writeZincGrid } from "../../src/haystack/index.ts";

type App = { request(path: string, init?: RequestInit): Response | Promise<Response> };

export interface HsResponse {
  status: number;
  headers: Headers;
  text: string;
  grid: Grid | null;
}

/** Calls an op: GET with `query`, or POST with a Zinc (or raw) body. Parses the grid when 200. */
export async function callOp(
  app: App,
  org: string,
  op: string,
  opts: {
    auth?: string;
    method?: string;
    body?: Grid | string;
    query?: Record<string, string>;
    accept?: string;
    contentType?: string;
  } = {},
): Promise<HsResponse> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers.authorization = opts.auth;
  if (opts.accept) headers.accept = opts.accept;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : writeZincGrid(opts.body);
    headers["content-type"] = opts.contentType ?? "text/zinc; charset=utf-8";
  }
  const qs = opts.query ? `?${new URLSearchParams(opts.query)}` : "";
  const res = await app.request(`/api/${org}/${op}${qs}`, {
    method: opts.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await res.text();
  let grid: Grid | null = null;
  if (res.status === 200 && text) {
    grid = (res.headers.get("content-type") ?? "").includes("json") ? readJsonGrid(text) : readZincGrid(text);
  }
  return { status: res.status, headers: res.headers, text, grid };
}

const b64uri = (s: string) => Buffer.from(s, "utf8").toString("base64url");
const unb64uri = (s: string) => Buffer.from(s, "base64url").toString("utf8");

function params(header: string): Map<string, string> {
  const out = new Map<string, string>();
  const rest = header.slice(header.indexOf(" ") + 1);
  for (const part of rest.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Logs in with the Haystack HELLO/SCRAM exchange. Returns the auth token, or the status of the
 * step that failed. Verifies the server signature.
 */
export async function scramLogin(
  app: App,
  org: string,
  user: string,
  password: string,
): Promise<{ token: string } | { failedStatus: number }> {
  const hello = await callOp(app, org, "about", { auth: `HELLO username=${b64uri(user)}` });
  if (hello.status !== 401) return { failedStatus: hello.status };
  const hs = params(hello.headers.get("www-authenticate") ?? "");
  const handshakeToken = hs.get("handshaketoken")!;
  const clientNonce = randomBytes(18).toString("base64");
  const bare = `n=${user.replaceAll("=", "=3D").replaceAll(",", "=2C")},r=${clientNonce}`;
  const first = await callOp(app, org, "about", {
    auth: `SCRAM handshakeToken=${handshakeToken}, data=${b64uri(`n,,${bare}`)}`,
  });
  if (first.status !== 401) return { failedStatus: first.status };
  const serverFirst = unb64uri(params(first.headers.get("www-authenticate") ?? "").get("data")!);
  const a = new Map(serverFirst.split(",").map((p) => [p[0]!, p.slice(2)] as const));
  const nonce = a.get("r")!;
  if (!nonce.startsWith(clientNonce)) throw new Error("server nonce does not extend ours");
  const salted = pbkdf2Sync(password, Buffer.from(a.get("s")!, "base64"), Number(a.get("i")), 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const signature = createHmac("sha256", storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString("base64");
  const final = await callOp(app, org, "about", {
    auth: `SCRAM handshakeToken=${handshakeToken}, data=${b64uri(`${withoutProof},p=${proof}`)}`,
  });
  if (final.status !== 200) return { failedStatus: final.status };
  const info = params(`x ${final.headers.get("authentication-info") ?? ""}`);
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const expected = `v=${createHmac("sha256", serverKey).update(authMessage).digest("base64")}`;
  if (unb64uri(info.get("data") ?? "") !== expected) throw new Error("server signature does not verify");
  return { token: info.get("authtoken")! };
}
