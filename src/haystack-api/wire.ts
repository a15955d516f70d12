// Wire formats of the Haystack HTTP API: content negotiation (Zinc by default, Haystack 4 JSON on
// request), request grids from bodies or GET query parameters, and error grids.
import {
  type Dict,
  Grid,
  gridChunks,
  HaystackJsonError,
  type HVal,
  MARKER,
  readJsonGrid,
  readZincGrid,
  readZincValue,
  writeJson,
  writeZincGrid,
  ZincSyntaxError,
} from "../haystack/index.ts";

export type Format = "zinc" | "json";

/** A negotiated response: how the grid is encoded and the media type it is answered as. */
export interface Negotiated {
  readonly format: Format;
  readonly contentType: string;
}

/** Zinc, answered as `text/zinc` (no `Accept`, or only wildcards). */
export const ZINC: Negotiated = { format: "zinc", contentType: "text/zinc; charset=utf-8" };

const BY_TYPE: Readonly<Record<string, Format>> = {
  "text/zinc": "zinc",
  "text/plain": "zinc",
  "application/json": "json",
  "application/vnd.haystack+json": "json",
};

/** The grid formats `formats` lists; a client naming one in `Accept` is answered as it. */
export const MEDIA_TYPES: readonly string[] = [
  "text/zinc",
  "application/json",
  "application/vnd.haystack+json",
];

/**
 * The response for an `Accept` header: the best-q supported type, answered as the media type the
 * client named (`application/vnd.haystack+json` is echoed, not turned into `application/json`);
 * `*\/*` and `text/*` mean Zinc, and so does no header; null when nothing acceptable is supported.
 */
export function negotiate(accept: string | undefined): Negotiated | null {
  if (!accept?.trim()) return ZINC;
  let best: { n: Negotiated; q: number } | null = null;
  for (const part of accept.split(",")) {
    const [typeRaw, ...params] = part.split(";");
    const type = (typeRaw ?? "").trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!(q > 0)) continue;
    const f = BY_TYPE[type];
    const n: Negotiated | undefined = f
      ? { format: f, contentType: `${type}; charset=utf-8` }
      : type === "*/*" || type === "text/*"
        ? ZINC
        : undefined;
    if (n && (!best || q > best.q)) best = { n, q };
  }
  return best?.n ?? null;
}

/** The format of a request body by its `Content-Type`; null when unsupported. */
export function requestFormat(contentType: string | undefined): Format | null {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return BY_TYPE[type] ?? null;
}

/** A malformed request grid; `message` says what and where. */
export class RequestGridError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RequestGridError";
  }
}

/** Decodes a request body; an empty body is an empty grid. @throws RequestGridError */
export function readRequestGrid(format: Format, body: string): Grid {
  if (!body.trim()) return Grid.empty();
  try {
    return format === "zinc" ? readZincGrid(body) : readJsonGrid(body);
  } catch (e) {
    if (e instanceof ZincSyntaxError || e instanceof HaystackJsonError || e instanceof SyntaxError)
      throw new RequestGridError(`invalid ${format === "zinc" ? "Zinc" : "JSON"} grid: ${e.message}`);
    throw e;
  }
}

/**
 * The request grid of a GET: one row whose cells are the query parameters, each read as a Zinc
 * scalar when it parses as one (`@id`, `10`, `2024-01-01`, `"text"`) and as a Str otherwise; an
 * unquoted `filter` is always a Str (so `filter=T` is the tag T, not true).
 */
export function gridFromQuery(query: Record<string, string>): Grid {
  const entries = Object.entries(query);
  if (entries.length === 0) return Grid.empty();
  const row: Dict = {};
  for (const [k, v] of entries) {
    let val: HVal | null = v;
    if (k === "filter" && !v.startsWith('"')) {
      row[k] = v;
      continue;
    }
    try {
      const parsed = readZincValue(v);
      if (parsed !== null) val = parsed;
    } catch {
      val = v;
    }
    row[k] = val;
  }
  return Grid.fromRows([row]);
}

/**
 * An op's answer that is encoded while it is sent: `encode` yields the text in order. Everything
 * that can fail as an error grid happens before the first piece is yielded (the edge awaits it
 * before it answers); a failure after that aborts the response.
 */
export interface GridStream {
  readonly kind: "stream";
  encode(format: Format): AsyncGenerator<string, void, undefined>;
}

/** A grid already in memory, sent in chunks of rows as they are encoded. */
export function streamGrid(grid: Grid): GridStream {
  return {
    kind: "stream",
    async *encode(format) {
      yield* gridChunks(format, grid);
    },
  };
}

export function encodeGrid(format: Format, grid: Grid): string {
  return format === "zinc" ? writeZincGrid(grid) : writeJson(grid);
}

/** The spec's error grid: meta `err`, `dis`, `errTrace`, no rows. */
export function errorGrid(dis: string, errTrace: string): Grid {
  return Grid.empty({ err: MARKER, dis, errTrace });
}
