/**
 * haystack-api/: the Project Haystack protocol over this product's data. It owns the `/filter`
 * service verb, the Haystack ops (read, nav, hisRead/hisWrite, watches, pointWrite…), the
 * HELLO/SCRAM-SHA-256 client authentication, and the pointWrite priority arrays
 * (core.hs_point_write). `routes.ts` is its HTTP edge (the only file here that imports hono);
 * everything else is services taking `ServiceDeps` first.
 */
export {
  actorForAuthToken,
  closeAuthToken,
  helloHandshake,
  parseAuthHeader,
  scramStep,
} from "./auth.ts";
export { type HaystackOrg, loadDicts, resolveOrg } from "./entities.ts";
export { type FilterInput, type FilterResult, type FilterTagRow, filterEntities } from "./filter.ts";
export { hisRead, hisWrite } from "./his.ts";
export { OPS, runOp } from "./ops.ts";
export { effectiveWrites, LEVELS, pointWrite, pointWriteArray } from "./point-write.ts";
export { watchPoll, watchSub, watchUnsub } from "./watch.ts";
