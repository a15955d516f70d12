// Weather file routes of a simulator: `POST /simulator/weather/{id}?site=<key>&name=<file name>`
// takes an EPW file as the request body (any text type) or as the `file` field of a multipart form
// (with optional `site` and `name` fields) and answers the stored file's description;
// `GET /simulator/weather/{id}` lists the files (member); `DELETE /simulator/weather/{id}?site=`
// returns the site to synthetic weather; `GET /simulator/weather/{id}/hourly` is every file's hourly
// values, for remote runners (org admin; `?records=all`: a sub-hourly file's every record). A malformed file is a 422 naming each bad line and field.
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { idParam, parse } from "../http/validate.ts";
import {
  listWeatherFiles,
  MAX_EPW_BYTES,
  readWeatherFiles,
  removeWeatherFile,
  uploadWeatherFile,
} from "../simulator/service.ts";

/** `records=all`: a sub-hourly file's every record; by default hourly records (older runners). */
const RecordsQuery = z.object({ records: z.enum(["hourly", "all"]).optional() });
const SiteQuery = z.object({ site: z.string().max(40).optional(), name: z.string().max(255).optional() });

const tooLarge = () => new AppError("too_large", `a weather file may have at most ${MAX_EPW_BYTES} bytes`);

/** An upload as text: UTF-8, else Windows-1252 (EPW files from the weather converter often are). */
export function epwTextOf(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

/** The upload of a request: the multipart `file` field (and its `site`, `name`) or the raw body. */
export async function epwUploadOf(c: Context): Promise<{ text: string; site?: string; name?: string }> {
  const type = c.req.header("content-type") ?? "";
  if (type.startsWith("multipart/form-data")) {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) {
      throw new AppError("invalid", "file: an EPW file is required", [
        { loc: ["body", "file"], msg: "field required", type: "missing" },
      ]);
    }
    if (file.size > MAX_EPW_BYTES) throw tooLarge();
    const field = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
    return {
      text: epwTextOf(new Uint8Array(await file.arrayBuffer())),
      site: field(form.site),
      name: field(form.name) ?? (file.name || undefined),
    };
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > MAX_EPW_BYTES) throw tooLarge();
  return { text: epwTextOf(bytes) };
}

export function simulatorWeatherRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const idOf = (c: Context) => idParam(c, "id");
  const siteQuery = (c: Context) => parse(SiteQuery, c.req.query(), "query");

  app.get("/simulator/weather/:id{[0-9]+}", async (c) =>
    c.json(await listWeatherFiles({ deps, actor: actorOf(c), id: idOf(c) })),
  );
  app.get("/simulator/weather/:id{[0-9]+}/hourly", async (c) => {
    const { records } = parse(RecordsQuery, c.req.query(), "query");
    return c.json(await readWeatherFiles({ deps, actor: actorOf(c), id: idOf(c), records }));
  });
  app.post("/simulator/weather/:id{[0-9]+}", async (c) => {
    const actor = actorOf(c);
    const id = idOf(c);
    const q = siteQuery(c);
    const up = await epwUploadOf(c);
    return c.json(
      await uploadWeatherFile({
        deps,
        actor,
        id,
        site: q.site ?? up.site,
        name: q.name ?? up.name,
        text: up.text,
      }),
    );
  });
  app.delete("/simulator/weather/:id{[0-9]+}", async (c) =>
    c.json(await removeWeatherFile({ deps, actor: actorOf(c), id: idOf(c), site: siteQuery(c).site })),
  );
  return app;
}
