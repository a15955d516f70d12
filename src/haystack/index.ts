/**
 * haystack/: the pure Project Haystack library. It owns the kinds (values, equality), the unit
 * database, time-zone names, the def namespace, the Zinc and Haystack 4 JSON codecs, the filter language (parser,
 * evaluator, SQL compiler), hisRead ranges, and the mapping of tag values to `entity_tag` columns.
 * It imports nothing else from the app and does no I/O.
 */

export * from "./defs.ts";
export * from "./depth.ts";
export * from "./filter/index.ts";
export * from "./grid-encode.ts";
export * from "./his-encode.ts";
export * from "./his-range.ts";
export * from "./instants.ts";
export * from "./json.ts";
export * from "./kinds.ts";
export * from "./tag-columns.ts";
export * from "./taxonomy.ts";
export * from "./tz.ts";
export * from "./units.ts";
export {
  readZincGrid,
  readZincValue,
  writeZincGrid,
  writeZincValue,
  ZincSyntaxError,
  zincStr,
} from "./zinc.ts";
