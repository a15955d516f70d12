/**
 * Plain data types shared by the simulator model: the resolved building description, the entities it
 * produces, the rows of one interval and the carried state. They are deliberately independent of
 * `src/haystack/` so the model stays a closed, pure unit; the engine maps them onto Haystack kinds.
 */
import type { WeatherFile } from "./weather-file.ts";

/** A tag value. `Ref.localId` names another entity of the same simulator (unprefixed). */
export type TagValue =
  | { kind: "Marker" }
  | { kind: "Number"; val: number; unit?: string }
  | { kind: "Str"; val: string }
  | { kind: "Ref"; localId: string }
  | { kind: "Bool"; val: boolean }
  | { kind: "Date"; val: string }
  | { kind: "Coord"; lat: number; lng: number }
  /** An instant, ISO UTC. */
  | { kind: "DateTime"; val: string }
  /** A list of refs to other entities of the same simulator. */
  | { kind: "RefList"; localIds: string[] };

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
  /**
   * Climate normals, January first: monthly mean dry bulb, °F, and mean daily range (normal maximum −
   * normal minimum), °F. When given they replace `meanTemp`/`annualAmplitude` and `diurnalAmplitude`.
   */
  monthlyMeans?: number[];
  monthlyRanges?: number[];
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
  /**
   * A weather file (EPW) for this site, attached at run time from its stored upload; when present it
   * replaces the synthetic weather of `climate` (see `weather-file.ts`).
   */
  weatherFile?: WeatherFile;
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
  /**
   * Connected lighting and plug loads, W/ft², and the share of each left on when the space is empty
   * (`lightingNight`, `plugNight`: egress/security lighting, equipment left on, refrigeration).
   */
  loads: { lightingWPerFt2: number; plugWPerFt2: number; lightingNight: number; plugNight: number };
  /** Envelope conductance per ft² of floor area, Btu/h·°F·ft². */
  envelopeUaPerFt2: number;
  chillers: {
    count: number;
    capacityTons: number;
    manufacturer?: string;
    model?: string;
    /**
     * Heat rejection: `water` (condenser water from a cooling tower; COP on condenser water temperature)
     * or `air` (condenser fans, no condenser water; COP on outdoor dry bulb).
     */
    condenser: "water" | "air";
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
    /** `mixed`: return air and an economizer; `full`: 100 % outside air, once through (laboratories). */
    outsideAir: "mixed" | "full";
    /** Sensible effectiveness of exhaust-to-supply heat recovery on a `full` unit (0: none). */
    heatRecovery: number;
    /** `scheduled`: occupied mode follows occupancy; `continuous`: occupied around the clock. */
    operation: "scheduled" | "continuous";
    manufacturer?: string;
    model?: string;
  };
  vavs: {
    zones: string[];
    maxFlowCfm: number;
    minFlowRatio: number;
    reheat: "hw" | "elec" | "none";
    /** Fume hoods per zone and each hood's exhaust at full sash, cfm. */
    fumeHoods: number;
    fumeHoodCfm: number;
  };
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

/**
 * A labelled fault between `start` (inclusive) and `end` (exclusive) interval ends, ISO UTC. Each acts
 * on the physical variable and leaves commands, setpoints and other sensors as a real controller would
 * (see the catalogue in `design.md` and `faults.ts`). `label` is free text carried into the ground truth.
 */
export type Fault = { start: string; end: string; target: string; label?: string } & (
  | /** A VAV box damper stuck at `position` % open: the command keeps following the controller. */
  {
      type: "stuck_damper";
      position: number;
    } /** An additive offset on a sensor reading; a biased control sensor also misleads its controller. */
  | {
      type: "sensor_bias";
      bias: number;
    } /** A sensor reading drifting by `perDay` (its unit per day) from the fault's start. */
  | {
      type: "sensor_drift";
      perDay: number;
    } /** An air handler's cooling valve passes `fraction` of full coil flow while commanded shut. */
  | {
      type: "leaking_valve";
      fraction: number;
    } /** An air handler's cooling valve stuck at `position` % open whatever its command. */
  | {
      type: "stuck_valve";
      position: number;
    } /** An air handler's outside air damper stuck at `position` % (0: economizer stuck shut). */
  | {
      type: "economizer_stuck";
      position: number;
    } /** An air handler's heating output held at `position` % while it cools (both coils fight). */
  | {
      type: "simultaneous_heat_cool";
      position: number;
    } /** A chiller that trips on a safety shortly after each start, restarting when its timer allows. */
  | { type: "chiller_short_cycle" } /** A chiller tripped: it stops while its enable command stays on. */
  | { type: "chiller_trip" } /** An air handler (and its zones) left in occupied mode around the clock. */
  | {
      type: "schedule_override";
    } /** An air handler's supply fan fails: commanded on, no status, no airflow. */
  | {
      type: "fan_failure";
    } /** A meter stops counting: its rate reads 0 and its register stops, status still ok. */
  | {
      type: "meter_dropout";
    } /** The target's controller (or a whole site) stops answering: its points are held, stale. */
  | { type: "comm_outage" } /**
   * A mistuned control loop: the target's PI controller runs at `gain` times its tuned proportional
   * gain with its integral time divided by `gain` (a VAV box's airflow loop, an air handler's
   * discharge air loop, a chiller's chilled water supply loop): overshoot and hunting.
   */
  | { type: "hunting"; gain: number }
);

export type FaultType = Fault["type"];

/**
 * Data-quality episodes (see `quality.ts`): percent of time each device is offline (`stale`, values
 * held) and each sensor is failed (`fault`, flatline or dropout), with mean episode lengths; and a
 * site-wide network outage share.
 */
export interface Quality {
  stalePercent: number;
  faultPercent: number;
  /** Mean length of a device offline episode, minutes (default 40). */
  offlineMinutes?: number;
  /** Mean length of a sensor failure, hours (default 36). */
  sensorFailureHours?: number;
  /** Percent of time a site's network is down, every point of the site stale (default 0). */
  networkPercent?: number;
  /** Mean length of a network outage, minutes (default 90). */
  networkMinutes?: number;
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
  /**
   * When each staged unit (chiller, boiler, DX compressor stage, by local id) last started or stopped,
   * epoch ms, and whether it runs: the minimum run and off timers. Absent in older checkpoints.
   */
  units?: Record<string, { on: boolean; since: number }>;
  /** Controller states carried between intervals (VAV setpoints and flows, RTU modes, chiller run times). */
  loops?: Record<string, number>;
  /**
   * PI loop states by loop key (`vav-1-1.flowLoop`, `ahu-1.datLoop`, `chiller-1.chwLoop`…): output,
   * integral, actuator position, process value, then the actuator positions in transit (dead time).
   * Absent in older checkpoints (the loops then start from the carried setpoints and flows).
   */
  pi?: Record<string, number[]>;
}
