/**
 * Compiles a filter AST to one parameterized boolean SQL expression over `core.entity_tag` /
 * `core.tag_def` (layout and kind inference in `../tag-columns.ts`), with the same answers as
 * `matches` in `./eval.ts`. Every tag name and literal travels as a `$n` parameter; only fixed
 * keywords, the schema name and generated aliases are written into the text.
 */

import type { SymbolNamespace } from "../defs.ts";
import { HDate, HDateTime, HNum, HSymbol, HTime, Ref, Uri } from "../kinds.ts";
import { kindIsSql, utcTimestampText } from "../tag-columns.ts";
import type { CmpOp, FilterLiteral, FilterNode, FilterPath } from "./ast.ts";

export interface CompileOptions {
  /** SQL for the id (`core.entity.id`) of the entity being tested, e.g. `"e.id"`. Trusted text. */
  entityIdSql: string;
  /** Number of parameters already used by the enclosing query; the first one here is `$(offset+1)`. */
  paramOffset?: number;
  /** Schema of `entity_tag` and `tag_def`; default `core`. Trusted text (must be an identifier). */
  schema?: string;
  /** The def namespace `^symbol` terms are answered in; without it a symbol matches its own term. */
  namespace?: SymbolNamespace;
  /**
   * The query tests few entities (e.g. a user's direct grants): write every term as correlated
   * index probes per entity instead of semi-joins against the set of all matching entities.
   */
  few?: boolean;
  /** Ids of tag defs by name (`filterTagNames`): written as parameters instead of looked up by name. */
  tagIds?: ReadonlyMap<string, number>;
  /**
   * Tags a record carries beside its stored rows (`curVal` from the current values, `writeVal`
   * from a priority array), by name (`ComputedTag`), used instead of that tag's `entity_tag` rows
   * wherever a path reaches it. Trusted text.
   */
  computed?: ReadonlyMap<string, ComputedTag>;
  /**
   * Condition "the entity with id `entityIdSql` may be read by the caller", tested on every entity
   * a path steps to through a Ref (`a->b`): a Ref to any other entity is followed as if its target
   * did not exist, as a server evaluating the filter over only the records the caller can read
   * answers it. Absent: every target is followed. Trusted text; its parameters are added with
   * `param`, which answers the placeholder.
   */
  targetVisible?: (entityIdSql: string, param: (v: unknown) => string) => string;
  /**
   * The same rule as `targetVisible`, for a set of targets: disjoint conditions without OR (each
   * semi-joins and anti-joins PostgreSQL can hash), one selection each, merged by UNION ALL. Used
   * with `targetVisible` in the set-based form; absent, that form tests `targetVisible` per target.
   */
  targetVisibleArms?: (entityIdSql: string, param: (v: unknown) => string) => string[];
}

/** The columns of a computed tag's relations, in this order. */
export const COMPUTED_COLUMNS =
  "entity_id, disabled_ts, value_n, value_b, value_s, value_ts, value_list, value_dict, value_ref, value_unit, value_kind";

/**
 * The rows of a computed tag, as relations with the columns `COMPUTED_COLUMNS` in that order:
 * `entity_id`, `disabled_ts` (NULL) and the value columns of `entity_tag` (the kind always given); each writer adds its
 * parameters with `param`, which answers the placeholder.
 */
