// The layout rules of docs/architecture.md that the compiler cannot check: every table of the
// migrations has one owner folder, SQL naming a table sits only in that folder (or in an exception
// listed below with its reason), routes do not import the database layer, and the pure folders
// import nothing of the app. The checks are functions over source files, so the last tests feed
// them fake files to show that they fail.
import { describe, expect, test } from "bun:test";
import { Glob } from "bun";

const ROOT = new URL("../", import.meta.url).pathname;

/** A source file, its path relative to `src/` (`catalog/read.ts`). */
interface SourceFile {
  path: string;
  text: string;
}

/** The folder that owns each table: the only one whose SQL names it. */
const OWNERS: Readonly<Record<string, string>> = {
  // access/: people, orgs, memberships, permissions, credentials, tokens, sessions, audit.
  user: "access",
  org: "access",
  org_user: "access",
  org_admin: "access",
  user_app: "access",
  org_entity_permission: "access",
  org_tag_permission: "access",
  user_entity_add_permission: "access",
  user_entity_rev_permission: "access",
  user_tag_add_permission: "access",
  user_tag_rev_permission: "access",
  hs_credential: "access",
  hs_api_token: "access",
  hs_session: "access",
  hs_auth_generation: "access",
  hs_audit_log: "access",
  app_secret: "access",
  // catalog/: entities, tags, tag definitions (with their history rows), pollers.
  entity: "catalog",
  entity_tag: "catalog",
  entity_tag_h: "catalog",
  tag_def: "catalog",
  tag_def_h: "catalog",
  tag_meta: "catalog",
  tag_meta_h: "catalog",
  tag_def_enum: "catalog",
  tag_def_enum_h: "catalog",
  tag_hierarchy: "catalog",
  tag_hierarchy_h: "catalog",
  poller_config: "catalog",
  // ingest/: the value tables (core."values_<key>" and _current, named at run time), the outbox
  // and the replicas' positions.
  hs_outbox: "ingest",
  hs_replica: "ingest",
  // points/: pointWrite priority arrays.
  hs_point_write: "points",
  // simulator/: simulators, their checkpoints, per-process state, leases, activity.
  hs_simulator: "simulator",
  hs_simulator_checkpoint: "simulator",
  hs_simulator_weather: "simulator",
  simulator_state: "simulator",
  simulator_activity_log: "simulator",
  simulator_lease: "simulator",
  // db/: the migrations' own bookkeeping.
  hs_migration: "db",
};

/** Who may name tables generically (built at run time, or all at once), and which tables that covers. */
const DYNAMIC_NAMES: Readonly<Record<string, string>> = {
  "ingest/columns.ts": "valueTables(): the value tables of an org",
  "ingest/retention.ts": "the value tables of every org",
  "ingest/seed.ts": "copies whole tables generically (catalog, access and value tables) to a new secondary",
  "db/inspect.ts": "generic inspection: sizes of the value tables",
  "db/layout.ts": "imports every table of a former embedded state directory into the primary",
  "db/orm.ts": "hands drizzle every table definition of schema.ts (the query builder's schema)",
  "catalog/shared.ts": "the *_h history rows of catalog tables",
  "catalog/tag-defs.ts": "tag_def, tag_meta, tag_def_enum (one disable helper)",
  "access/permissions.ts": "the six permission tables",
};

interface Exception {
  file: string;
  table: string;
  why: string;
  /**
   * Not by design: the SQL should go through the owner, and `pending` says who moves it. When it
   * has moved, the "still needed" check fails until the entry is removed here.
   */
  pending?: string;
}

const seedCopies = (tables: string[]): Exception[] =>
  tables.map((table) => ({
    file: "ingest/seed.ts",
    table,
    why: "seeds a new secondary by copying every catalog and access table generically",
  }));

/** Reads of the org's and user's entity grants that scope an entity query to what the caller sees. */
const entityScope = (file: string): Exception[] => [
  { file, table: "org_entity_permission", why: "entity reads scoped to the org's entity grants" },
  { file, table: "user_entity_add_permission", why: "entity reads scoped to the user's added entities" },
];

/**
 * SQL naming a table outside its owner. Each one is infrastructure working on whole tables, an SQL
 * fragment of the permission rules embedded in the owner's queries, a grant written in the same
 * transaction as the row it grants, or a read that is still to move (`pending`). The test fails on
 * a violation not listed here and on an entry no longer needed.
 */
