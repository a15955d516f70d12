/** @jsxImportSource hono/jsx */
// The database inspector page (application admins: it shows every org's tables).
import type { Hono } from "hono";
import { DatabasesBody, DatabasesPage } from "../../views/databases/index.tsx";
import { requireAppAdmin } from "../access/actor.ts";
import { inspectDatabases } from "../db/inspect.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { page, pageContext } from "./context.ts";

export function mountDatabasePages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/databases", async (c) => {
    const p = await pageContext(c, deps);
    requireAppAdmin(p.actor);
    const [inspected, health] = await Promise.all([
      inspectDatabases(deps.dbs),
      deps.health.recent(1000, 1500),
    ]);
    const databases = inspected.map((d) => ({
      ...d,
      backlog: health.databases.find((h) => h.key === d.key)?.backlog ?? null,
    }));
    return page(
      c,
      () => <DatabasesPage shell={p.shell} databases={databases} />,
      () => <DatabasesBody databases={databases} />,
    );
  });
}
