// The one error edge: maps AppError codes (and Hono's HTTPException) to a status and a
// `{"detail": …}` body. Anything unexpected is logged with the request id and answered with a
// generic message, never the exception text.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, dataErrorOf, STATUS_OF } from "../errors.ts";
import { isConnectionError } from "../ingest/write.ts";
import type { Logger } from "../log.ts";

export function errorResponse(err: unknown, c: Context, log: Logger): Response {
  const requestId = c.get("requestId") as string | undefined;
  if (err instanceof AppError) {
    const status = err.status ?? STATUS_OF[err.code];
    if (status >= 500) log.warn("request failed", { requestId, code: err.code, error: err.message });
    return c.json({ detail: err.detail ?? err.message }, status as 500);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const res = err.getResponse();
    if (res.headers.get("content-type")?.includes("json")) return res;
    return c.json({ detail: err.message || res.statusText || "request failed" }, status);
  }
  const dataError = dataErrorOf(err);
  if (dataError) {
    // The database refused the request's data: the caller's fault, a 4xx, never a 500 or 503.
    log.info("database refused request data", { requestId, path: c.req.path, error: (err as Error).message });
    return errorResponse(dataError, c, log);
  }
  if (isConnectionError(err)) {
    // A database that could not be reached (e.g. the primary while resolving credentials): the
    // contract's 503, never a 500.
    log.warn("database unavailable", { requestId, path: c.req.path, error: (err as Error).message });
    return c.json({ detail: "database unavailable" }, 503);
  }
  log.error("unhandled error", {
    requestId,
    method: c.req.method,
    path: c.req.path,
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  return c.json({ detail: "internal server error" }, 500);
}
