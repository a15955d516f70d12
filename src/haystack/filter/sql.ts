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

  /**
   * Condition "row `t` is an active row of the tag whose name is the SQL text `nameSql`". The tag's
   * id is looked up once per query (an uncorrelated scalar subquery runs as an InitPlan; names are
   * unique, `ix_core_tag_def_name`), so the row lookups are index conditions on
   * `(entity_id, tag_id)` or `tag_id` instead of a join with `tag_def` per row.
   */
  private tagRow(t: string, nameSql: string): string {
    return `${t}.tag_id = (SELECT id FROM ${this.s}.tag_def WHERE name = ${nameSql}) AND ${t}.disabled_ts IS NULL`;
  }

  /** Active `id` tag rows: `FROM … WHERE` fragment with alias `i`. */
  private idRows(i: string): string {
    return `${this.s}.entity_tag ${i} WHERE ${this.tagRow(i, "'id'")}`;
  }

  /**
   * `top` is true while `n` is reached from the root through `and` only: there the condition is
   * written as a semi-join against the set of matching entities (`inSet`), which PostgreSQL pulls
   * up into the enclosing query and can hash. Under `or` and `not` it stays a correlated EXISTS
   * (`path`), which costs a few index probes per entity tested.
   */
  node(n: FilterNode, ent: string, top = false): string {
    const at = (path: FilterPath, terminal: (t: string, kind: string) => string) =>
      top ? this.inSet(ent, path, terminal) : this.path(ent, path, terminal);
    switch (n.type) {
      case "has":
        return at(n.path, () => "");
      case "missing":
        return `NOT ${this.path(ent, n.path, () => "")}`;
      case "cmp":
        return at(n.path, (t, k) => this.cmp(t, k, n.op, n.value));
      case "in":
        if (n.values.length === 0) return "FALSE";
        return at(n.path, (t, k) => `(${n.values.map((v) => `(${this.cmp(t, k, "==", v)})`).join(" OR ")})`);
      case "and":
        return `(${n.terms.map((t) => this.node(t, ent, top)).join(" AND ")})`;
      case "or":
        return `(${n.terms.map((t) => this.node(t, ent)).join(" OR ")})`;
    }
  }

  /** `ent` is in `set(path, terminal)`, as an EXISTS that PostgreSQL turns into a semi-join. */
  private inSet(ent: string, path: FilterPath, terminal: (t: string, kind: string) => string): string {
    const s = this.alias("s");
    return `EXISTS (SELECT 1 FROM (${this.set(path, terminal)}) ${s}(eid) WHERE ${s}.eid = ${ent})`;
  }

  /** A row of tag `nameParam` with alias `t`: `FROM` fragment (with the kind when used) and conditions. */
  private row(
    t: string,
    name: string,
    nameParam: string,
    cond: (kind: string) => string,
    moreFrom = "",
  ): string {
    const k = this.alias("k");
    const kind = `${k}.kind`;
    const c = cond(kind);
    const lateral = c.includes(kind) ? ` CROSS JOIN LATERAL (SELECT ${kindSql(t, name)} AS kind) ${k}` : "";
    return (
      `${this.s}.entity_tag ${t}${lateral}${moreFrom} WHERE ${this.tagRow(t, nameParam)} AND ${t}.entity_id IS NOT NULL` +
      `${c ? ` AND ${c}` : ""}`
    );
  }

  /**
   * SELECT of the ids (one column, duplicates allowed, no NULL) of the entities with an active row
   * of `path[0]` satisfying `terminal` or, through refs, the rest of the path. A ref step is a
   * semi-join of the tag's ref edges (source entity, target entity) with the set for the rest of
   * the path; the edges are the storage forms `targets` follows: `value_ref`, an id string in
   * `value_s` (matched to the `id` rows), and the `@id` elements of a List.
   */
  private set(path: FilterPath, terminal: (t: string, kind: string) => string): string {
    const [name, ...rest] = path;
    if (name === undefined) return "SELECT NULL::int4 WHERE FALSE";
    const nameParam = this.p(name);
    const t = this.alias("t");
    if (rest.length === 0)
      return `SELECT ${t}.entity_id FROM ${this.row(t, name, nameParam, (k) => terminal(t, k))}`;
    const g = this.alias("g");
    const t2 = this.alias("t");
    const t3 = this.alias("t");
    const i = this.alias("i");
    const j = this.alias("i");
    const el = this.alias("el");
    const edges =
      `SELECT ${t}.entity_id, ${t}.value_ref FROM ${this.row(t, name, nameParam, (k) => `${k} = 'Ref' AND ${t}.value_ref IS NOT NULL`)} ` +
      `UNION ALL SELECT ${t2}.entity_id, ${i}.entity_id FROM ${this.row(
        t2,
        name,
        nameParam,
        (k) =>
          `${k} = 'Ref' AND ${t2}.value_ref IS NULL AND ${i}.value_s = ${t2}.value_s AND ${this.tagRow(i, "'id'")}`,
        `, ${this.s}.entity_tag ${i}`,
      )} ` +
      `UNION ALL SELECT ${t3}.entity_id, ${j}.entity_id FROM ${this.row(
        t3,
        name,
        nameParam,
        (k) =>
          `${k} = 'List' AND left(${el}.v, 1) = '@' AND ${j}.value_s = substr(${el}.v, 2) AND ${this.tagRow(j, "'id'")}`,
        `, unnest(${t3}.value_list) ${el}(v), ${this.s}.entity_tag ${j}`,
      )}`;
    return `SELECT ${g}.src FROM (${edges}) ${g}(src, dst) WHERE ${g}.dst IN (${this.set(rest, terminal)})`;
  }

  /**
   * EXISTS an active row of `path[0]` on entity `ent` satisfying `terminal` (or, via refs, the rest).
   * `terminal` gets the row alias and an SQL expression for the row's kind.
   */
  private path(ent: string, path: FilterPath, terminal: (t: string, kind: string) => string): string {
    const [name, ...rest] = path;
    if (name === undefined) return "FALSE";
    const t = this.alias("t");
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
      `EXISTS (SELECT 1 FROM ${this.s}.entity_tag ${t}${lateral} ` +
      `WHERE ${t}.entity_id = ${ent} AND ${this.tagRow(t, nameParam)}` +
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
    const v = this.p(value);
    // Equality is bytewise under any deterministic collation; the plain `=` lets the
    // (tag_id, value_s) index serve `==`.
    const indexed = o === "=" ? ` AND ${t}.value_s = ${v}` : "";
    return `${k} = '${kind}' AND ${t}.value_s COLLATE "C" ${o} ${v}${indexed}`;
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
  const sql = c.node(ast, opts.entityIdSql, true);
  return { sql, params: c.params };
}
