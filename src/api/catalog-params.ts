// What the catalog routes share: the zod pieces of ids, org and page queries and tag names, and the
// `org_id` of a DELETE (body or query, as the original).
import type { Context } from "hono";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { AppEnv } from "../http/env.ts";
import { idField, pagingFields, validationDetail } from "../http/validate.ts";

// Ids in bodies, queries and paths take numeric strings too, as the original's pydantic ints did.
export const id = idField;
export const queryId = idField;
export const OrgQuery = z.object({ org_id: queryId });
export const PageQuery = OrgQuery.extend(pagingFields());
export const IdParam = z.object({ id: queryId });

export const tagName = z.string().min(1).max(200);

/** `org_id` of a DELETE: from the JSON body (as the original) or the query string. */
export async function deleteOrgId(c: Context<AppEnv>): Promise<number> {
  let raw: unknown = c.req.query("org_id");
  let where = "query";
  if (raw === undefined && c.req.header("content-type")?.includes("json")) {
    const body = (await c.req.json().catch(() => ({}))) as { org_id?: unknown };
    raw = body?.org_id;
    where = "body";
  }
  const parsed = queryId.safeParse(raw);
  if (!parsed.success)
    throw new AppError(
      "invalid",
      "org_id is required",
      validationDetail(where === "body" ? "json" : "query", [
        {
          path: ["org_id"],
          message: "Invalid input: expected number, received undefined",
          code: "invalid_type",
        },
      ]),
    );
  return parsed.data;
}