const EXCEPTIONS: readonly Exception[] = [
  // Infrastructure copying or inspecting whole tables generically.
  ...seedCopies(["user", "org", "org_admin", "org_user", "user_app"]),
  ...seedCopies(["org_entity_permission", "org_tag_permission", "user_entity_add_permission"]),
  ...seedCopies(["user_entity_rev_permission", "user_tag_add_permission", "user_tag_rev_permission"]),
  ...seedCopies(["entity", "entity_tag", "entity_tag_h", "tag_def", "tag_def_h", "tag_meta", "tag_meta_h"]),
  ...seedCopies(["tag_def_enum", "tag_def_enum_h", "tag_hierarchy", "tag_hierarchy_h"]),
  { file: "db/inspect.ts", table: "org", why: "generic inspection sizes the value tables core.org names" },
  // Permission rules (access/) as SQL fragments over catalog rows, and catalog queries scoped by
  // grants. One query each; splitting them across folders would cost a round trip per read.
  { file: "access/actor.ts", table: "entity", why: "visibleEntitySql: only active entities are visible" },
  { file: "access/permissions.ts", table: "tag_def", why: "a tag grant covers a library's tags" },
  { file: "access/permissions.ts", table: "tag_meta", why: "a tag grant covers a library's tags" },
  { file: "access/permissions.ts", table: "entity", why: "an entity grant names an active entity" },
  {
    file: "catalog/shared.ts",
    table: "org_tag_permission",
    why: "visibleTagIdsSql: tags the org is granted",
  },
  { file: "catalog/shared.ts", table: "user_tag_add_permission", why: "visibleTagIdsSql: per-user grants" },
  { file: "catalog/shared.ts", table: "user_tag_rev_permission", why: "visibleTagIdsSql: per-user revokes" },
  {
    file: "catalog/tag-metas.ts",
    table: "org_tag_permission",
    why: "a lib meta names a library granted to the org",
  },
  {
    file: "catalog/bulk.ts",
    table: "org_entity_permission",
    why: "entity reads scoped to the org's entity grants",
  },
  ...entityScope("catalog/entity-tags.ts"),
  { file: "catalog/entities.ts", table: "org_entity_permission", why: "a new entity is granted to its org" },
  {
    file: "catalog/bulk.ts",
    table: "org_tag_permission",
    why: "on-the-fly custom tags are granted to the org",
  },
  // Grants written with the rows they grant, in one transaction.
  { file: "access/orgs.ts", table: "tag_def", why: "a new org is granted the standard tag libraries" },
  {
    file: "catalog/pollers.ts",
    table: "app_secret",
    why: "creates and reads the poller configs' Fernet key",
  },
  {
    file: "simulator/service/define.ts",
    table: "org",
    why: "reads the demo org's id itself",
    pending: "access/orgs.ts orgByKey",
  },
];

/** SQL functions in core, not tables. */
const IGNORED_TABLE_NAMES = new Set(["hs_ensure_value_tables", "hs_value_policies"]);
/** drizzle's table definitions (`core.table("entity", …)`): the shape of every table, not SQL. */
const SCHEMA = "db/schema.ts";
const NOT_SQL = new Set([SCHEMA]);

const transpilers = {
  ts: new Bun.Transpiler({ loader: "ts" }),
  tsx: new Bun.Transpiler({ loader: "tsx" }),
};

/** The code of a file without comments or types (so a comment naming a table is not SQL). */
function codeOf(f: SourceFile): string {
  return (f.path.endsWith(".tsx") ? transpilers.tsx : transpilers.ts).transformSync(f.text);
}

