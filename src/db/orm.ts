// drizzle over our own connections: `orm(sql)` gives a query builder whose statements run through
// any `Sql` (a database or an open transaction), on postgres.js and PGlite alike. So a typed CRUD
// statement commits with the raw SQL of the same transaction, and there is no second pool. Rule
// (docs/drizzle.md): simple single-table CRUD is written against the tables of schema.ts with the
// query builder; set-based ingest, the filter compiler and multi-table reads keep `sql`.
import { drizzle } from "drizzle-orm/pg-proxy";
import type { Sql } from "./connect.ts";
import * as schema from "./schema.ts";

export type Orm = ReturnType<typeof orm>;

/**
 * A drizzle database executing through `sql`. Rows come back in the drivers' own parsing (see
 * connect.ts: timestamps as Dates, numeric and bigint as numbers). Statements selecting the same
 * column name twice (joins) are not supported: write those with `sql`.
 */
export function orm(sql: Sql) {
  return drizzle(
    async (text, params, method) => {
      const rows = await sql.query<Record<string, unknown>>(text, params);
      return { rows: method === "all" ? rows.map((r) => Object.values(r)) : rows };
    },
    { schema },
  );
}
