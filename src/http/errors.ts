// The one error edge. Every failure of a request (a thrown AppError, Hono's HTTPException, a
// database that cannot be reached, anything unexpected, an unknown route) is classified once into
// an ErrorAnswer, then rendered once: as a page or an htmx fragment when the console asks for one
// (the renderer comes from web/, see createApp), else as JSON `{"detail": …}`. Anything unexpected
// is logged with the request id and answered with a generic message, never the exception text.
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, dataErrorOf, type FieldError, STATUS_OF } from "../errors.ts";
import { isConnectionError, refusedWhileDown } from "../ingest/write.ts";
import type { Logger } from "../log.ts";

/** What a failed request answers, whatever the form. */
export interface ErrorAnswer {
  readonly status: number;
  /** The JSON body's `detail` (a message, or a 422 field list). */
  readonly detail: unknown;
  /** A sentence for people (pages and fragments). */
  readonly message: string;
  /** Extra headers of the JSON answer (a 401's challenge). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Renders an answer as a page or fragment when the request wants one; null for JSON. */
export type PageErrorRenderer = (c: Context, answer: ErrorAnswer) => Promise<Response | null>;

/** Classifies a failure (and logs it when it is the server's fault). */
export function errorAnswer(err: unknown, c: Context, log: Logger): ErrorAnswer {
  const requestId = c.get("requestId") as string | undefined;
  if (err instanceof AppError) {
    const status = err.status ?? STATUS_OF[err.code];
    // A 503 is logged where its cause is found (the availability gate once per outage, a write
    // that did not commit at once); here only at debug, or an outage floods the log per request.
    if (status >= 500)
      (err.code === "unavailable" ? log.debug : log.warn).call(log, "request failed", {
        requestId,
        code: err.code,
        error: err.message,
      });
    const detail = status === 422 ? fieldErrorsOf(err, c) : (err.detail ?? err.message);
    return { status, detail, message: err.message, headers: err.headers };
  }
  if (err instanceof HTTPException) {
    const message = err.message || err.getResponse().statusText || "request failed";
    return { status: err.status, detail: message, message };
  }
  const dataError = dataErrorOf(err);
  if (dataError) {
    // The database refused the request's data: the caller's fault, a 4xx, never a 500 or 503.
    log.info("database refused request data", { requestId, path: c.req.path, error: (err as Error).message });
    return errorAnswer(dataError, c, log);
  }
  if (isConnectionError(err)) {
    // A database that could not be reached (e.g. the primary while resolving credentials): the
    // contract's 503, never a 500.
    (refusedWhileDown(err) ? log.debug : log.warn).call(log, "database unavailable", {
      requestId,
      path: c.req.path,
      error: (err as Error).message,
    });
    return { status: 503, detail: "database unavailable", message: "database unavailable" };
  }
  log.error("unhandled error", {
    requestId,
    method: c.req.method,
    path: c.req.path,
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  return { status: 500, detail: "internal server error", message: "internal server error" };
}

/**
 * Every 422 has the one body, a FastAPI field list (CONTRACT.md): an error raised with only a
 * message becomes one `value_error` entry at the request's body (or its query, for a read).
 */
function fieldErrorsOf(err: AppError, c: Context): FieldError[] {
  if (Array.isArray(err.detail)) return err.detail as FieldError[];
  const where = ["GET", "HEAD", "DELETE"].includes(c.req.method) ? "query" : "body";
  const msg = typeof err.detail === "string" ? err.detail : err.message;
  return [{ loc: [where], msg, type: "value_error" }];
}

/** The app's error handler (also used for unknown routes): one classification, one rendering. */
export function errorHandler(log: Logger, page?: PageErrorRenderer): ErrorHandler {
  return async (err, c) => {
    const answer = errorAnswer(err, c, log);
    const html = page ? await page(c, answer) : null;
    return (
      html ?? c.json({ detail: answer.detail }, answer.status as ContentfulStatusCode, answer.headers ?? {})
    );
  };
}
