/**
 * Zinc reader and writer (Haystack 4, `ver:"3.0"`): grids with meta and column meta, nested
 * lists, dicts and grids, every scalar kind. The reader refuses nesting deeper than `MAX_DEPTH`
 * (each `[`, `{` and `<<` is a level) before it descends.
 */

import { MAX_DEPTH, TOO_DEEP } from "./depth.ts";
import {
  Coord,
  type Dict,
  formatNumber,
  Grid,
  type GridCol,
  type HDate,
  type HDateTime,
  HNum,
  HSymbol,
  type HTime,
  type HVal,
  kindOf,
  MARKER,
  NA,
  REMOVE,
  Ref,
  type Uri,
  XStr,
} from "./kinds.ts";
import { ScanError, scanNumeric, scanRefChars, scanStr, scanUri } from "./scan.ts";

/** A Zinc syntax error; `line` and `col` are 1-based. `toString()` gives `"line:col message"`. */
export class ZincSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${line}:${col} ${detail}`);
    this.name = "ZincSyntaxError";
  }
  override toString(): string {
    return `${this.line}:${this.col} ${this.detail}`;
  }
}

const ID = /[a-z][A-Za-z0-9_]*/y;
const KEYWORD = /[A-Z][A-Za-z0-9_]*/y;

class ZincReader {
  private pos = 0;
  /** Open lists, dicts and nested grids around the current position. */
  private depth = 0;
  constructor(private readonly src: string) {}

  fail(message: string, at = this.pos): never {
    const before = this.src.slice(0, at);
    const line = before.split("\n").length;
    const col = at - before.lastIndexOf("\n");
    throw new ZincSyntaxError(line, col, message);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  private skipWhitespace(): void {
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === "\n") this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private expect(s: string, what = `'${s}'`): void {
    if (!this.src.startsWith(s, this.pos)) this.fail(`expected ${what}`);
    this.pos += s.length;
  }

  private readId(): string {
    ID.lastIndex = this.pos;
    const m = ID.exec(this.src);
    if (!m) this.fail("expected tag name");
    this.pos += m[0].length;
    return m[0];
  }

  private scan<T>(f: (src: string, pos: number) => { value: T; end: number }): T {
    try {
      const r = f(this.src, this.pos);
      this.pos = r.end;
      return r.value;
    } catch (e) {
      if (e instanceof ScanError) this.fail(e.message, e.pos);
      throw e;
    }
  }

  /** Tags `name` or `name:val`, separated by spaces (and commas when `commas`), up to a stop char. */
  private readTags(commas: boolean, stop: (c: string | undefined) => boolean): Dict {
    const tags: Dict = {};
    for (;;) {
      if (commas) this.skipWhitespace();
      else this.skipSpaces();
      const c = this.peek();
      if (stop(c)) return tags;
      if (commas && c === ",") {
        this.pos++;
        continue;
      }
      const name = this.readId();
      if (this.peek() === ":") {
        this.pos++;
        if (commas) this.skipWhitespace();
        else this.skipSpaces();
        const v = this.readVal();
        if (v !== null) tags[name] = v;
      } else tags[name] = MARKER;
    }
  }

  readGrid(nested: boolean): Grid {
    this.skipWhitespace();
    this.expect("ver:", "'ver:'");
    const verAt = this.pos;
    const ver = this.scan(scanStr);
    if (ver !== "3.0" && ver !== "2.0") this.fail(`unsupported zinc version "${ver}"`, verAt);
    const meta: Dict = { ver: "3.0", ...this.readTags(false, (c) => c === "\n" || c === undefined) };
    this.newline();
    const cols: GridCol[] = [];
    for (;;) {
      this.skipSpaces();
      const name = this.readId();
      const colMeta = this.readTags(false, (c) => c === "," || c === "\n" || c === undefined);
      cols.push({ name, meta: colMeta });
      if (this.peek() === ",") {
        this.pos++;
        continue;
      }
      break;
    }
    this.newline();
    const rows: Dict[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.atEnd()) break;
      if (nested && this.src.startsWith(">>", this.pos)) break;
      if (this.peek() === "\n") {
        this.pos++;
        continue;
      }
      rows.push(this.readRow(cols, nested));
    }
    return new Grid(meta, cols, rows);
  }

  private readRow(cols: GridCol[], nested: boolean): Dict {
    const row: Dict = {};
    const endOfRow = (): boolean =>
      this.atEnd() || this.peek() === "\n" || (nested && this.src.startsWith(">>", this.pos));
    for (let i = 0; i < cols.length; i++) {
      this.skipSpaces();
      if (i > 0) {
        if (endOfRow()) break;
        this.expect(",", "',' or end of row");
        this.skipSpaces();
      }
      if (this.peek() === "," || endOfRow()) continue;
      const v = this.readVal();
      const col = cols[i];
      if (v !== null && col) row[col.name] = v;
    }
    this.skipSpaces();
    if (!endOfRow())
      this.fail(this.peek() === "," ? "row has more cells than columns" : "expected ',' or end of row");
    if (this.peek() === "\n") this.pos++;
    return row;
  }

  private newline(): void {
    this.skipSpaces();
    if (this.atEnd()) return;
    if (this.peek() !== "\n") this.fail("expected end of line");
    this.pos++;
  }

  readVal(): HVal | null {
    const c = this.peek();
    if (c === undefined) this.fail("expected value");
    if (c === '"') return this.scan(scanStr);
    if (c === "`") return this.scan(scanUri);
    if (c === "@") {
      const id = this.scan(scanRefChars);
      if (this.peek() === " " && this.peek(1) === '"') {
        this.pos++;
        return new Ref(id, this.scan(scanStr));
      }
      return new Ref(id);
    }
    if (c === "^") return new HSymbol(this.scan(scanRefChars));
    if (c === "[") return this.nested(() => this.readList());
    if (c === "{") return this.nested(() => this.readDict());
    if (c === "<" && this.peek(1) === "<")
      return this.nested(() => {
        this.pos += 2;
        const g = this.readGrid(true);
        this.skipWhitespace();
        this.expect(">>", "'>>'");
        return g;
      });
    if (c === "-" && this.src.startsWith("-INF", this.pos)) {
      this.pos += 4;
      return new HNum(Number.NEGATIVE_INFINITY);
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.scan(scanNumeric);
    if (c >= "A" && c <= "Z") return this.readKeyword();
    return this.fail(`unexpected character '${c}'`);
  }

  /** Reads one level deeper, refusing to pass `MAX_DEPTH` before descending. */
  private nested<T>(read: () => T): T {
    if (this.depth >= MAX_DEPTH) this.fail(TOO_DEEP);
    this.depth++;
    const v = read();
    this.depth--;
    return v;
  }

  private readKeyword(): HVal | null {
    const start = this.pos;
    KEYWORD.lastIndex = this.pos;
    const word = KEYWORD.exec(this.src)?.[0] ?? "";
    this.pos += word.length;
    if (this.peek() === "(") {
      this.pos++;
      if (word === "C") {
        const lat = this.readCoordDeg();
        this.expect(",");
        const lng = this.readCoordDeg();
        this.expect(")");
        return new Coord(lat, lng);
      }
      this.skipSpaces();
      const val = this.scan(scanStr);
      this.skipSpaces();
      this.expect(")");
      return new XStr(word, val);
    }
    switch (word) {
      case "N":
        return null;
      case "M":
        return MARKER;
      case "R":
        return REMOVE;
      case "NA":
        return NA;
      case "T":
        return true;
      case "F":
        return false;
      case "INF":
        return new HNum(Number.POSITIVE_INFINITY);
      case "NaN":
        return new HNum(Number.NaN);
      default:
        return this.fail(`unknown keyword '${word}'`, start);
    }
  }

  private readCoordDeg(): number {
    this.skipSpaces();
    const m = /-?\d+(?:\.\d+)?/y;
    m.lastIndex = this.pos;
    const hit = m.exec(this.src);
    if (!hit) this.fail("expected coordinate degrees");
    this.pos += hit[0].length;
    this.skipSpaces();
    return Number(hit[0]);
  }

  private readList(): HVal {
    this.pos++;
    const out: (HVal | null)[] = [];
    for (;;) {
      this.skipWhitespace();
      if (this.peek() === "]") {
        this.pos++;
        return out;
      }
      out.push(this.readVal());
      this.skipWhitespace();
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "]") this.fail("expected ',' or ']'");
    }
  }

  private readDict(): Dict {
    this.pos++;
    const d = this.readTags(true, (c) => c === "}" || c === undefined);
    this.expect("}", "'}'");
    return d;
  }
}

