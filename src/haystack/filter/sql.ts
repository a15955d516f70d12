/**
 * Compiles a filter AST to one parameterized boolean SQL expression over `core.entity_tag` /
 * `core.tag_def` (layout and kind inference in `../tag-columns.ts`), with the same answers as
 * `matches` in `./eval.ts`. Every tag name and literal travels as a `$n` parameter; only fixed
 * keywords, the schema name and generated aliases are written into the text.
 */

import { HDate, HDateTime, HNum, HSymbol, HTime, Ref, Uri } from "../kinds.ts";
import { kindSql, utcTimestampText } from "../tag-columns.ts";
import type { CmpOp, FilterLiteral, FilterNode, FilterPath } from "./ast.ts";

export interface CompileOptions {
  /** SQL for the id (`core.entity.id`) of the entity being tested, e.g. `"e.id"`. Trusted text. */
  entityIdSql: string;
  /** Number of parameters already used by the enclosing query; the first one here is `$(offset+1)`. */
  paramOffset?: number;
  /** Schema of `entity_tag` and `tag_def`; default `core`. Trusted text (must be an identifier). */
  schema?: string;
}

export interface CompiledFilter {
  sql: string;
  params: unknown[];
}

const SQL_OP: Readonly<Record<CmpOp, string>> = {
  "==": "=",
  "!=": "<>",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};

class Compiler {
  readonly params: unknown[] = [];
  private n = 0;
  private readonly s: string;