export interface ComputedTag {
  /** Every row of the tag a record answers: the stored ones it keeps and the computed ones. */
  rows(param: (v: unknown) => string): string;
  /** The computed rows only. */
  extra(param: (v: unknown) => string): string;
  /** When entity `e`'s stored rows give way to a computed one (absent: they never do). */
  unless?(param: (v: unknown) => string, e: string): string;
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

/** What the end of a path is tested for, on a stored row and on a value nested in a Dict. */
interface Terminal {
  /** Condition on tag row `t` whose kind is the SQL expression `k` (`""`: none). */
  row(t: string, k: string): string;
  /** Condition on the Haystack 4 JSON value `j` (a jsonb expression; SQL NULL when absent). */
  json(j: string): string;
}

const HAS: Terminal = { row: () => "", json: (j) => `jsonb_typeof(${j}) <> 'null'` };

/** The text of a JSON `{"_kind": kind, "val": …}` value, or NULL for anything else. */
const jsonVal = (j: string, kind: string): string =>
  `(CASE WHEN (${j} ->> '_kind') = '${kind}' THEN ${j} ->> 'val' END)`;

/** The numeric value of a JSON Number (plain or `{"_kind":"number"}`, with `INF`/`-INF`/`NaN`), or NULL. */
const jsonNumber = (j: string): string =>
  `(CASE WHEN jsonb_typeof(${j}) = 'number' THEN (${j} #>> '{}')::numeric ` +
  `WHEN (${j} ->> '_kind') = 'number' THEN (CASE jsonb_typeof(${j} -> 'val') ` +
  `WHEN 'number' THEN (${j} ->> 'val')::numeric WHEN 'string' THEN (CASE ${j} ->> 'val' ` +
  `WHEN 'INF' THEN 'Infinity'::numeric WHEN '-INF' THEN '-Infinity'::numeric ELSE 'NaN'::numeric END) END) END)`;

/** The elements of `j` when it is a JSON array (no rows otherwise), as a FROM item `alias(v)`. */
const jsonElements = (j: string, alias: string): string =>
  `jsonb_array_elements(CASE WHEN jsonb_typeof(${j}) = 'array' THEN ${j} END) ${alias}(v)`;

class Compiler {
  readonly params: unknown[] = [];
  private n = 0;
  private readonly s: string;

