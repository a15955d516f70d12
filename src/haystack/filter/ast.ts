/**
 * The filter AST shared by the parser, the in-memory evaluator and the SQL compiler.
 */

import type { HDate, HDateTime, HNum, HSymbol, HTime, Ref, Uri } from "../kinds.ts";
import { writeZincValue } from "../zinc.ts";

export type CmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** The values a filter can compare against. */
export type FilterLiteral = boolean | HNum | string | Uri | Ref | HSymbol | HDate | HTime | HDateTime;

/** A tag path: `["equipRef", "siteRef", "dis"]` for `equipRef->siteRef->dis`. Never empty. */
export type FilterPath = readonly string[];

export type FilterNode =
  | { readonly type: "has"; readonly path: FilterPath }
  | { readonly type: "missing"; readonly path: FilterPath }
  | { readonly type: "cmp"; readonly path: FilterPath; readonly op: CmpOp; readonly value: FilterLiteral }
  /** Extension from the original `/filter`: `path IN (v1, v2)` ≡ `path == v1 or path == v2`. */
  | { readonly type: "in"; readonly path: FilterPath; readonly values: readonly FilterLiteral[] }
  /** `^symbol`: the record implements that def (its term or a subtype's, in a def namespace). */
  | { readonly type: "isSymbol"; readonly symbol: string }
  | { readonly type: "and"; readonly terms: readonly FilterNode[] }
  | { readonly type: "or"; readonly terms: readonly FilterNode[] };

/** True when the filter has a `^symbol` term (it then needs a def namespace to be answered). */
export function hasSymbolTerm(node: FilterNode): boolean {
  if (node.type === "isSymbol") return true;
  return (node.type === "and" || node.type === "or") && node.terms.some(hasSymbolTerm);
}

/** A literal as the filter language writes it (Zinc form, but `true`/`false` for Bool). */
export function literalToString(v: FilterLiteral): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  return writeZincValue(v);
}

/**
 * The canonical text of a filter (lower-case keywords, single spaces, parentheses only where
 * precedence needs them). Parsing the result gives an equal AST.
 */
export function filterToString(node: FilterNode): string {
  switch (node.type) {
    case "has":
      return node.path.join("->");
    case "missing":
      return `not ${node.path.join("->")}`;
    case "cmp":
      return `${node.path.join("->")} ${node.op} ${literalToString(node.value)}`;
    case "in":
      return `${node.path.join("->")} IN (${node.values.map(literalToString).join(", ")})`;
    case "isSymbol":
      return `^${node.symbol}`;
    case "and":
      return node.terms
        .map((t) => (t.type === "or" ? `(${filterToString(t)})` : filterToString(t)))
        .join(" and ");
    case "or":
      return node.terms.map(filterToString).join(" or ");
  }
}
