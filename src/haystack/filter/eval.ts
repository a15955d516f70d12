/**
 * In-memory filter evaluation, and the comparison rules the SQL compiler reproduces. They follow
 * the Project Haystack Filters chapter and Haxall's matching rules (`haystack::Filter`):
 * - A path is followed tag by tag: through a Ref (looked up with `resolveRef`), through each Ref of
 *   a List (ref lists), and through a nested Dict; anything else ends it (no value).
 * - The values a path reaches are its terminal value and, when that is a List, each of its Refs.
 *   `has p` holds when there is one; `not p` when there is none.
 * - `==` and `<`, `<=`, `>`, `>=` hold when SOME reached value has the literal's kind (and, for a
 *   Number, the same unit: both absent or equal strings) and compares true.
 * - `!=` holds when SOME reached value is not equal to the literal, whatever its kind or unit:
 *   `foo != 13` matches a Str `foo`, `curVal != 75` matches `75°F`, a List is never equal to a scalar.
 * - Order: Bool false < true; Number numeric (NaN equals nothing and is unordered); Str, Uri,
 *   Symbol and Ref ids by Unicode code point; Date, Time, DateTime chronological (DateTime by
 *   instant, so equality ignores the zone name).
 * - `^symbol` holds when the dict carries the term of that def or of one of its subtypes in the
 *   namespace given (`implementsSymbol` in `../defs.ts`); without a namespace, the term itself.
 */

import { implementsSymbol, type SymbolNamespace } from "../defs.ts";
import { type Dict, HDate, HDateTime, HNum, HSymbol, HTime, type HVal, isDict, Ref, Uri } from "../kinds.ts";
import type { CmpOp, FilterLiteral, FilterNode, FilterPath } from "./ast.ts";

/** Looks up the entity a Ref points to; `undefined` when there is none. */
export type RefResolver = (ref: Ref) => Dict | undefined;

/** Compares strings by Unicode code point (not UTF-16 unit), like PostgreSQL's `COLLATE "C"` on UTF-8. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/**
 * Compares a tag value with a filter literal: a negative, zero or positive number, `NaN` when the
 * two are ordered neither way (a NaN Number), or `undefined` when they are not comparable
 * (different kinds, or Numbers with different units).
 */
export function compareToLiteral(v: HVal, lit: FilterLiteral): number | undefined {
  if (typeof lit === "boolean") return typeof v === "boolean" ? Number(v) - Number(lit) : undefined;
  if (typeof lit === "string") return typeof v === "string" ? compareCodePoints(v, lit) : undefined;
  if (lit instanceof HNum) {
    if (!(v instanceof HNum) || v.unit !== lit.unit) return undefined;
    if (Number.isNaN(v.val) || Number.isNaN(lit.val)) return Number.NaN;
    return v.val === lit.val ? 0 : v.val < lit.val ? -1 : 1;
  }
  if (lit instanceof Ref) return v instanceof Ref ? compareCodePoints(v.id, lit.id) : undefined;
  if (lit instanceof Uri) return v instanceof Uri ? compareCodePoints(v.val, lit.val) : undefined;
  if (lit instanceof HSymbol) return v instanceof HSymbol ? compareCodePoints(v.val, lit.val) : undefined;
  if (lit instanceof HDate) return v instanceof HDate ? sign(v.toUtcMs() - lit.toUtcMs()) : undefined;
  if (lit instanceof HTime) return v instanceof HTime ? sign(v.toMs() - lit.toMs()) : undefined;
  if (lit instanceof HDateTime) return v instanceof HDateTime ? sign(v.epochMs - lit.epochMs) : undefined;
  return undefined;
}

function holds(c: number | undefined, op: CmpOp): boolean {
  if (c === undefined) return false;
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}

function present(v: HVal | null | undefined): v is HVal {
  return v !== null && v !== undefined;
}

/**
 * The values a path reaches from `dict`: for each way along it (several through Lists of Refs),
 * the terminal value, plus each Ref of a terminal List.
 */
export function resolvePath(dict: Dict, path: FilterPath, resolveRef: RefResolver): HVal[] {
  const out: HVal[] = [];
  const visit = (v: HVal | null | undefined, level: number): void => {
    if (!present(v)) return;
    if (Array.isArray(v)) for (const e of v) if (e instanceof Ref) visit(e, level);
    const next = path[level + 1];
    if (next === undefined) {
      out.push(v);
      return;
    }
    const d = v instanceof Ref ? resolveRef(v) : v;
    if (d !== undefined && isDict(d)) visit(d[next], level + 1);
  };
  const first = path[0];
  if (first !== undefined) visit(dict[first], 0);
  return out;
}

function cmpHolds(values: HVal[], op: CmpOp, lit: FilterLiteral): boolean {
  if (op === "!=") return values.some((v) => compareToLiteral(v, lit) !== 0);
  return values.some((v) => holds(compareToLiteral(v, lit), op));
}

/**
 * True when `dict` matches the filter. `resolveRef` is called for each Ref a `->` path crosses;
 * `namespace` answers `^symbol` terms. Pure: no I/O beyond what `resolveRef` does.
 */
export function matches(
  node: FilterNode,
  dict: Dict,
  resolveRef: RefResolver,
  namespace?: SymbolNamespace,
): boolean {
  switch (node.type) {
    case "has":
      return resolvePath(dict, node.path, resolveRef).length > 0;
    case "missing":
      return resolvePath(dict, node.path, resolveRef).length === 0;
    case "cmp":
      return cmpHolds(resolvePath(dict, node.path, resolveRef), node.op, node.value);
    case "in": {
      const values = resolvePath(dict, node.path, resolveRef);
      return node.values.some((lit) => cmpHolds(values, "==", lit));
    }
    case "isSymbol":
      return implementsSymbol(node.symbol, (tag) => present(dict[tag]), namespace);
    case "and":
      return node.terms.every((t) => matches(t, dict, resolveRef, namespace));
    case "or":
      return node.terms.some((t) => matches(t, dict, resolveRef, namespace));
  }
}