  constructor(
    private readonly offset: number,
    schema: string,
    private readonly ns: SymbolNamespace | undefined,
    private readonly tagIds: ReadonlyMap<string, number> | undefined,
    private readonly computed: CompileOptions["computed"],
    private readonly targetVisible: CompileOptions["targetVisible"],
    private readonly targetVisibleArms: CompileOptions["targetVisibleArms"],
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
   * Builds a condition on row `t` of tag `name` with `cond`, which writes each kind test as
   * `<kind> = 'Kind'` over the placeholder it is given; every test is then spelled `kindIsSql`
   * (the stored kind compared directly, so the planner can estimate it). The placeholder never
   * reaches the SQL.
   */
  private kindTests(cond: (kind: string) => string, t: string, name: string): string {
    const kind = `\u0000${this.alias("k")}\u0000`;
    const c = cond(kind).replace(new RegExp(`${kind} = '([A-Za-z]+)'`, "g"), (_, k: string) =>
      kindIsSql(t, name, k),
    );
    if (c.includes(kind)) throw new Error("filter compiler: a kind test not of the form <kind> = 'Kind'");
    return c;
  }

  /**
   * Condition "row `t` is an active row of tag `name`". With the tag's id known (`tagIds`) it is a
   * parameter, so the planner estimates the rows of that tag from the column's statistics; else the
   * id is looked up once per query (an uncorrelated scalar subquery runs as an InitPlan; names are
   * unique, `ix_core_tag_def_name`), so the row lookups are index conditions on
   * `(entity_id, tag_id)` or `tag_id` instead of a join with `tag_def` per row.
   */
  private tagRow(t: string, name: string): string {
    // A computed tag's relation holds that tag's active rows only.
    if (this.computed?.has(name)) return `${t}.disabled_ts IS NULL`;
    return this.storedTagRow(t, name);
  }

  /** `tagRow` on `entity_tag` rows. */
  private storedTagRow(t: string, name: string): string {
    const id = this.tagIds?.get(name);
    // `id` (the ref targets' tag) is a fixed keyword of the compiler's own text, not a parameter.
    const tagId =
      id !== undefined && Number.isInteger(id)
        ? `${this.p(id)}::int4`
        : `(SELECT id FROM ${this.s}.tag_def WHERE name = ${name === "id" ? "'id'" : this.p(name)})`;
    return `${t}.tag_id = ${tagId} AND ${t}.disabled_ts IS NULL`;
  }

  /** The rows of tag `name` as a FROM item with alias `t`: `entity_tag`, or a computed tag's relation. */
  private source(t: string, name: string): string {
    const c = this.computed?.get(name);
    return c ? `(${c.rows((v) => this.p(v))}) ${t}` : `${this.s}.entity_tag ${t}`;
  }

  /** `cond` on the target `e` of a Ref step, which must also be visible (`targetVisible`). */
  private onTarget(e: string, cond: string): string {
    return this.targetVisible ? `${this.targetVisible(e, (v) => this.p(v))} AND ${cond}` : cond;
  }

  /**
   * `set`'s SELECT of targets, restricted to the visible ones (`targetVisible`). By arms
   * (`targetVisibleArms`) only when `set` holds no further Ref step (`last`): each arm repeats the
   * set's text, which would double at every hop.
   */
  private visibleSet(set: string, last: boolean): string {
    if (!this.targetVisible) return set;
    const v = this.alias("v");
    const param = (x: unknown) => this.p(x);
    if (!this.targetVisibleArms || !last)
      return `SELECT ${v}.eid FROM (${set}) ${v}(eid) WHERE ${this.targetVisible(`${v}.eid`, param)}`;
    return this.targetVisibleArms(`${v}.eid`, param)
      .map((arm) => `SELECT ${v}.eid FROM (${set}) ${v}(eid) WHERE ${arm}`)
      .join(" UNION ALL ");
  }

  /** Active `id` tag rows: `FROM … WHERE` fragment with alias `i`. */
  private idRows(i: string): string {
    return `${this.s}.entity_tag ${i} WHERE ${this.tagRow(i, "id")}`;
  }

  /**
   * `top` is true while `n` is reached from the root through `and` only: there the condition is
   * written as a semi-join against the set of matching entities (`inSet`), which PostgreSQL pulls
   * up into the enclosing query and can hash. Under `or` and `not` it stays a correlated EXISTS
   * (`path`), which costs a few index probes per entity tested.
   */
  node(n: FilterNode, ent: string, top = false): string {
    const at = (path: FilterPath, term: Terminal) =>
      top ? this.inSet(ent, path, term) : this.path(ent, path, term);
    switch (n.type) {
      case "has":
        return at(n.path, HAS);
      case "missing":
        return `NOT ${this.path(ent, n.path, HAS)}`;
      case "cmp":
        return at(n.path, this.cmpTerminal(n.op, n.value));
      case "in": {
        if (n.values.length === 0) return "FALSE";
        const any = (f: (v: FilterLiteral) => string) => `(${n.values.map((v) => `(${f(v)})`).join(" OR ")})`;
        return at(n.path, {
          row: (t, k) => any((v) => this.cmp(t, k, "==", v)),
          json: (j) => any((v) => this.jsonCmp(j, "==", v)),
        });
      }
      case "isSymbol":
        return this.symbol(ent, n.symbol);
      case "and":
        return `(${n.terms.map((t) => this.node(t, ent, top)).join(" AND ")})`;
      case "or":
        return `(${n.terms.map((t) => this.node(t, ent)).join(" OR ")})`;
    }
  }

  /** `ent` is in `set(path, term)`, as an EXISTS that PostgreSQL turns into a semi-join. */
  private inSet(ent: string, path: FilterPath, term: Terminal): string {
    const s = this.alias("s");
    return `EXISTS (SELECT 1 FROM (${this.set(path, term)}) ${s}(eid) WHERE ${s}.eid = ${ent})`;
  }

  /** A row of tag `name` with alias `t`: `FROM` fragment (with the kind when used) and conditions. */
  private row(t: string, name: string, cond: (kind: string) => string, moreFrom = ""): string {
    const tag = this.tagRow(t, name);
    const c = this.kindTests(cond, t, name);
    return (
      `${this.source(t, name)}${moreFrom} WHERE ${tag} AND ${t}.entity_id IS NOT NULL` +
      `${c ? ` AND ${c}` : ""}`
    );
  }

  /**
   * SELECT of the ids (one column, no NULL) of the entities with an active row of `path[0]`
   * satisfying `term` or, through refs or its Dict, the rest of the path. A ref step is one scan of
   * the tag's rows with two tests, neither correlated with the enclosing query, so PostgreSQL
   * hashes each once: the direct ref (`value_ref` in the set for the rest of the path, the form
   * every writer here uses; `ix_entity_tag_tag_entity` holds `value_ref` and `value_kind`, so the
   * scan is index-only and in entity order, which lets a limited query merge and stop early), or
   * the entity is one of those whose row holds another storage form `targets` follows (an id
   * string in `value_s`, the `@id` elements of a List) or a Dict to step into, tested per row on
   * only the rows that have one of those columns (rare; partial indexes find them). No UNION, so
   * the selection stays a plain semi-join the planner can order.
   */
  private set(path: FilterPath, term: Terminal): string {
    const [name, ...rest] = path;
    if (name === undefined) return "SELECT NULL::int4 WHERE FALSE";
    const t = this.alias("t");
    if (rest.length === 0) return `SELECT ${t}.entity_id FROM ${this.row(t, name, (k) => term.row(t, k))}`;
    // Built inside `row`'s callback, so the parameters are numbered in the order they are written.
    return `SELECT ${t}.entity_id FROM ${this.row(t, name, () => {
      const direct = `(${t}.value_ref IN (${this.visibleSet(this.set(rest, term), rest.length === 1)}) AND (${t}.value_kind = 'Ref' OR ${t}.value_kind IS NULL))`;
      const t2 = this.alias("t");
      const x = this.alias("x");
      const indirect = `SELECT ${t2}.entity_id FROM ${this.row(t2, name, (k) => {
        const viaRefs = `EXISTS (SELECT 1 FROM (${this.targets(t2, k)}) ${x}(eid) WHERE ${this.onTarget(`${x}.eid`, this.path(`${x}.eid`, rest, term))})`;
        return (
          `(${t2}.value_s IS NOT NULL OR ${t2}.value_list IS NOT NULL OR ${t2}.value_dict IS NOT NULL) ` +
          `AND (${viaRefs} OR ${this.dictStep(t2, k, rest, term)})`
        );
      })}`;
      return `(${direct} OR ${t}.entity_id IN (${indirect}))`;
    })}`;
  }

  /**
   * EXISTS an active row of `path[0]` on entity `ent` satisfying `term` (or, via refs or its Dict,
   * the rest of the path).
   */
  private path(ent: string, path: FilterPath, term: Terminal): string {
    const [name, ...rest] = path;
    if (name === undefined) return "FALSE";
    const stored = (t: string) => `${this.s}.entity_tag ${t}`;
    const c = this.computed?.get(name);
    if (!c) return this.probe(ent, name, rest, term, stored, (t) => this.storedTagRow(t, name));
    // A computed tag: its stored rows by the usual index probe (no union to scan whole), or a
    // computed row of the entity.
    const param = (v: unknown) => this.p(v);
    const kept = (t: string) =>
      this.storedTagRow(t, name) + (c.unless ? ` AND NOT (${c.unless(param, ent)})` : "");
    const own = this.probe(ent, name, rest, term, stored, kept);
    const extra = this.probe(
      ent,
      name,
      rest,
      term,
      (t) => `(${c.extra(param)}) ${t}(${COMPUTED_COLUMNS})`,
      (t) => `${t}.disabled_ts IS NULL`,
    );
    return `(${own} OR ${extra})`;
  }

  /** EXISTS a row `from(t)` of entity `ent` with `tagCond(t)` satisfying `term` (or going on along `rest`). */
  private probe(
    ent: string,
    name: string,
    rest: FilterPath,
    term: Terminal,
    from: (t: string) => string,
    tagCond: (t: string) => string,
  ): string {
    const t = this.alias("t");
    const tag = tagCond(t);
    const cond = this.kindTests(
      (kind) => {
        if (rest.length === 0) return term.row(t, kind);
        const x = this.alias("x");
        const viaRefs = `EXISTS (SELECT 1 FROM (${this.targets(t, kind)}) ${x}(eid) WHERE ${this.onTarget(`${x}.eid`, this.path(`${x}.eid`, rest, term))})`;
        return `(${viaRefs} OR ${this.dictStep(t, kind, rest, term)})`;
      },
      t,
      name,
    );
    return `EXISTS (SELECT 1 FROM ${from(t)} WHERE ${t}.entity_id = ${ent} AND ${tag}${cond ? ` AND ${cond}` : ""})`;
  }

  /** Row `t` (kind `k`) is a Dict whose tag `rest[0]` satisfies `term` or goes on along `rest`. */
  private dictStep(t: string, k: string, rest: FilterPath, term: Terminal): string {
    const [next, ...more] = rest;
    if (next === undefined) return "FALSE";
    return `(${t}.value_dict IS NOT NULL AND ${k} = 'Dict' AND ${this.json(`(${t}.value_dict -> ${this.p(next)}::text)`, more, term)})`;
  }

  /**
   * The JSON value `j` (nested in a Dict) satisfies `term`, or `rest` goes on from it: from the
   * entity a Ref points at, from each Ref of a List, or inside a Dict.
   */
  private json(j: string, rest: FilterPath, term: Terminal): string {
    const [next, ...more] = rest;
    if (next === undefined) return term.json(j);
    const i = this.alias("i");
    const i2 = this.alias("i");
    const el = this.alias("el");
    const viaRef =
      `EXISTS (SELECT 1 FROM ${this.idRows(i)} AND ${i}.value_s = ${jsonVal(j, "ref")} ` +
      `AND ${this.onTarget(`${i}.entity_id`, this.path(`${i}.entity_id`, rest, term))})`;
    const viaList =
      `EXISTS (SELECT 1 FROM ${jsonElements(j, el)}, ${this.idRows(i2)} AND ${i2}.value_s = ${jsonVal(`${el}.v`, "ref")} ` +
      `AND ${this.onTarget(`${i2}.entity_id`, this.path(`${i2}.entity_id`, rest, term))})`;
    const viaDict =
      `(jsonb_typeof(${j}) = 'object' AND COALESCE(${j} ->> '_kind', 'dict') = 'dict' ` +
      `AND ${this.json(`(${j} -> ${this.p(next)}::text)`, more, term)})`;
    return `(${viaRef} OR ${viaList} OR ${viaDict})`;
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

  /**
   * `op lit` on a row and on a nested value. `!=` holds for any present value not equal to the
   * literal, whatever its kind (a List is never equal to a scalar); the others need the same kind.
   */
  private cmpTerminal(op: CmpOp, lit: FilterLiteral): Terminal {
    if (op !== "!=") return { row: (t, k) => this.cmp(t, k, op, lit), json: (j) => this.jsonCmp(j, op, lit) };
    return {
      row: (t, k) => `(${k} = 'List' OR (${this.cmp(t, k, "==", lit)}) IS NOT TRUE)`,
      json: (j) =>
        `(jsonb_typeof(${j}) <> 'null' AND (jsonb_typeof(${j}) = 'array' OR (${this.jsonCmp(j, "==", lit)}) IS NOT TRUE))`,
    };
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
      const nan = op === "==" ? "" : ` AND ${t}.value_n <> 'NaN'::numeric`;
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

  /**
   * `op lit` (not `!=`) on the Haystack 4 JSON value `j`, with the same kinds and order as `cmp`;
   * every cast sits behind a CASE on the JSON type, so no stored value can make the query fail.
   */
  private jsonCmp(j: string, op: CmpOp, lit: FilterLiteral): string {
    const o = SQL_OP[op];
    if (typeof lit === "boolean") {
      return `(CASE WHEN jsonb_typeof(${j}) = 'boolean' THEN (${j})::boolean END) ${o} ${this.p(lit)}::boolean`;
    }
    if (typeof lit === "string") {
      return `(CASE WHEN jsonb_typeof(${j}) = 'string' THEN ${j} #>> '{}' END) COLLATE "C" ${o} ${this.p(lit)}`;
    }
    const val = (kind: string, v: string) => `${jsonVal(j, kind)} COLLATE "C" ${o} ${this.p(v)}`;
    if (lit instanceof Uri) return val("uri", lit.val);
    if (lit instanceof HSymbol) return val("symbol", lit.val);
    if (lit instanceof HDate) return val("date", lit.toString());
    if (lit instanceof HTime) {
      const v = jsonVal(j, "time");
      return `(CASE WHEN ${v} ~ '^[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?$' THEN ${v}::time END) ${o} ${this.p(lit.toString())}::time`;
    }
    if (lit instanceof HDateTime) {
      const v = jsonVal(j, "dateTime");
      return (
        `(CASE WHEN ${v} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$' ` +
        `THEN ${v}::timestamptz END) ${o} ${this.p(new Date(lit.epochMs).toISOString())}::timestamptz`
      );
    }
    if (lit instanceof HNum) {
      const unit =
        lit.unit === undefined
          ? `COALESCE(${j} ->> 'unit', '') = ''`
          : `(${j} ->> 'unit') = ${this.p(lit.unit)}`;
      const n = jsonNumber(j);
      const nan = op === "==" ? "" : ` AND ${n} <> 'NaN'::numeric`;
      return `(${unit} AND ${n} ${o} ${this.p(String(lit.val))}::numeric${nan})`;
    }
    if (lit instanceof Ref) {
      const el = this.alias("el");
      return (
        `(${val("ref", lit.id)} OR EXISTS (SELECT 1 FROM ${jsonElements(j, el)} ` +
        `WHERE ${jsonVal(`${el}.v`, "ref")} COLLATE "C" ${o} ${this.p(lit.id)}))`
      );
    }
    return "FALSE";
  }

  /**
   * `^symbol`: the entity has the tag of the symbol or of one of its descendants in the namespace
   * (every tag of a conjunct such as `hot-water`), as `implementsSymbol` in `../defs.ts` decides.
   */
  private symbol(ent: string, symbol: string): string {
    const terms = (this.ns?.descendants(symbol) ?? [symbol]).filter((s) => !s.includes(":"));
    const plain = terms.filter((s) => !s.includes("-"));
    // A computed tag is not among the stored rows: tested through its relation.
    const tags = plain.filter((s) => !this.computed?.has(s));
    const parts: string[] = plain.filter((s) => this.computed?.has(s)).map((s) => this.path(ent, [s], HAS));
    if (tags.length > 0) {
      const t = this.alias("t");
      parts.push(
        `EXISTS (SELECT 1 FROM ${this.s}.entity_tag ${t} WHERE ${t}.entity_id = ${ent} AND ${t}.disabled_ts IS NULL ` +
          `AND ${t}.tag_id IN (SELECT id FROM ${this.s}.tag_def WHERE name IN (${tags.map((x) => this.p(x)).join(", ")})))`,
      );
    }
    for (const conjunct of terms.filter((s) => s.includes("-"))) {
      const names = conjunct.split("-");
      if (names.some((x) => x === "")) continue;
      parts.push(`(${names.map((x) => this.path(ent, [x], HAS)).join(" AND ")})`);
    }
    return parts.length > 0 ? `(${parts.join(" OR ")})` : "FALSE";
  }
}

/**
 * Compiles `ast` into a boolean SQL expression that is true exactly for the entities (identified by
 * `opts.entityIdSql`) that `matches` accepts (with `opts.namespace` as its namespace), given storage laid out as `tag-columns.ts` describes.
 * Parameters are numbered from `$(paramOffset + 1)`; `params` holds their values (strings and
 * booleans). Only active tag rows (`disabled_ts IS NULL`) count; `core.entity.disabled_ts` is
 * left to the caller. Throws `TypeError` for an invalid schema name.
 */
/**
 * The SQL's size grows about 7-fold with each step through a Ref (a step tries every form a ref is
 * stored in, each with the rest of the path): `a->b->c->d->e->f->g->h->i->j->dis` compiles to
 * 15 MB. The filter's cost is the sum over its terms of 7^(steps through Refs); `compileFilter`
 * refuses more than `MAX_REF_STEP_COST` (one path of 6 steps, about 0.4 MB), before it builds
 * anything.
 */
export const MAX_REF_STEP_COST = 7 ** 6;

/**
 * The most SQL text one compiled filter may be. Many terms with Ref steps build large statements
 * within the step cost (1,100 terms of `a->b`: 3 MB, which took the embedded engine's backend
 * down after a minute); 350 of them (0.95 MB) were answered in a second there.
 */
export const MAX_FILTER_SQL = 1_000_000;

/** The cost `MAX_REF_STEP_COST` bounds. */
export function refStepCost(node: FilterNode): number {
  switch (node.type) {
    case "and":
    case "or":
      return node.terms.reduce((sum, t) => sum + refStepCost(t), 0);
    case "isSymbol":
      return 1;
    default:
      return 7 ** (node.path.length - 1);
  }
}

/** A filter that compiles to too large a query (`MAX_REF_STEP_COST`, `MAX_FILTER_SQL`): refused input. */
export class FilterTooComplexError extends Error {
  constructor() {
    super(
      "the filter is too large to answer as one query: at most 6 steps (->) in a path, and fewer terms with paths through Refs when it has many",
    );
    this.name = "FilterTooComplexError";
  }
}

export function compileFilter(ast: FilterNode, opts: CompileOptions): CompiledFilter {
  if (refStepCost(ast) > MAX_REF_STEP_COST) throw new FilterTooComplexError();
  const c = new Compiler(
    opts.paramOffset ?? 0,
    opts.schema ?? "core",
    opts.namespace,
    opts.tagIds,
    opts.computed,
    opts.targetVisible,
    opts.targetVisibleArms,
  );
  const sql = c.node(ast, opts.entityIdSql, !opts.few);
  if (sql.length > MAX_FILTER_SQL) throw new FilterTooComplexError();
  return { sql, params: c.params };
}

/** The tag names the compiled SQL of `ast` looks up (every path step, and `id`), for `tagIds`. */
export function filterTagNames(ast: FilterNode): string[] {
  const names = new Set<string>(["id"]);
  const todo: FilterNode[] = [ast];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (n.type === "and" || n.type === "or") todo.push(...n.terms);
    else if (n.type !== "isSymbol") for (const name of n.path) names.add(name);
  }
  return [...names];
}