/** The drizzle table objects `db/schema.ts` exports, by name: `entityTag` → `entity_tag`. */
function schemaTables(files: readonly SourceFile[]): Map<string, string> {
  const schema = files.find((f) => f.path === SCHEMA)?.text ?? "";
  const out = new Map<string, string>();
  for (const m of schema.matchAll(/export const (\w+) = core\.table\(\s*"([a-z_][a-z0-9_]*)"/g))
    out.set(m[1]!, m[2]!);
  return out;
}

/**
 * The `core.*` tables a file names in its code (SQL text, or drizzle table objects imported from
 * `db/schema.ts`); `<dynamic>` for names built at run time.
 */
function tablesNamed(f: SourceFile, schema: ReadonlyMap<string, string> = new Map()): Set<string> {
  const out = new Set<string>();
  for (const m of f.text.matchAll(/^\s*import\s+(?:type\s+)?([^;]*?)\s+from\s*["']([^"']+)["']/gm)) {
    if (!m[2]!.startsWith(".") || resolve(f.path, m[2]!) !== SCHEMA) continue;
    if (m[1]!.includes("*")) out.add("<dynamic>");
    for (const name of m[1]!.replace(/[{}]/g, "").split(",")) {
      const imported = name
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)[0]!;
      const table = schema.get(imported);
      if (table !== undefined) out.add(table);
    }
  }
  for (const m of codeOf(f).matchAll(/core\.(?:"([a-z_][a-z0-9_]*)"|([a-z_][a-z0-9_]*)|"?\$\{)/g)) {
    const name = m[1] ?? m[2];
    if (name === undefined) out.add("<dynamic>");
    else if (!IGNORED_TABLE_NAMES.has(name)) out.add(name);
  }
  return out;
}

const folderOf = (path: string): string => (path.includes("/") ? path.slice(0, path.indexOf("/")) : "");

/** `file: table` for each table named outside its owner folder and not excepted. */
function ownershipViolations(
  files: readonly SourceFile[],
  exceptions: readonly Exception[] = EXCEPTIONS,
  dynamicNames: Readonly<Record<string, string>> = DYNAMIC_NAMES,
): { violations: string[]; unused: string[] } {
  const excepted = new Set(exceptions.map((e) => `${e.file}: ${e.table}`));
  for (const file of Object.keys(dynamicNames)) excepted.add(`${file}: <dynamic>`);
  const used = new Set<string>();
  const violations: string[] = [];
  const schema = schemaTables(files);
  for (const f of files) {
    if (NOT_SQL.has(f.path)) continue;
    for (const table of tablesNamed(f, schema)) {
      const key = `${f.path}: ${table}`;
      const owner = OWNERS[table];
      if (owner !== undefined && owner === folderOf(f.path)) continue;
      if (excepted.has(key)) used.add(key);
      else violations.push(owner === undefined && table !== "<dynamic>" ? `${key} (no owner)` : key);
    }
  }
  return { violations, unused: [...excepted].filter((k) => !used.has(k)) };
}

/** The modules a file imports (values and types, static and dynamic). */
function importsOf(f: SourceFile): string[] {
  const out: string[] = [];
  for (const m of f.text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm))
    out.push(m[1]!);
  for (const m of f.text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) out.push(m[1]!);
  for (const m of f.text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!);
  return out;
}

/** A relative import resolved to a path under `src/` (`../db/index.ts` from `api/x.ts` → `db/index.ts`). */
function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

const ROUTE_FOLDERS = ["api/", "web/"];
/** Route files that still call db/ directly, with why. */
const ROUTE_EXCEPTIONS: Readonly<Record<string, string>> = {
  "web/databases.tsx: db/inspect.ts":
    "the Databases page shows db/inspect's read-only report; no service wraps it yet",
};

/** Boundary breaks of STYLE.md: routes importing db/ or drizzle; pure folders importing the app. */
function boundaryViolations(
  files: readonly SourceFile[],
  routeExceptions: Readonly<Record<string, string>> = ROUTE_EXCEPTIONS,
): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const spec of importsOf(f)) {
      const target = spec.startsWith(".") ? resolve(f.path, spec) : null;
      if (ROUTE_FOLDERS.some((d) => f.path.startsWith(d))) {
        const bad =
          target === null
            ? /^(drizzle-orm|postgres|@electric-sql\/pglite)(\/|$)/.test(spec)
            : target.startsWith("db/");
        if (bad && !(`${f.path}: ${target ?? spec}` in routeExceptions))
          out.push(`${f.path} imports ${spec}`);
      }
      if (f.path.startsWith("haystack/") && target !== null && !target.startsWith("haystack/"))
        out.push(`${f.path} imports ${spec}`);
      if (
        f.path.startsWith("simulator/model/") &&
        target !== null &&
        !target.startsWith("simulator/model/") &&
        !target.startsWith("haystack/")
      )
        out.push(`${f.path} imports ${spec}`);
    }
  }
  return out;
}

