/**
 * The one filter parser: the Haystack 4 grammar plus the original `/filter` extensions
 * (upper-case `AND`/`OR`/`NOT`, `TRUE`/`FALSE`, `path IN (v, …)`), DateTime and Symbol literals,
 * and single-quoted strings.
 *
 * ```
 * filter  := or
 * or      := and (("or"|"OR") and)*
 * and     := term (("and"|"AND") term)*
 * term    := "(" filter ")" | ("not"|"NOT") path | symbol | path [cmpOp val | "IN" "(" [val ("," val)*] ")"]
 * path    := name ("->" name)*
 * val     := bool | ref | symbol | str | uri | number | date | time | dateTime  (Zinc forms)
 * bool    := "true" | "false" | "TRUE" | "FALSE"
 * ```
 *
 * Parentheses nest at most `MAX_DEPTH` deep; the parser refuses the next `(` before it descends.
 */

import { MAX_DEPTH, TOO_DEEP } from "../depth.ts";
import { HNum, HSymbol, Ref } from "../kinds.ts";
import { ScanError, scanNumeric, scanRefChars, scanStr, scanSymbol, scanUri } from "../scan.ts";
import type { CmpOp, FilterLiteral, FilterNode } from "./ast.ts";

/** A filter syntax error. `line`/`col` are 1-based; `toString()` gives `"1:7 expected value after =="`. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${line}:${col} ${detail}`);
    this.name = "FilterSyntaxError";
  }
  override toString(): string {
    return `${this.line}:${this.col} ${this.detail}`;
  }
}

/** A filter whose parentheses nest deeper than `MAX_DEPTH`: valid syntax, refused input. */
export class FilterTooDeepError extends FilterSyntaxError {
  constructor(line: number, col: number) {
    super(line, col, TOO_DEEP);
    this.name = "FilterTooDeepError";
  }
}

type Tok =
  | { kind: "name"; text: string; pos: number }
  | { kind: "and" | "or" | "not" | "in" | "(" | ")" | "," | "->" | "eof"; text: string; pos: number }
  | { kind: "op"; text: CmpOp; pos: number }
  | { kind: "lit"; text: string; pos: number; value: FilterLiteral };

const WORD = /[A-Za-z][A-Za-z0-9_]*/y;
const KEYWORDS: Readonly<Record<string, Tok["kind"] | boolean>> = {
  and: "and",
  AND: "and",
  or: "or",
  OR: "or",
  not: "not",
  NOT: "not",
  IN: "in",
  true: true,
  TRUE: true,
  false: false,
  FALSE: false,
};

class Parser {
  private pos = 0;
  private look: Tok | undefined;
  /** Open parentheses around the current token. */
  private depth = 0;

  constructor(private readonly src: string) {}

  private where(at: number): [line: number, col: number] {
    const before = this.src.slice(0, at);
    return [before.split("\n").length, at - before.lastIndexOf("\n")];
  }

  fail(detail: string, at: number): never {
    throw new FilterSyntaxError(...this.where(at), detail);
  }

  private lex(): Tok {
    const src = this.src;
    while (this.pos < src.length && /\s/.test(src[this.pos] ?? "")) this.pos++;
    const start = this.pos;
    const c = src[start];
    if (c === undefined) return { kind: "eof", text: "", pos: start };
    const two = src.slice(start, start + 2);
    if (two === "->" || two === "==" || two === "!=" || two === "<=" || two === ">=") {
      this.pos += 2;
      return two === "->"
        ? { kind: "->", text: two, pos: start }
        : { kind: "op", text: two as CmpOp, pos: start };
    }
    if (c === "<" || c === ">") {
      this.pos++;
      return { kind: "op", text: c, pos: start };
    }
    if (c === "(" || c === ")" || c === ",") {
      this.pos++;
      return { kind: c, text: c, pos: start };
    }
    if (c === "=") this.fail("expected '==' (a single '=' is not an operator)", start);
    if (/[A-Za-z]/.test(c)) {
      WORD.lastIndex = start;
      const word = WORD.exec(src)?.[0] ?? c;
      this.pos += word.length;
      const kw = KEYWORDS[word];
      if (typeof kw === "boolean") return { kind: "lit", text: word, pos: start, value: kw };
      if (kw !== undefined) return { kind: kw, text: word, pos: start } as Tok;
      if (c >= "A" && c <= "Z")
        this.fail(`unexpected '${word}' (tag names start with a lower-case letter)`, start);
      return { kind: "name", text: word, pos: start };
    }
    const scanned = this.scanLiteral(c, start);
    if (scanned) {
      this.pos = scanned.end;
      return { kind: "lit", text: src.slice(start, scanned.end), pos: start, value: scanned.value };
    }
    return this.fail(`unexpected character '${c}'`, start);
  }

