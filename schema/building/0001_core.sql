-- Building database: the `core` v2 tables (names and columns as the original db-service-layer),
-- plus our additive columns and constraints. Safe on an existing core v2 database: every create is
-- IF NOT EXISTS, new columns are nullable, and constraints that existing rows could violate are
-- only added after checking (see 0002).
CREATE SCHEMA IF NOT EXISTS core;

-- Catalog ----------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS core.entity (
  id serial PRIMARY KEY,
  value_table_id varchar,
  disabled_ts timestamp
);

CREATE TABLE IF NOT EXISTS core.tag_def (
  id serial PRIMARY KEY,
  name varchar NOT NULL,
  url varchar, doc varchar, dis varchar, file_ext varchar, mime varchar, version varchar,
  min_val int4, max_val int4, base_uri varchar, pref_unit varchar[],
  disabled_ts timestamp
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_core_tag_def_name ON core.tag_def (name);

CREATE TABLE IF NOT EXISTS core.tag_def_h (
  id int4 NOT NULL,
  name varchar NOT NULL,
  url varchar, doc varchar, dis varchar, file_ext varchar, mime varchar, version varchar,
  min_val int4, max_val int4, base_uri varchar, pref_unit varchar[],
  disabled_ts timestamp,
  user_id int4 NOT NULL,
  modified timestamp NOT NULL,
  PRIMARY KEY (id, modified)
);

CREATE TABLE IF NOT EXISTS core.entity_tag (
  id serial PRIMARY KEY,
  entity_id int4 REFERENCES core.entity (id),
  tag_id int4 REFERENCES core.tag_def (id),
  value_n numeric, value_b bool, value_s varchar, value_ts timestamp, value_list varchar[],
  value_dict jsonb, value_ref int4 REFERENCES core.entity (id), value_enum int4,
  disabled_ts timestamp,
  UNIQUE (entity_id, tag_id, disabled_ts)
);
CREATE INDEX IF NOT EXISTS ix_core_entity_tag_entity_id ON core.entity_tag (entity_id);
CREATE INDEX IF NOT EXISTS ix_core_entity_tag_tag_id ON core.entity_tag (tag_id);

CREATE TABLE IF NOT EXISTS core.entity_tag_h (
  id int4 NOT NULL,
  entity_id int4, tag_id int4,
  value_n numeric, value_b bool, value_s varchar, value_ts timestamp, value_list varchar[],
  value_dict jsonb, value_ref int4, value_enum int4,
  disabled_ts timestamp,
  user_id int4 NOT NULL,
  modified timestamp NOT NULL,
  PRIMARY KEY (id, modified)
);

CREATE TABLE IF NOT EXISTS core.tag_meta (
  id serial PRIMARY KEY,
  tag_id int4 NOT NULL REFERENCES core.tag_def (id),
  attribute int4 NOT NULL REFERENCES core.tag_def (id),
  value int4 REFERENCES core.tag_def (id),
  disabled_ts timestamp,
  UNIQUE (tag_id, attribute, value)
);
CREATE TABLE IF NOT EXISTS core.tag_meta_h (
  id int4 NOT NULL, tag_id int4 NOT NULL, attribute int4 NOT NULL, value int4, disabled_ts timestamp,
  user_id int4 NOT NULL, modified timestamp NOT NULL,
  PRIMARY KEY (id, modified)
);

CREATE TABLE IF NOT EXISTS core.tag_hierarchy (
  id serial PRIMARY KEY,
  child_id int4 NOT NULL REFERENCES core.tag_def (id),
  parent_id int4 NOT NULL REFERENCES core.tag_def (id),
  disabled_ts timestamp,
  UNIQUE (child_id, parent_id)
);
CREATE TABLE IF NOT EXISTS core.tag_hierarchy_h (
  id int4 NOT NULL, child_id int4 NOT NULL, parent_id int4 NOT NULL, disabled_ts timestamp,
  user_id int4 NOT NULL, modified timestamp NOT NULL,
  PRIMARY KEY (id, modified)
);

CREATE TABLE IF NOT EXISTS core.tag_def_enum (
  id serial PRIMARY KEY,
  tag_id int4 NOT NULL REFERENCES core.tag_def (id),
  value varchar NOT NULL,
  label varchar NOT NULL,
  disabled_ts timestamp,
  UNIQUE (tag_id, value)
);
CREATE TABLE IF NOT EXISTS core.tag_def_enum_h (
  id int4 NOT NULL, tag_id int4 NOT NULL, value varchar NOT NULL, label varchar NOT NULL, disabled_ts timestamp,
  user_id int4 NOT NULL, modified timestamp NOT NULL,
  PRIMARY KEY (id, modified)
);

-- Orgs, users and permissions ---------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS core.org (
  id serial PRIMARY KEY,
  name varchar,
  key varchar,
  value_table varchar NOT NULL,
  disabled_ts timestamp,
  schema_name varchar NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_core_org_name ON core.org (name);

CREATE TABLE IF NOT EXISTS core."user" (
  id serial PRIMARY KEY,
  email varchar,
  disabled_ts timestamp
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_core_user_email ON core."user" (email);

CREATE TABLE IF NOT EXISTS core.org_user (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  org_id int4 NOT NULL REFERENCES core.org (id)
);
CREATE INDEX IF NOT EXISTS ix_core_org_user_user_id ON core.org_user (user_id);
CREATE INDEX IF NOT EXISTS ix_core_org_user_org_id ON core.org_user (org_id);

CREATE TABLE IF NOT EXISTS core.org_admin (
  id serial PRIMARY KEY,
  org_id int4 NOT NULL REFERENCES core.org (id),
  user_id int4 NOT NULL REFERENCES core."user" (id),
  UNIQUE (org_id, user_id)
);

CREATE TABLE IF NOT EXISTS core.user_app (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id)
);

CREATE TABLE IF NOT EXISTS core.org_entity_permission (
  id serial PRIMARY KEY,
  org_id int4 NOT NULL REFERENCES core.org (id),
  entity_id int4 NOT NULL REFERENCES core.entity (id),
  UNIQUE (org_id, entity_id)
);
CREATE TABLE IF NOT EXISTS core.org_tag_permission (
  id serial PRIMARY KEY,
  org_id int4 NOT NULL REFERENCES core.org (id),
  tag_id int4 NOT NULL REFERENCES core.tag_def (id),
  UNIQUE (org_id, tag_id)
);
CREATE TABLE IF NOT EXISTS core.user_entity_add_permission (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  entity_id int4 NOT NULL REFERENCES core.entity (id),
  UNIQUE (user_id, entity_id)
);
CREATE TABLE IF NOT EXISTS core.user_entity_rev_permission (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  entity_id int4 NOT NULL REFERENCES core.entity (id),
  UNIQUE (user_id, entity_id)
);
CREATE TABLE IF NOT EXISTS core.user_tag_add_permission (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  tag_id int4 NOT NULL REFERENCES core.tag_def (id),
  UNIQUE (user_id, tag_id)
);
CREATE TABLE IF NOT EXISTS core.user_tag_rev_permission (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  tag_id int4 NOT NULL REFERENCES core.tag_def (id),
  UNIQUE (user_id, tag_id)
);

-- Pollers (a simulator is a poller of type 'simulator') ------------------------------------------
CREATE TABLE IF NOT EXISTS core.poller_config (
  id serial PRIMARY KEY,
  org_id int4 NOT NULL REFERENCES core.org (id),
  poller_type varchar(255) NOT NULL,
  poller_id serial NOT NULL UNIQUE,
  poller_name varchar(255) NOT NULL,
  config text NOT NULL,
  created_at timestamp DEFAULT now(),
  status varchar NOT NULL
);