function normalise(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Parses a Zinc grid. Throws `ZincSyntaxError` with the position of the first error. */
export function readZincGrid(text: string): Grid {
  const r = new ZincReader(normalise(text));
  const g = r.readGrid(false);
  if (!r.atEnd()) r.fail("unexpected text after grid");
  return g;
}

/** Parses one Zinc value (scalar, list, dict or `<<grid>>`); `N` gives `null`. Throws `ZincSyntaxError`. */
export function readZincValue(text: string): HVal | null {
  const src = normalise(text).trim();
  const r = new ZincReader(src);
  const v = r.readVal();
  if (!r.atEnd()) r.fail("unexpected text after value");
  return v;
}

const ESC: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** A Zinc string literal (double-quoted, escaped). */
export function zincStr(s: string): string {
  let out = '"';
  for (const ch of s) {
    const e = ESC[ch];
    if (e) out += e;
    else if (ch < " ") out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function zincUri(s: string): string {
  let out = "`";
  for (const ch of s) {
    if (ch === "`") out += "\\`";
    else if (ch < " ") out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}\``;
}

function writeTags(d: Dict, sep: string): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(d)) {
    if (v === null || v === undefined) continue;
    parts.push(v === MARKER ? k : `${k}:${writeZincValue(v)}`);
  }
  return parts.join(sep);
}

/** Encodes one value as Zinc (`null` → `N`). Specials `INF`, `-INF`, `NaN` are written without unit. */
export function writeZincValue(v: HVal | null | undefined): string {
  if (v === null || v === undefined) return "N";
  switch (kindOf(v)) {
    case "Marker":
      return "M";
    case "NA":
      return "NA";
    case "Remove":
      return "R";
    case "Bool":
      return v ? "T" : "F";
    case "Number": {
      const n = v as HNum;
      return Number.isFinite(n.val) ? `${formatNumber(n.val)}${n.unit ?? ""}` : formatNumber(n.val);
    }
    case "Str":
      return zincStr(v as string);
    case "Uri":
      return zincUri((v as Uri).val);
    case "Ref": {
      const r = v as Ref;
      return r.dis === undefined ? `@${r.id}` : `@${r.id} ${zincStr(r.dis)}`;
    }
    case "Symbol":
      return `^${(v as HSymbol).val}`;
    case "Date":
    case "Time":
      return (v as HDate | HTime).toString();
    case "DateTime":
      return (v as HDateTime).toString();
    case "Coord":
      return `C(${(v as Coord).lat},${(v as Coord).lng})`;
    case "XStr":
      return `${(v as XStr).type}(${zincStr((v as XStr).val)})`;
    case "List":
      return `[${(v as (HVal | null)[]).map(writeZincValue).join(",")}]`;
    case "Dict":
      return `{${writeTags(v as Dict, " ")}}`;
    case "Grid":
      return `<<\n${writeZincGrid(v as Grid)}>>`;
  }
}

/**
 * Encodes a grid as Zinc 3.0 text, each line ending in `\n`. `ver` in the meta is always written
 * as "3.0"; a grid without columns is written with the single column `empty`. A null cell is left
 * empty, except in a one-column grid where it is `N`.
 */
export function writeZincGrid(grid: Grid): string {
  const { ver: _ver, ...meta } = grid.meta;
  const metaTags = writeTags(meta, " ");
  let out = `ver:"3.0"${metaTags ? ` ${metaTags}` : ""}\n`;
  const cols = grid.cols.length > 0 ? grid.cols : [{ name: "empty", meta: {} }];
  out += `${cols
    .map((c) => {
      const t = writeTags(c.meta, " ");
      return t ? `${c.name} ${t}` : c.name;
    })
    .join(",")}\n`;
  const single = cols.length === 1;
  for (const row of grid.rows) {
    out += `${cols
      .map((c) => {
        const v = row[c.name];
        if (v === null || v === undefined) return single ? "N" : "";
        return writeZincValue(v);
      })
      .join(",")}\n`;
  }
  return out;
}