async function sourceFiles(): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for await (const path of new Glob("**/*.{ts,tsx}").scan({ cwd: `${ROOT}src` })) {
    if (/\.test\.tsx?$/.test(path) || path.endsWith(".d.ts")) continue;
    out.push({ path, text: await Bun.file(`${ROOT}src/${path}`).text() });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Tables the migrations create (building and state databases). */
async function migrationTables(): Promise<string[]> {
  const out = new Set<string>();
  for await (const path of new Glob("**/*.sql").scan({ cwd: `${ROOT}schema` })) {
    const text = await Bun.file(`${ROOT}schema/${path}`).text();
    for (const m of text.matchAll(/CREATE TABLE IF NOT EXISTS core\.(?:"([a-z_]+)"|([a-z_]+))/g))
      out.add((m[1] ?? m[2])!);
  }
  return [...out].sort();
}

describe("table ownership", () => {
  test("every table the migrations create has an owner folder", async () => {
    const tables = await migrationTables();
    expect(tables.length).toBeGreaterThan(30);
    expect(tables.filter((t) => !(t in OWNERS))).toEqual([]);
  });

  test("SQL names each table only in its owner folder, or in a listed exception that is still needed", async () => {
    const { violations, unused } = ownershipViolations(await sourceFiles());
    expect(violations).toEqual([]);
    expect(unused).toEqual([]);
  });

  test("no table is named by haystack-api/, api/, web/ or http/ (they go through the services)", async () => {
    const files = (await sourceFiles()).filter((f) => /^(haystack-api|api|web|http)\//.test(f.path));
    expect(files.length).toBeGreaterThan(10);
    const schema = schemaTables(await sourceFiles());
    expect(files.filter((f) => tablesNamed(f, schema).size > 0).map((f) => f.path)).toEqual([]);
  });

  test("bites: SQL or a drizzle table object from outside the owner is reported; comments are not SQL", () => {
    const files: SourceFile[] = [
      {
        path: "web/fake.tsx",
        text: `// reads core.hs_credential (a comment, not SQL)
export const q = (sql: { query(t: string): unknown }) =>
  sql.query(\`SELECT et.value_s FROM core.entity_tag et JOIN core."user" u ON true\`);`,
      },
      { path: "catalog/fake.ts", text: 'export const q = "SELECT * FROM core.entity_tag";' },
      { path: "api/dyn.ts", text: `export const q = (t: string) => \`SELECT * FROM core."\${t}"\`;` },
      { path: "simulator/x.ts", text: 'export const q = "SELECT * FROM core.not_a_table";' },
      {
        path: "db/schema.ts",
        text: 'export const entityTag = core.table("entity_tag", {});\nexport const hsOutbox = core.table(\n  "hs_outbox",\n  {});',
      },
      {
        path: "access/orm.ts",
        text: 'import { entityTag as et, type hsOutbox } from "../db/schema.ts";\nexport const q = (db: any) => db.select().from(et);',
      },
    ];
    expect(ownershipViolations(files, [], {})).toEqual({
      violations: [
        "web/fake.tsx: entity_tag",
        "web/fake.tsx: user",
        "api/dyn.ts: <dynamic>",
        "simulator/x.ts: not_a_table (no owner)",
        "access/orm.ts: entity_tag",
        "access/orm.ts: hs_outbox",
      ],
      unused: [],
    });
    expect(
      ownershipViolations([files[1]!], [{ file: "ingest/gone.ts", table: "org", why: "moved" }], {
        "api/dyn.ts": "gone too",
      }),
    ).toEqual({ violations: [], unused: ["ingest/gone.ts: org", "api/dyn.ts: <dynamic>"] });
  });
});

describe("module boundaries (STYLE.md)", () => {
  test("routes import no db/ or drizzle; haystack/ and simulator/model/ import nothing of the app", async () => {
    expect(boundaryViolations(await sourceFiles())).toEqual([]);
  });

  test("every route exception is still needed", async () => {
    const files = await sourceFiles();
    for (const key of Object.keys(ROUTE_EXCEPTIONS)) {
      const [file, target] = key.split(": ");
      const f = files.find((x) => x.path === file);
      expect(f ? importsOf(f).map((s) => resolve(file!, s)) : []).toContain(target!);
    }
  });

  test("bites: a route importing db/ or drizzle, a pure module importing a service", () => {
    const files: SourceFile[] = [
      {
        path: "api/fake.ts",
        text: 'import type { Sql } from "../db/index.ts";\nimport { eq } from "drizzle-orm";',
      },
      { path: "web/fake.tsx", text: 'const m = await import("../db/connect.ts");' },
      {
        path: "haystack/fake.ts",
        text: 'import { entityDicts } from "../catalog/read.ts";\nimport { Ref } from "./kinds.ts";',
      },
      {
        path: "simulator/model/fake.ts",
        text: 'import { HNum } from "../../haystack/index.ts";\nimport { tick } from "../engine.ts";',
      },
    ];
    expect(boundaryViolations(files, {})).toEqual([
      "api/fake.ts imports ../db/index.ts",
      "api/fake.ts imports drizzle-orm",
      "web/fake.tsx imports ../db/connect.ts",
      "haystack/fake.ts imports ../catalog/read.ts",
      "simulator/model/fake.ts imports ../engine.ts",
    ]);
  });
});