  constructor(
    private readonly offset: number,
    schema: string,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`invalid schema name: ${schema}`);
    this.s = schema;
  }

  private p(v: unknown): string {
    this.params.push(v);
    return `$${this.offset + this.params.length}`;
  }

  private alias(prefix: string): string {
    this.n++;
    return `${prefix}${this.n}`;
  }

  /** Active `id` tag rows: `FROM … WHERE` fragment with alias `i`. */
  private idRows(i: string): string {
    const d = this.alias("d");
    return `${this.s}.entity_tag ${i} JOIN ${this.s}.tag_def ${d} ON ${d}.id = ${i}.tag_id WHERE ${d}.name = 'id' AND ${i}.disabled_ts IS NULL`;
  }

  node(n: FilterNode, ent: string): string {
    switch (n.type) {
      case "has":
        return this.path(ent, n.path, () => "");
      case "missing":
        return `NOT ${this.path(ent, n.path, () => "")}`;
      case "cmp":
        return this.path(ent, n.path, (t, k) => this.cmp(t, k, n.op, n.value));
      case "in":
        if (n.values.length === 0) return "FALSE";
        return this.path(
          ent,
          n.path,
          (t, k) => `(${n.values.map((v) => `(${this.cmp(t, k, "==", v)})`).join(" OR ")})`,
        );
      case "and":
        return `(${n.terms.map((t) => this.node(t, ent)).join(" AND ")})`;
      case "or":
        return `(${n.terms.map((t) => this.node(t, ent)).join(" OR ")})`;
    }
  }

  /**
   * EXISTS an active row of `path[0]` on entity `ent` satisfying `terminal` (or, via refs, the rest).
   * `terminal` gets the row alias and an SQL expression for the row's kind.
   */
  private path(ent: string, path: FilterPath, terminal: (t: string, kind: string) => string): string {
    const [name, ...rest] = path;
    if (name === undefined) return "FALSE";
    const t = this.alias("t");
    const d = this.alias("d");
    const k = this.alias("k");
    const nameParam = this.p(name);
    const kind = `${k}.kind`;
    let cond: string;
    if (rest.length === 0) cond = terminal(t, kind);
    else {
      const x = this.alias("x");
      cond = `EXISTS (SELECT 1 FROM (${this.targets(t, kind)}) ${x}(eid) WHERE ${this.path(`${x}.eid`, rest, terminal)})`;
    }
    const lateral = cond.includes(kind)
      ? ` CROSS JOIN LATERAL (SELECT ${kindSql(t, name)} AS kind) ${k}`
      : "";
    return (
      `EXISTS (SELECT 1 FROM ${this.s}.entity_tag ${t} JOIN ${this.s}.tag_def ${d} ON ${d}.id = ${t}.tag_id${lateral} ` +
      `WHERE ${t}.entity_id = ${ent} AND ${t}.disabled_ts IS NULL AND ${d}.name = ${nameParam}` +
      `${cond ? ` AND ${cond}` : ""})`
    );
  }

  /**
   * The entity ids a Ref row (or each Ref of a List row) `t` of kind `k` points at. One branch per
   * storage form, each gated by conditions on `t` alone (PostgreSQL runs them as one-time filters,
   * so a row stored with `value_ref` never scans the `id` rows), and the `id` lookups compare
   * `value_s` with `=` so they can use the (tag_id, value_s) index.
   */
  private targets(t: string, k: string): string {
    const i = this.alias("i");
    const j = this.alias("i");
    const el = this.alias("el");
    return (
      `SELECT ${t}.value_ref WHERE ${t}.value_ref IS NOT NULL AND ${k} = 'Ref' ` +
      `UNION ALL SELECT ${i}.entity_id FROM ${this.idRows(i)} ` +
      `AND ${k} = 'Ref' AND ${t}.value_ref IS NULL AND ${i}.value_s = ${t}.value_s ` +
      `UNION ALL SELECT ${j}.entity_id FROM ${this.idRows(j)} AND ${k} = 'List' AND ${j}.value_s IN ` +
      `(SELECT substr(${el}.v, 2) FROM unnest(${t}.value_list) ${el}(v) WHERE left(${el}.v, 1) = '@')`
    );
  }

  private cmp(t: string, k: string, op: CmpOp, lit: FilterLiteral): string {
    const o = SQL_OP[op];
    if (typeof lit === "boolean") return `${k} = 'Bool' AND ${t}.value_b ${o} ${this.p(lit)}::boolean`;
    if (typeof lit === "string") return this.text(t, k, "Str", o, lit);
    if (lit instanceof Uri) return this.text(t, k, "Uri", o, lit.val);
    if (lit instanceof HSymbol) return this.text(t, k, "Symbol", o, lit.val);
    if (lit instanceof HTime) return this.text(t, k, "Time", o, lit.toString());
    if (lit instanceof HNum) {
      const unit =
        lit.unit === undefined
          ? `COALESCE(${t}.value_unit, '') = ''`
          : `${t}.value_unit = ${this.p(lit.unit)}`;
      const nan = op === "==" || op === "!=" ? "" : ` AND ${t}.value_n <> 'NaN'::numeric`;
      return `${k} = 'Number' AND ${unit} AND ${t}.value_n ${o} ${this.p(String(lit.val))}::numeric${nan}`;
    }
    if (lit instanceof HDate) {
      return `${k} = 'Date' AND ${t}.value_ts ${o} ${this.p(utcTimestampText(lit.toUtcMs()))}::timestamp`;
    }
    if (lit instanceof HDateTime) {
      return `${k} = 'DateTime' AND ${t}.value_ts ${o} ${this.p(utcTimestampText(lit.epochMs))}::timestamp`;
    }
    if (lit instanceof Ref) return this.ref(t, k, op, lit);
    return "FALSE";
  }

  private text(t: string, k: string, kind: string, o: string, value: string): string {
    return `${k} = '${kind}' AND ${t}.value_s COLLATE "C" ${o} ${this.p(value)}`;
  }

  private ref(t: string, k: string, op: CmpOp, lit: Ref): string {
    const o = SQL_OP[op];
    const el = this.alias("el");
    const inList =
      `(${k} = 'List' AND EXISTS (SELECT 1 FROM unnest(${t}.value_list) ${el}(v) ` +
      `WHERE left(${el}.v, 1) = '@' AND substr(${el}.v, 2) COLLATE "C" ${o} ${this.p(lit.id)}))`;
    const i = this.alias("i");
    let single: string;
    if (op === "==") {
      const id = this.p(lit.id);
      single = `(${t}.value_ref IN (SELECT ${i}.entity_id FROM ${this.idRows(i)} AND ${i}.value_s = ${id}) OR (${t}.value_ref IS NULL AND ${t}.value_s = ${id}))`;
    } else {
      const refId =
        `CASE WHEN ${t}.value_ref IS NOT NULL THEN (SELECT ${i}.value_s FROM ${this.idRows(i)} ` +
        `AND ${i}.entity_id = ${t}.value_ref ORDER BY ${i}.id LIMIT 1) ELSE ${t}.value_s END`;
      single = `(${refId}) COLLATE "C" ${o} ${this.p(lit.id)}`;
    }
    return `((${k} = 'Ref' AND ${single}) OR ${inList})`;
  }
}

/**
 * Compiles `ast` into a boolean SQL expression that is true exactly for the entities (identified by
 * `opts.entityIdSql`) that `matches` accepts, given storage laid out as `tag-columns.ts` describes.
 * Parameters are numbered from `$(paramOffset + 1)`; `params` holds their values (strings and
 * booleans). Only active tag rows (`disabled_ts IS NULL`) count; `core.entity.disabled_ts` is
 * left to the caller. Throws `TypeError` for an invalid schema name.
 */
export function compileFilter(ast: FilterNode, opts: CompileOptions): CompiledFilter {
  const c = new Compiler(opts.paramOffset ?? 0, opts.schema ?? "core");
  const sql = c.node(ast, opts.entityIdSql);
  return { sql, params: c.params };
}
