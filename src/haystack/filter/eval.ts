/**
 * In-memory filter evaluation, and the comparison rules the SQL compiler reproduces:
 * - `has p`: the path resolves to at least one value; `not p`: it resolves to none.
 * - `->` follows a Ref (through `resolveRef`) or each Ref of a List of Refs; anything else ends the path.
 * - A comparison holds when SOME resolved value compares true; a terminal List of Refs offers each
 *   of its Refs when the literal is a Ref (ref lists).
 * - Values compare only with a literal of the same kind; Numbers only with the same unit (both
 *   absent, or equal strings). `!=` therefore means "present, same kind, different value".
 * - Order: Bool false < true; Number numeric (NaN is unordered: only `!=` holds); Str, Uri, Symbol
 *   and Ref ids by Unicode code point; Date, Time, DateTime chronological (DateTime by instant).
 * Paths through nested Dicts are not followed (the SQL storage cannot answer them either).
 */

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

/** The values a path reaches from `dict` (several when it passes through a List of Refs). */
export function resolvePath(dict: Dict, path: FilterPath, resolveRef: RefResolver): HVal[] {
  const [name, ...rest] = path;
  if (name === undefined) return [];
  const v = dict[name];
  if (!present(v)) return [];
  if (rest.length === 0) return [v];
  const refs = v instanceof Ref ? [v] : Array.isArray(v) ? v.filter((e): e is Ref => e instanceof Ref) : [];
  const out: HVal[] = [];
  for (const r of refs) {
    const target = resolveRef(r);
    if (target && isDict(target)) out.push(...resolvePath(target, rest, resolveRef));
  }
  return out;
}

function cmpHolds(values: HVal[], op: CmpOp, lit: FilterLiteral): boolean {
  for (const v of values) {
    if (Array.isArray(v) && lit instanceof Ref) {
      if (v.some((e) => e instanceof Ref && holds(compareToLiteral(e, lit), op))) return true;
    } else if (holds(compareToLiteral(v, lit), op)) return true;
  }
  return false;
}

/**
 * True when `dict` matches the filter. `resolveRef` is called for each Ref a `->` path crosses.
 * Pure: no I/O beyond what `resolveRef` does.
 */
export function matches(node: FilterNode, dict: Dict, resolveRef: RefResolver): boolean {
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
    case "and":
      return node.terms.every((t) => matches(t, dict, resolveRef));
    case "or":
      return node.terms.some((t) => matches(t, dict, resolveRef));
  }
}
