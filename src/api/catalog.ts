// Catalog routes (the db-service-layer paths): /entity and /entitytag (`entities.ts`), /tagdef,
// /tagenum and /tagmeta (`tag-defs.ts`).
import { Hono } from "hono";
import type { ServiceDeps } from "../deps.ts";
import type { AppEnv } from "../http/env.ts";
import { entityRoutes } from "./entities.ts";
import { tagDefRoutes } from "./tag-defs.ts";

export function catalogRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route("/", entityRoutes(deps));
  app.route("/", tagDefRoutes(deps));
  return app;
}
