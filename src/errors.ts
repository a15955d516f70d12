// Coded, user-safe errors. Services throw AppError; the HTTP edge maps the code to a status and a
// body (JSON `{"detail": …}`, an error page, or an htmx fragment).

export type ErrorCode =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "unavailable"
  | "internal";

export const STATUS_OF: Record<ErrorCode, number> = {
  invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  /**
   * @param code what kind of failure; decides the HTTP status.
   * @param message safe to show to the caller.
   * @param detail optional structured detail sent instead of the message (e.g. 422 field lists).
   * @param status overrides the code's default status (e.g. 400 for a filter syntax error).
   * @param headers extra response headers of the JSON answer (e.g. a 401's `www-authenticate`).
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: unknown,
    readonly status?: number,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/**
 * The `type` of a 422 entry: one spelling for every route, pydantic v2's (what FastAPI answers
 * today), so a client matches a type, never a message. Anything without a type of its own is
 * `value_error`.
 */
export const FIELD_ERROR_TYPES = [
  "missing",
  "json_invalid",
  "value_error",
  "string_type",
  "string_too_short",
  "string_too_long",
  "string_pattern_mismatch",
  "string_unicode",
  "int_type",
  "int_parsing",
  "int_from_float",
  "float_type",
  "float_parsing",
  "finite_number",
  "bool_type",
  "bool_parsing",
  "list_type",
  "dict_type",
  "too_short",
  "too_long",
  "greater_than",
  "greater_than_equal",
  "less_than",
  "less_than_equal",
  "multiple_of",
  "enum",
  "literal_error",
  "extra_forbidden",
  "datetime_type",
  "datetime_parsing",
  "date_parsing",
  "time_parsing",
] as const;
export type FieldErrorType = (typeof FIELD_ERROR_TYPES)[number];

/** One problem with one field, in FastAPI's 422 shape `{loc, msg, type}`. */
export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: FieldErrorType;
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * A database error caused by the request's data rather than by the database: SQLSTATE class 22
 * (data exception: invalid input syntax, out of range, bad encoding), 23 (integrity constraint)
 * or 54 (program limit, e.g. a value too deep or too large to index). As the AppError to answer
 * (422, or 409 for a unique violation), else undefined. Works for postgres.js and PGlite errors,
 * which both carry the SQLSTATE in `code`.
 */
export function dataErrorOf(e: unknown): AppError | undefined {
  if (!(e instanceof Error) || e instanceof AppError) return undefined;
  const code = String((e as { code?: unknown }).code ?? "");
  if (!/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code === "23505") return new AppError("conflict", "the request conflicts with existing data");
  if (/^(22|23|54)/.test(code))
    return new AppError("invalid", "the database refused a value of the request", [
      {
        loc: ["body"],
        msg: `the database refused a value of the request (SQLSTATE ${code})`,
        type: "value_error",
      },
    ]);
  return undefined;
}

/**
 * Runs an access check; its `forbidden` becomes `instead`, so that a resource of another org and
 * a missing one are refused with one message (no existence oracle). Other errors pass through.
 */
export function refusedAs(check: () => void, instead: AppError): void {
  try {
    check();
  } catch (e) {
    if (e instanceof AppError && e.code === "forbidden") throw instead;
    throw e;
  }
}
