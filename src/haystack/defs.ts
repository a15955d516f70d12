/**
 * A Haystack 4 def namespace: the defs (dicts with a `def` symbol, their `is` supertypes and their
 * `lib`) and the subtype tree that `is` builds. It answers what the filter's `^symbol` terms need
 * (`descendants`) and what the `defs`/`libs` ops list. Built from plain dicts, so the defs can
 * come from the database, a file or a test; it does no I/O.
 */

import { type Dict, HSymbol, type HVal } from "./kinds.ts";

/** What a `^symbol` filter term needs of a namespace (see `DefNamespace.descendants`). */
export interface SymbolNamespace {
  /** The symbol itself and every def that is a subtype of it (transitively); `[symbol]` when unknown. */
  descendants(symbol: string): readonly string[];
}

function symbolsOf(v: HVal | undefined): string[] {
  if (v instanceof HSymbol) return [v.val];
  if (Array.isArray(v)) return v.filter((e): e is HSymbol => e instanceof HSymbol).map((e) => e.val);
  return [];
}

/**
 * True when `dict` carries the term `symbol` names: a tag name is present, or every tag of a
 * conjunct (`hot-water`) is present. Feature keys (`lib:phIoT`) are never tags of an entity.
 */
export function hasTerm(symbol: string, has: (tag: string) => boolean): boolean {
  if (symbol.includes(":")) return false;
  return symbol.split("-").every((part) => part !== "" && has(part));
}

/**
 * True when a record implements `symbol` (Haxall's rule for `^symbol` filter terms): it carries the
 * term of the symbol or of one of its descendants in `ns`; without a namespace, only the term itself.
 */
export function implementsSymbol(
  symbol: string,
  has: (tag: string) => boolean,
  ns?: SymbolNamespace,
): boolean {
  return (ns?.descendants(symbol) ?? [symbol]).some((s) => hasTerm(s, has));
}

/** The defs of one namespace, indexed by symbol, with the subtype relation their `is` tags build. */
export class DefNamespace implements SymbolNamespace {
  private readonly byName = new Map<string, Dict>();
  private readonly kids = new Map<string, string[]>();
  private readonly cache = new Map<string, readonly string[]>();

  /**
   * `defs` are dicts with a `def` Symbol; `is` (a Symbol or a List of Symbols) names the
   * supertypes. Dicts without a `def` Symbol are ignored; a later def of the same symbol wins.
   */
  constructor(defs: Iterable<Dict>) {
    for (const d of defs) {
      const [name] = symbolsOf(d.def);
      if (name !== undefined) this.byName.set(name, d);
    }
    for (const [name, d] of this.byName) {
      for (const sup of symbolsOf(d.is)) {
        const list = this.kids.get(sup) ?? [];
        list.push(name);
        this.kids.set(sup, list);
      }
    }
  }

  /** The def of `symbol`, or `undefined`. */
  def(symbol: string): Dict | undefined {
    return this.byName.get(symbol);
  }

  /** Every def, ordered by symbol. */
  defs(): Dict[] {
    return [...this.byName.keys()].sort().map((n) => this.byName.get(n) as Dict);
  }

  /** The symbols whose `is` names `symbol` directly, ordered. */
  subtypes(symbol: string): string[] {
    return [...(this.kids.get(symbol) ?? [])].sort();
  }

  /** The `is` symbols of `symbol`'s def (empty when unknown). */
  supertypes(symbol: string): string[] {
    return symbolsOf(this.byName.get(symbol)?.is);
  }

  /** `symbol` and all its supertypes, transitively, each once, nearest first. */
  inheritance(symbol: string): string[] {
    const out: string[] = [];
    const queue = [symbol];
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      if (out.includes(s)) continue;
      out.push(s);
      queue.push(...this.supertypes(s));
    }
    return out;
  }

  descendants(symbol: string): readonly string[] {
    const hit = this.cache.get(symbol);
    if (hit) return hit;
    const out = new Set<string>();
    const stack = [symbol];
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      if (out.has(s)) continue;
      out.add(s);
      stack.push(...(this.kids.get(s) ?? []));
    }
    const list = [...out].sort();
    this.cache.set(symbol, list);
    return list;
  }
}

/** One stored tag definition: its name, library, `is` supertypes and doc (as the catalog holds them). */
export interface TagDefRecord {
  name: string;
  lib?: string | null;
  is?: readonly string[];
  doc?: string | null;
}

/**
 * Haystack 4 def dicts for stored tag definitions: `{def:^name, is:[^…], lib:^lib:<lib>, doc}` per
 * tag, and for each library named by a `lib` (whose own tag definition, if any, it replaces) a
 * lib def `{def:^lib:<lib>, is:[^lib], lib:^lib:<lib>}`, as the `defs` and `libs` ops list them.
 */
export function defDicts(records: Iterable<TagDefRecord>): Dict[] {
  const list = [...records];
  const libs = new Set(list.map((r) => r.lib).filter((l): l is string => !!l));
  const sym = (s: string) => new HSymbol(s);
  const out: Dict[] = [];
  for (const lib of [...libs].sort())
    out.push({ def: sym(`lib:${lib}`), is: [sym("lib")], lib: sym(`lib:${lib}`) });
  for (const r of list) {
    if (libs.has(r.name)) continue;
    const d: Dict = { def: sym(r.name) };
    if (r.is && r.is.length > 0) d.is = r.is.map(sym);
    if (r.lib) d.lib = sym(`lib:${r.lib}`);
    if (r.doc) d.doc = r.doc;
    out.push(d);
  }
  return out;
}
