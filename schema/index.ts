// The numbered SQL migrations, imported as text so `bun build --compile` embeds them in the
// executable. Append a new file here when you add one; a test checks that this list matches the
// files on disk.
import b0001 from "./building/0001_core.sql" with { type: "text" };
import b0002 from "./building/0002_additive.sql" with { type: "text" };
import b0003 from "./building/0003_outbox.sql" with { type: "text" };
import b0004 from "./building/0004_access.sql" with { type: "text" };
import b0005 from "./building/0005_tag_defs.sql" with { type: "text" };
import b0006 from "./building/0006_ingest.sql" with { type: "text" };
import b0007 from "./building/0007_simulator.sql" with { type: "text" };
import b0008 from "./building/0008_haystack.sql" with { type: "text" };
import b0009 from "./building/0009_drop_redundant_value_index.sql" with { type: "text" };
import b0010 from "./building/0010_simulator_weather.sql" with { type: "text" };
import b0011 from "./building/0011_auth_generation.sql" with { type: "text" };
import b0012 from "./building/0012_filter_indexes.sql" with { type: "text" };
import b0013 from "./building/0013_auth_generation_new_orgs.sql" with { type: "text" };
import b0014 from "./building/0014_simulator_database_config.sql" with { type: "text" };
import b0015 from "./building/0015_filter_order_indexes.sql" with { type: "text" };
import b0016 from "./building/0016_access_notify.sql" with { type: "text" };
import b0017 from "./building/0017_grants_notify.sql" with { type: "text" };
import s0001 from "./state/0001_state.sql" with { type: "text" };
import s0002 from "./state/0002_simulator_state_report.sql" with { type: "text" };
import s0003 from "./state/0003_simulator_state_plan_report.sql" with { type: "text" };

export interface Migration {
  /** `NNNN_short_description`, the file name without `.sql`. */
  readonly name: string;
  readonly sql: string;
}

export const buildingMigrations: readonly Migration[] = [
  { name: "0001_core", sql: b0001 },
  { name: "0002_additive", sql: b0002 },
  { name: "0003_outbox", sql: b0003 },
  { name: "0004_access", sql: b0004 },
  { name: "0005_tag_defs", sql: b0005 },
  { name: "0006_ingest", sql: b0006 },
  { name: "0007_simulator", sql: b0007 },
  { name: "0008_haystack", sql: b0008 },
  { name: "0009_drop_redundant_value_index", sql: b0009 },
  { name: "0010_simulator_weather", sql: b0010 },
  { name: "0011_auth_generation", sql: b0011 },
  { name: "0012_filter_indexes", sql: b0012 },
  { name: "0013_auth_generation_new_orgs", sql: b0013 },
  { name: "0014_simulator_database_config", sql: b0014 },
  { name: "0015_filter_order_indexes", sql: b0015 },
  { name: "0016_access_notify", sql: b0016 },
  { name: "0017_grants_notify", sql: b0017 },
];

export const stateMigrations: readonly Migration[] = [
  { name: "0001_state", sql: s0001 },
  { name: "0002_simulator_state_report", sql: s0002 },
  { name: "0003_simulator_state_plan_report", sql: s0003 },
];
