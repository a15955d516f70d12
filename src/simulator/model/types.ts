/**
 * Plain data types shared by the simulator model: the resolved building description, the entities it
 * produces, the rows of one interval and the carried state. They are deliberately independent of
 * `src/haystack/` so the model stays a closed, pure unit; the engine maps them onto Haystack kinds.
 */

/** A tag value. `Ref.localId` names another entity of the same simulator (unprefixed). */
export type TagValue =
  | { kind: "Marker" }
  | { kind: "Number"; val: number; unit?: string }
  | { kind: "Str"; val: string }
  | { kind: "Ref"; localId: string }
  | { kind: "Bool"; val: boolean }
  | { kind: "Date"; val: string }
  | { kind: "Coord"; lat: number; lng: number };

/**
 * One Haystack entity of a simulated building. `localId` is stable and readable (`ahu-1.dat`); the
 * storage layer prefixes it with the simulator key to make the `id` tag, and writes `dis` as the `dis` tag.
 */
export interface Entity {
  localId: string;
  dis: string;
  tags: Record<string, TagValue>;
}

/** Status of one written value. */
export type RowStatus = "ok" | "stale" | "fault";

/** One history value of one point for one interval; exactly one of the value fields is set. */
export interface Row {
  localId: string;
  ts: Date;
  value_n?: number;
  value_b?: boolean;
  value_s?: string;
  status: RowStatus;
}

/** Occupied fraction (0..1) by local clock time `"HH:MM"`, linearly interpolated, wrapping at midnight. */
export type DaySchedule = Record<string, number>;

export interface Climate {
  /** Annual mean dry-bulb temperature, °F. */
  meanTemp: number;
  /** Half the difference between the warmest and coldest month means, °F. */
  annualAmplitude: number;
  /** Half the mean daily temperature range, °F. */
  diurnalAmplitude: number;
  /** Day of year of the coldest mean temperature (northern hemisphere ≈ 20). */
  coldestDay: number;
  /** Standard deviation of the persistent (multi-day) temperature anomaly, °F. */
  anomalyStd: number;
  /** Annual mean dew point, °F, and its seasonal half-range. */
  meanDewPoint: number;
  dewPointAmplitude: number;
  /** Mean cloudiness 0..1. */
  cloudiness: number;
}

export interface Setpoints {
  occupied: { cooling: number; heating: number };
  unoccupied: { cooling: number; heating: number };
}

export interface SiteSpec {
  /** Prefix of every local id of this site (`""` for a single-site building, else e.g. `"east"`). */
  key: string;
  dis: string;
  /** IANA time zone, e.g. `America/New_York`. */
  tz: string;
  /** Gross floor area, ft². */
  area: number;
  floors: number;
  geo: { addr?: string; city?: string; state?: string; country?: string; lat: number; lng: number };
  yearBuilt?: number;
  primaryFunction: string;
  weatherStation: { dis: string };
  climate: Climate;
  occupancy: {
    /** Floor area per occupant at full occupancy, ft². */
    areaPerPerson: number;
    weekday: DaySchedule;
    saturday: DaySchedule;
    sunday: DaySchedule;
    holiday: DaySchedule;
    /** `us`: US federal holidays; `none`: only `holidayDates`. */
    holidayCalendar: "us" | "none";
    /** Extra closed days, `YYYY-MM-DD` in site local time. */
    holidayDates: string[];
  };
  setpoints: Setpoints;
  loads: { lightingWPerFt2: number; plugWPerFt2: number };
  /** Envelope conductance per ft² of floor area, Btu/h·°F·ft². */
  envelopeUaPerFt2: number;
  chillers: {
    count: number;
    capacityTons: number;
    manufacturer?: string;
    model?: string;
    baseCop: number;
    /** Part-load ratio → COP multiplier, sorted by ratio. */
    copCurve: Array<[number, number]>;
    chwSupplySp: number;
  };
  boilers: { count: number; capacityMbh: number; efficiency: number; hwSupplySp: number };
  airHandlers: {
    /** `ahu`: central air handlers feeding VAV boxes; `rtu`: packaged rooftop units, one zone each. */
    kind: "ahu" | "rtu";
    count: number;
    floorsPerUnit: number;
    cooling: "chw" | "dx";
    heating: "hw" | "gas" | "none";
    economizer: boolean;
    /** Design supply airflow per ft² served, cfm. */
    designCfmPerFt2: number;
    /** Minimum outside air per occupant, cfm. */
    oaCfmPerPerson: number;
    manufacturer?: string;
    model?: string;
  };
  vavs: { zones: string[]; maxFlowCfm: number; minFlowRatio: number; reheat: "hw" | "elec" | "none" };
  meters: {
    electric: { dis: string };
    gas: { dis: string } | null;
    water: { dis: string } | null;
  };
}

/** A resolved building: one or more sites, each with its equipment. */
export interface Building {
  name: string;
  sites: SiteSpec[];
}

/** A labelled fault injected between `start` (inclusive) and `end` (exclusive) interval ends, ISO UTC. */
export type Fault =
  | { type: "stuck_damper"; target: string; start: string; end: string; position: number }
  | { type: "sensor_bias"; target: string; start: string; end: string; bias: number }
  | { type: "chiller_trip"; target: string; start: string; end: string }
  | { type: "comm_outage"; target: string; start: string; end: string };

/** Rates of non-`ok` statuses, percent of rows. */
export interface Quality {
  stalePercent: number;
  faultPercent: number;
}

/** A value an operator wrote to a writable point; `null` releases an earlier override. */
export type OverrideValue = number | boolean | null;

/**
 * State carried from one interval to the next. JSON-serialisable (plain numbers, booleans, strings),
 * so the engine can store it as the simulator checkpoint.
 */
export interface ModelState {
  version: 1;
  /** End of the last generated interval, ISO UTC, or null before the first one. */
  lastTs: string | null;
  /** Totalizer readings by point local id; never decrease. */
  totals: Record<string, number>;
  /** True (unbiased) zone air temperatures by zone equip local id, °F. */
  zoneTemps: Record<string, number>;
  /** Last value written per point, used for `stale` rows and communication outages. */
  last: Record<string, number | boolean>;
  /** Operator overrides in force, by point local id. */
  overrides: Record<string, number | boolean>;
  /** Chillers and boilers running per site key (staging hysteresis). */
  chillersOn: Record<string, number>;
  boilersOn: Record<string, number>;
  /** Fraction of the cooling load the chilled water plant could not meet last interval, per site key. */
  chwShortfall: Record<string, number>;
}
