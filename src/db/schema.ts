// drizzle table definitions for the building databases' `core` schema (v2 names), mirroring the
// SQL in schema/building. The SQL files are the source of truth; keep these in step with them
// (test/db/schema.test.ts compares them with a migrated database). Simple CRUD is written against
// these through `orm(sql)` (db/orm.ts, docs/drizzle.md). Per-org value tables
// (core.values_<key>) are dynamic and reached through raw SQL in ingest.
import {
  bigserial,
  boolean,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  serial,
  text,
  timestamp,
  varchar,
} from "drizzle-orm/pg-core";

export const core = pgSchema("core");

const ts = (name: string) => timestamp(name, { mode: "date" });
const tstz = (name: string) => timestamp(name, { mode: "date", withTimezone: true });

export const entity = core.table("entity", {
  id: serial("id").primaryKey(),
  valueTableId: varchar("value_table_id"),
  disabledTs: ts("disabled_ts"),
});

export const tagDef = core.table("tag_def", {
  id: serial("id").primaryKey(),
  name: varchar("name").notNull(),
  url: varchar("url"),
  doc: varchar("doc"),
  dis: varchar("dis"),
  fileExt: varchar("file_ext"),
  mime: varchar("mime"),
  version: varchar("version"),
  minVal: integer("min_val"),
  maxVal: integer("max_val"),
  baseUri: varchar("base_uri"),
  prefUnit: varchar("pref_unit").array(),
  disabledTs: ts("disabled_ts"),
});

const valueColumns = {
  valueN: numeric("value_n", { mode: "number" }),
  valueB: boolean("value_b"),
  valueS: varchar("value_s"),
  valueTs: ts("value_ts"),
  valueList: varchar("value_list").array(),
  valueDict: jsonb("value_dict"),
  valueRef: integer("value_ref"),
  valueEnum: integer("value_enum"),
  disabledTs: ts("disabled_ts"),
  valueUnit: varchar("value_unit"),
  valueKind: varchar("value_kind"),
};

export const entityTag = core.table("entity_tag", {
  id: serial("id").primaryKey(),
  entityId: integer("entity_id"),
  tagId: integer("tag_id"),
  ...valueColumns,
});

export const entityTagH = core.table(
  "entity_tag_h",
  {
    id: integer("id").notNull(),
    entityId: integer("entity_id"),
    tagId: integer("tag_id"),
    ...valueColumns,
    userId: integer("user_id").notNull(),
    modified: ts("modified").notNull(),
  },
  (t) => [primaryKey({ columns: [t.id, t.modified] })],
);

export const tagMeta = core.table("tag_meta", {
  id: serial("id").primaryKey(),
  tagId: integer("tag_id").notNull(),
  attribute: integer("attribute").notNull(),
  value: integer("value"),
  disabledTs: ts("disabled_ts"),
});

export const tagDefEnum = core.table("tag_def_enum", {
  id: serial("id").primaryKey(),
  tagId: integer("tag_id").notNull(),
  value: varchar("value").notNull(),
  label: varchar("label").notNull(),
  disabledTs: ts("disabled_ts"),
});

export const org = core.table("org", {
  id: serial("id").primaryKey(),
  name: varchar("name"),
  key: varchar("key"),
  valueTable: varchar("value_table").notNull(),
  disabledTs: ts("disabled_ts"),
  schemaName: varchar("schema_name").notNull(),
  createdAt: ts("created_at"),
});

export const user = core.table("user", {
  id: serial("id").primaryKey(),
  email: varchar("email"),
  disabledTs: ts("disabled_ts"),
});

export const orgUser = core.table("org_user", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
  orgId: integer("org_id").notNull(),
});

export const orgAdmin = core.table("org_admin", {
  id: serial("id").primaryKey(),
  orgId: integer("org_id").notNull(),
  userId: integer("user_id").notNull(),
});

export const userApp = core.table("user_app", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
});

export const orgEntityPermission = core.table("org_entity_permission", {
  id: serial("id").primaryKey(),
  orgId: integer("org_id").notNull(),
  entityId: integer("entity_id").notNull(),
});
export const orgTagPermission = core.table("org_tag_permission", {
  id: serial("id").primaryKey(),
  orgId: integer("org_id").notNull(),
  tagId: integer("tag_id").notNull(),
});
export const userEntityAddPermission = core.table("user_entity_add_permission", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
  entityId: integer("entity_id").notNull(),
});
export const userEntityRevPermission = core.table("user_entity_rev_permission", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
  entityId: integer("entity_id").notNull(),
});
export const userTagAddPermission = core.table("user_tag_add_permission", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
  tagId: integer("tag_id").notNull(),
});
export const userTagRevPermission = core.table("user_tag_rev_permission", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
  tagId: integer("tag_id").notNull(),
});

export const pollerConfig = core.table("poller_config", {
  id: serial("id").primaryKey(),
  orgId: integer("org_id").notNull(),
  pollerType: varchar("poller_type", { length: 255 }).notNull(),
  pollerId: serial("poller_id").notNull(),
  pollerName: varchar("poller_name", { length: 255 }).notNull(),
  config: text("config").notNull(),
  createdAt: ts("created_at").defaultNow(),
  status: varchar("status").notNull(),
});

/** API tokens (primary only; schema/building/0004_access.sql). */
export const hsApiToken = core.table("hs_api_token", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull(),
  orgId: integer("org_id").notNull(),
  name: varchar("name", { length: 200 }).notNull(),
  role: varchar("role", { length: 20 }).notNull().default("member"),
  tokenHash: text("token_hash").notNull(),
  prefix: varchar("prefix", { length: 16 }).notNull(),
  createdAt: tstz("created_at").notNull().defaultNow(),
  expiresAt: tstz("expires_at"),
  lastUsedAt: tstz("last_used_at"),
  revokedAt: tstz("revoked_at"),
});

/** The audit log (primary only; schema/building/0004_access.sql). */
export const hsAuditLog = core.table("hs_audit_log", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  ts: tstz("ts").notNull().defaultNow(),
  actorUserId: integer("actor_user_id"),
  actorTokenId: integer("actor_token_id"),
  actorEmail: text("actor_email"),
  orgId: integer("org_id"),
  action: varchar("action", { length: 64 }).notNull(),
  target: text("target"),
  details: jsonb("details").$type<Record<string, unknown>>(),
  ip: text("ip"),
});
