// The HTTP edge of the Haystack API, `/api/{org key}/{op}`: its own authentication (the Haystack
// HELLO/SCRAM exchange; `Bearer`/`BEARER authToken=` with a SCRAM auth token, an API token or an
// access JWT; 401 challenges per the Haystack Auth spec), so app.ts mounts it before the app's
// auth middleware. Then the spec's status
// codes (401, 403, 404 unknown op, 405 GET of an op with side effects, 406 Accept, 415 request
// type, 400 malformed request grid), then the op. Failures after the request grid was read are
// answered 200 with an error grid. `read` and `hisRead` are streamed (chunked, encoded as they are
// sent): a failure after their first bytes aborts the response instead (see replyStream).
import { type Context, Hono } from "hono";
import type { Actor } from "../access/actor.ts";
import { actorForBearer } from "../access/sessions.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError, STATUS_OF } from "../errors.ts";
import { Grid } from "../haystack/index.ts";
import { clientIp, HAYSTACK_PREFIX } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import type { ErrorAnswer } from "../http/errors.ts";
import { isConnectionError } from "../ingest/write.ts";
import { type AuthHeader, actorForAuthToken, helloHandshake, parseAuthHeader, scramStep } from "./auth.ts";
import { opByName, runOp } from "./ops.ts";
import { resolveOrg } from "./records.ts";
import {
  encodeGrid,
  errorGrid,
  type GridStream,
  gridFromQuery,
  MEDIA_TYPES,
  type Negotiated,
  negotiate,
  RequestGridError,
  readRequestGrid,
  requestFormat,
  ZINC,
} from "./wire.ts";

/** The challenge sent with every 401: Haystack clients start with HELLO, then SCRAM. */
const CHALLENGE = "SCRAM hash=SHA-256";

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

function reply(to: Negotiated, grid: Grid, headers: Record<string, string> = {}): Response {
  return new Response(encodeGrid(to.format, grid), {
    status: 200,
    headers: { "content-type": to.contentType, ...headers },
  });
}

/**
 * Answers a stream: awaits its first piece (everything that can fail as an error grid happens
 * before it; a throw here is answered as one by the caller), then sends the rest as it is encoded,
 * chunked. A failure after the first piece cannot become an error grid any more (the status and
 * part of the grid are sent): the response is aborted, so the client sees a truncated body (no
 * final chunk) instead of a grid that parses but lacks rows, and `onAbort` is told.
 */
async function replyStream(to: Negotiated, gs: GridStream, onAbort: (e: unknown) => void): Promise<Response> {
  const pieces = gs.encode(to.format);
  const first = await pieces.next();
  const utf8 = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(utf8.encode(first.value));
    },
    async pull(controller) {
      try {
        const next = await pieces.next();
        if (next.done) controller.close();
        else controller.enqueue(utf8.encode(next.value));
      } catch (e) {
        onAbort(e);
        controller.error(e);
      }
    },
    async cancel() {
      await pieces.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": to.contentType } });
}

type Authed = { actor: Actor; authToken: string | null } | Response;

async function authenticate(deps: ServiceDeps, c: Context<AppEnv>, format: Negotiated): Promise<Authed> {
  let header: AuthHeader | null;
  try {
    header = parseAuthHeader(c.req.header("authorization"));
  } catch (e) {
    return plain(401, e instanceof AppError ? e.message : "malformed Authorization header", {
      "www-authenticate": CHALLENGE,
    });
  }
  try {
    if (header?.scheme === "hello") {
      const step = await helloHandshake(deps, header, clientIp(c, deps.config.trustProxy));
      if (step.kind === "challenge") return plain(401, "", { "www-authenticate": step.wwwAuthenticate });
    }
    if (header?.scheme === "scram") {
      const step = await scramStep(deps, header, clientIp(c, deps.config.trustProxy));
      if (step.kind === "challenge") return plain(401, "", { "www-authenticate": step.wwwAuthenticate });
      return reply(format, Grid.empty(), { "authentication-info": step.authenticationInfo });
    }
  } catch (e) {
    if (e instanceof AppError && e.code === "forbidden") return plain(403, e.message);
    if (e instanceof AppError && e.code === "rate_limited") return plain(429, e.message);
    if (e instanceof AppError) return plain(401, e.message, { "www-authenticate": CHALLENGE });
    throw e;
  }
  if (header?.scheme === "bearer") {
    const token = header.params.get("authtoken") ?? header.token68 ?? "";
    const actor = (await actorForAuthToken(deps, token)) ?? (await actorForBearer(deps, token));
    if (actor) return { actor, authToken: token };
    return plain(401, "invalid or expired token", { "www-authenticate": CHALLENGE });
  }
  if (header) return plain(401, "unsupported authorization scheme", { "www-authenticate": CHALLENGE });
  return plain(401, "authentication required", { "www-authenticate": CHALLENGE });
}

