/**
 * The simulator model: PURE functions turning a building description, a seed, an interval and the
 * carried state into Haystack entities and the values of one interval. No I/O, no clock, no global
 * randomness: time and seed come in as arguments. See `design.md` for the stages and why.
 */
export { buildEntities, type PointDef } from "./entities.ts";
export {
  DEFAULT_NOISE,
  type GenerateInput,
  type GenerateOutput,
  generateInterval,
  initialState,
  type Noise,
} from "./generate.ts";
export { ids, pointId } from "./ids.ts";
export { hvacOccupiedMode, isUsHoliday, scheduledOccupancy } from "./occupancy.ts";
export {
  alignDown,
  haystackTz,
  INTERVAL_MINUTES,
  type IntervalMinutes,
  intervalIndex,
  intervalsBetween,
  isValidTimeZone,
  localTime,
} from "./time.ts";
export type {
  Building,
  Climate,
  Entity,
  Fault,
  ModelState,
  OverrideValue,
  Quality,
  Row,
  RowStatus,
  SiteSpec,
  TagValue,
} from "./types.ts";
export { type Weather, weatherAt } from "./weather.ts";