  private scanLiteral(c: string, start: number): { value: FilterLiteral; end: number } | undefined {
    try {
      if (c === '"' || c === "'") return scanStr(this.src, start);
      if (c === "`") return scanUri(this.src, start);
      if (c === "^") return scanSymbol(this.src, start);
      if (c === "@") {
        const r = scanRefChars(this.src, start);
        return { value: new Ref(r.value), end: r.end };
      }
      if ((c >= "0" && c <= "9") || (c === "-" && /[0-9]/.test(this.src[start + 1] ?? ""))) {
        const n = scanNumeric(this.src, start);
        // 1e400 is Infinity in JavaScript: refused, not compared as a number no tag can hold.
        if (n.value instanceof HNum && !Number.isFinite(n.value.val))
          this.fail(`number '${this.src.slice(start, n.end)}' is out of range (not a finite number)`, start);
        return n;
      }
    } catch (e) {
      if (e instanceof ScanError) this.fail(e.message, e.pos);
      throw e;
    }
    return undefined;
  }

  peek(): Tok {
    this.look ??= this.lex();
    return this.look;
  }

  next(): Tok {
    const t = this.peek();
    this.look = undefined;
    return t;
  }

  parseOr(): FilterNode {
    const terms = [this.parseAnd(undefined)];
    while (this.peek().kind === "or") {
      const op = this.next();
      terms.push(this.parseAnd(op.text));
    }
    return terms.length === 1 ? (terms[0] as FilterNode) : { type: "or", terms };
  }

  private parseAnd(after: string | undefined): FilterNode {
    const terms = [this.parseTerm(after)];
    while (this.peek().kind === "and") {
      const op = this.next();
      terms.push(this.parseTerm(op.text));
    }
    return terms.length === 1 ? (terms[0] as FilterNode) : { type: "and", terms };
  }

  private parseTerm(after: string | undefined): FilterNode {
    const t = this.next();
    if (t.kind === "(") {
      if (this.depth >= MAX_DEPTH) throw new FilterTooDeepError(...this.where(t.pos));
      this.depth++;
      const inner = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (close.kind !== ")") this.fail("expected 'and', 'or' or ')'", close.pos);
      this.next();
      return inner;
    }
    if (t.kind === "not") {
      const name = this.next();
      if (name.kind !== "name") this.fail(`expected tag name after ${t.text}`, name.pos);
      return { type: "missing", path: this.parsePath(name.text) };
    }
    if (t.kind === "lit" && t.value instanceof HSymbol) return { type: "isSymbol", symbol: t.value.val };
    if (t.kind !== "name") {
      this.fail(`expected tag name, ^symbol, 'not' or '('${after ? ` after ${after}` : ""}`, t.pos);
    }
    const path = this.parsePath(t.text);
    const op = this.peek();
    if (op.kind === "op") {
      this.next();
      const v = this.next();
      if (v.kind !== "lit") this.fail(`expected value after ${op.text}`, v.pos);
      return { type: "cmp", path, op: op.text, value: v.value };
    }
    if (op.kind === "in") {
      this.next();
      return { type: "in", path, values: this.parseList() };
    }
    return { type: "has", path };
  }

  private parsePath(first: string): string[] {
    const path = [first];
    while (this.peek().kind === "->") {
      this.next();
      const n = this.next();
      if (n.kind !== "name") this.fail("expected tag name after ->", n.pos);
      path.push(n.text);
    }
    return path;
  }

  private parseList(): FilterLiteral[] {
    const open = this.next();
    if (open.kind !== "(") this.fail("expected '(' after IN", open.pos);
    const values: FilterLiteral[] = [];
    if (this.peek().kind === ")") {
      this.next();
      return values;
    }
    for (;;) {
      const v = this.next();
      if (v.kind !== "lit") this.fail("expected value in IN list", v.pos);
      values.push(v.value);
      const sep = this.next();
      if (sep.kind === ")") return values;
      if (sep.kind !== ",") this.fail("expected ',' or ')' in IN list", sep.pos);
    }
  }
}

/**
 * Parses a filter into its AST. Throws `FilterSyntaxError` (with `line`, `col` and what was expected)
 * for any text that is not a complete filter, including the empty string, and its subclass
 * `FilterTooDeepError` for parentheses nested deeper than `MAX_DEPTH`.
 */
export function parseFilter(text: string): FilterNode {
  const p = new Parser(text);
  const node = p.parseOr();
  const end = p.peek();
  if (end.kind !== "eof") {
    p.fail(end.kind === ")" ? "unexpected ')'" : "expected 'and', 'or' or end of filter", end.pos);
  }
  return node;
}
