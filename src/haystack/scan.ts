/**
 * Literal scanners shared by the Zinc reader and the filter lexer (the filter grammar reuses Zinc's
 * productions for strings, URIs, refs, symbols, numbers, dates and times). Each takes the source
 * and a start index and returns the value with the index just past it, or throws `ScanError`.
 */

import { HDate, HDateTime, HNum, HSymbol, HTime, Uri } from "./kinds.ts";

/** A malformed literal at `pos` (0-based index into the source). */
export class ScanError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
    this.name = "ScanError";
  }
}

export interface Scanned<T> {
  value: T;
  end: number;
}

const STR_ESC: Readonly<Record<string, string>> = {
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "'": "'",
  "\\": "\\",
  $: "$",
  "`": "`",
};

function readUnicodeEscape(src: string, at: number): string {
  const hex = src.slice(at, at + 4);
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ScanError(at - 2, "invalid \\u escape");
  return String.fromCharCode(Number.parseInt(hex, 16));
}

/**
 * A quoted string starting at `pos` (which holds the quote, `"` or `'`), with the Zinc escapes
 * (`\b \f \n \r \t \" \\ \$ \uXXXX`, plus `\'` for single-quoted strings).
 */
export function scanStr(src: string, pos: number): Scanned<string> {
  const quote = src[pos];
  let i = pos + 1;
  let out = "";
  for (;;) {
    const c = src[i];
    if (c === undefined || c === "\n") throw new ScanError(pos, "unterminated string literal");
    if (c === quote) return { value: out, end: i + 1 };
    if (c === "\\") {
      const e = src[i + 1];
      if (e === "u") {
        out += readUnicodeEscape(src, i + 2);
        i += 6;
        continue;
      }
      const mapped = e === undefined ? undefined : STR_ESC[e];
      if (mapped === undefined) throw new ScanError(i, `invalid escape sequence \\${e ?? ""}`);
      out += mapped;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
}

/** A back-quoted URI starting at `pos`. `` \` `` and `\uXXXX` are decoded; other escapes keep the backslash. */
export function scanUri(src: string, pos: number): Scanned<Uri> {
  let i = pos + 1;
  let out = "";
  for (;;) {
    const c = src[i];
    if (c === undefined || c === "\n") throw new ScanError(pos, "unterminated uri literal");
    if (c === "`") return { value: new Uri(out), end: i + 1 };
    if (c === "\\") {
      const e = src[i + 1];
      if (e === "`") out += "`";
      else if (e === "u") {
        out += readUnicodeEscape(src, i + 2);
        i += 6;
        continue;
      } else out += `\\${e ?? ""}`;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
}

const REF_CHARS = /[A-Za-z0-9_:\-.~]+/y;

/** The id chars after a sigil (`@` or `^`) at `pos`: letters, digits, `_ : - . ~`. */
export function scanRefChars(src: string, pos: number): Scanned<string> {
  REF_CHARS.lastIndex = pos + 1;
  const m = REF_CHARS.exec(src);
  if (!m) throw new ScanError(pos, `expected identifier after ${src[pos] ?? ""}`);
  return { value: m[0], end: pos + 1 + m[0].length };
}

/** A symbol `^name` starting at `pos`. */
export function scanSymbol(src: string, pos: number): Scanned<HSymbol> {
  const r = scanRefChars(src, pos);
  return { value: new HSymbol(r.value), end: r.end };
}

const DATETIME =
  /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})(?: ([A-Z][A-Za-z0-9_+\-/]*))?/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![T\d])/y;
const TIME = /\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?/y;
const NUMBER = /-?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/y;
const UNIT = /[A-Za-z%_/$\u0080-\uFFFF]+/y;

/**
 * A number (with optional unit), date, time or dateTime starting at `pos` (a digit or `-`),
 * decided as the Zinc notes describe. `INF`/`NaN` keywords are not handled here.
 */
export function scanNumeric(src: string, pos: number): Scanned<HNum | HDate | HTime | HDateTime> {
  DATETIME.lastIndex = pos;
  let m = DATETIME.exec(src);
  if (m) {
    try {
      return { value: HDateTime.parse(`${m[1]}${m[2]}`, m[3]), end: pos + m[0].length };
    } catch (e) {
      throw new ScanError(pos, (e as Error).message);
    }
  }
  DATE.lastIndex = pos;
  m = DATE.exec(src);
  if (m) {
    try {
      return { value: HDate.parse(m[0]), end: pos + m[0].length };
    } catch (e) {
      throw new ScanError(pos, (e as Error).message);
    }
  }
  TIME.lastIndex = pos;
  m = TIME.exec(src);
  if (m) {
    try {
      return { value: HTime.parse(m[0]), end: pos + m[0].length };
    } catch (e) {
      throw new ScanError(pos, (e as Error).message);
    }
  }
  NUMBER.lastIndex = pos;
  m = NUMBER.exec(src);
  if (!m) throw new ScanError(pos, "invalid number");
  let end = pos + m[0].length;
  UNIT.lastIndex = end;
  const u = UNIT.exec(src);
  const unit = u ? u[0] : undefined;
  if (u) end += u[0].length;
  return { value: new HNum(Number(m[0].replaceAll("_", "")), unit), end };
}