/**
 * The error edge's answer on a Haystack path (`/api/…`, see http/errors.ts): an error grid in the
 * format the client accepts (Zinc when it names none we have) with the status kept, e.g. the 503
 * of a primary outage, so a Haystack client gets a Haystack answer. Null elsewhere.
 */
export function haystackErrorResponse(c: Context, answer: ErrorAnswer): Response | null {
  if (!c.req.path.startsWith(HAYSTACK_PREFIX)) return null;
  const to = negotiate(c.req.header("accept")) ?? ZINC;
  return new Response(
    encodeGrid(to.format, errorGrid(answer.message, `${answer.status}: ${answer.message}`)),
    {
      status: answer.status,
      headers: { ...answer.headers, "content-type": to.contentType },
    },
  );
}

export function haystackRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.all("/api/:org/:op", async (c) => {
    const format = negotiate(c.req.header("accept"));
    const auth = await authenticate(deps, c, format ?? ZINC);
    if (auth instanceof Response) return auth;
    let org: Awaited<ReturnType<typeof resolveOrg>>;
    try {
      org = await resolveOrg(deps, auth.actor, c.req.param("org"));
    } catch (e) {
      if (e instanceof AppError && e.code === "forbidden") return plain(403, e.message);
      throw e;
    }
    const name = c.req.param("op");
    const op = opByName(name);
    if (!op) return plain(404, `unknown op ${name}`);
    const method = c.req.method;
    if (method !== "POST" && !(method === "GET" && op.safe))
      return plain(405, `${name} needs POST`, { allow: op.safe ? "GET, POST" : "POST" });
    if (!format) return plain(406, `supported: ${MEDIA_TYPES.join(", ")}`);
    let req: Grid;
    if (method === "GET") req = gridFromQuery(c.req.query());
    else {
      const body = await c.req.text();
      const inFormat = body.trim() ? requestFormat(c.req.header("content-type")) : "zinc";
      if (!inFormat) return plain(415, `supported: ${MEDIA_TYPES.join(", ")}`);
      try {
        req = readRequestGrid(inFormat, body);
      } catch (e) {
        if (e instanceof RequestGridError) return plain(400, e.message);
        throw e;
      }
    }
    try {
      const answer = await runOp(name, { deps, actor: auth.actor, org, authToken: auth.authToken }, req);
      if (answer instanceof Grid) return reply(format, answer);
      return await replyStream(format, answer, (e) =>
        c.get("log")?.error("haystack response aborted after its first bytes", {
          op: name,
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        }),
      );
    } catch (e) {
      // A database that is not there (or a primary that did not commit) keeps its 503: the error
      // edge answers it, as an error grid (haystackErrorResponse).
      if (isConnectionError(e) || (e instanceof AppError && (e.status ?? STATUS_OF[e.code]) >= 500)) throw e;
      if (e instanceof AppError) return reply(format, errorGrid(e.message, `${e.code}: ${e.message}`));
      const requestId = c.get("requestId");
      c.get("log")?.error("haystack op failed", {
        op: name,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
      return reply(format, errorGrid("internal error", `request ${requestId ?? "?"}`));
    }
  });
  return app;
}
