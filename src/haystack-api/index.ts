/**
 * haystack-api/: the Project Haystack HTTP API over this product's data — transport only. It owns
 * the routes (`routes.ts`, the only file here that imports hono), format negotiation and the Zinc /
 * JSON grids on the wire (`wire.ts`), the ops dispatch (`ops.ts`), the HELLO/SCRAM-SHA-256 client
 * authentication and its auth tokens (`auth.ts`, `scram.ts`), watches (`watch.ts`), hisRead range
 * glue and grid encoding (`his.ts`), and the Haystack view of orgs and entity dicts (`records.ts`).
 * It holds no SQL: entities come from catalog/, history and current values from ingest/, priority
 * arrays from points/, orgs and credentials from access/.
 */
export {
  actorForAuthToken,
  closeAuthToken,
  helloHandshake,
  parseAuthHeader,
  scramStep,
} from "./auth.ts";
export { hisRead, hisWrite } from "./his.ts";
export { OPS, runOp } from "./ops.ts";
export { type HaystackOrg, loadDicts, resolveOrg } from "./records.ts";
export { watchPoll, watchSub, watchUnsub } from "./watch.ts";
