/**
 * EnergyPlus weather files (EPW: the TMY3 / TMYx format) as a site's weather: a strict parser of the
 * text, and the file's values at any instant. Format: EnergyPlus Auxiliary Programs, "EnergyPlus
 * Weather File (EPW) Data Dictionary": eight header records (LOCATION … DATA PERIODS), then the
 * records, hour `h` (1–24) being the hour ending at h:00 *local standard time* of the LOCATION
 * record's time zone (no daylight saving), January 1 hour 1 first. DATA PERIODS gives the records
 * per hour: 1 (hourly, TMY3/TMYx), or several (sub-hourly, measured data), record `k` of hour `h`
 * then ending `k·60/n` minutes after (h − 1):00 as its Minute field says.
 *
 * Pure: no I/O; the service stores the parsed file and the model reads it through `SiteSpec`.
 */

/** The LOCATION record. */
export interface EpwLocation {
  city: string;
  region: string;
  country: string;
  source: string;
  wmo: string;
  /** Degrees, + north. */
  lat: number;
  /** Degrees, + east. */
  lng: number;
  /** Hours from UTC of the file's standard time (its rows never shift for daylight saving). */
  tzHours: number;
  elevationM: number;
}

/**
 * A parsed file of `n = recordsPerHour` records per hour: row `i` is the interval ending
 * `(i + 1)·60/n` minutes after 1 January 00:00 local standard time of a non-leap year (8,760·n rows;
 * a 29 February in the file is dropped). Units as in the file: °C, %, Pa, radiation in Wh/m² over
 * the interval's hour (the mean irradiance over the interval, W/m², as EnergyPlus reads it at any
 * number of records per hour), degrees, m/s, tenths of sky.
 */
export interface WeatherFile {
  location: EpwLocation;
  /** Records per hour (DATA PERIODS); absent in files stored before sub-hourly files: 1. */
  recordsPerHour?: number;
  dryBulb: number[];
  dewPoint: number[];
  rh: number[];
  pressure: number[];
  ghi: number[];
  windDir: number[];
  windSpeed: number[];
  skyCover: number[];
}

/** One problem of a file: its 1-based line, the field (data dictionary name) when there is one. */
export interface EpwIssue {
  line: number;
  field?: string;
  message: string;
}

export type EpwParse = { ok: true; file: WeatherFile } | { ok: false; issues: EpwIssue[] };

export const HOURS_PER_YEAR = 8760;
/**
 * Records per hour a file may have: the divisors of 60 (each record ends on a whole minute and every
 * hour has the same records). Bounded in practice by the upload size (`MAX_EPW_BYTES`).
 */
export const RECORDS_PER_HOUR = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60] as const;
const MAX_ISSUES = 20;
const HEADERS = [
  "LOCATION",
  "DESIGN CONDITIONS",
  "TYPICAL/EXTREME PERIODS",
  "GROUND TEMPERATURES",
  "HOLIDAYS/DAYLIGHT SAVING",
  "COMMENTS 1",
  "COMMENTS 2",
  "DATA PERIODS",
] as const;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A data field we read: 0-based position in the record, the data dictionary's bounds (`gt`/`lt`
 * exclusive, `min`/`max` inclusive) and missing code (a value ≥ it is missing). Required fields may
 * not be missing; an optional one takes the previous good value (EnergyPlus's missing-data rule),
 * or `fill` on the first row.
 */
interface FieldSpec {
  key: Exclude<keyof WeatherFile, "location" | "recordsPerHour">;
  at: number;
  name: string;
  missing: number;
  gt?: number;
  lt?: number;
  min?: number;
  max?: number;
  required: boolean;
  fill?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { key: "dryBulb", at: 6, name: "Dry Bulb Temperature", missing: 99.9, gt: -70, lt: 70, required: true },
  { key: "dewPoint", at: 7, name: "Dew Point Temperature", missing: 99.9, gt: -70, lt: 70, required: true },
  { key: "rh", at: 8, name: "Relative Humidity", missing: 999, min: 0, max: 110, required: true },
  {
    key: "pressure",
    at: 9,
    name: "Atmospheric Station Pressure",
    missing: 999999,
    gt: 31000,
    lt: 120000,
    required: true,
  },
  { key: "ghi", at: 13, name: "Global Horizontal Radiation", missing: 9999, min: 0, required: true },
  {
    key: "windDir",
    at: 20,
    name: "Wind Direction",
    missing: 999,
    min: 0,
    max: 360,
    required: false,
    fill: 0,
  },
  { key: "windSpeed", at: 21, name: "Wind Speed", missing: 999, min: 0, max: 40, required: false, fill: 0 },
  {
    key: "skyCover",
    at: 22,
    name: "Total Sky Cover",
    missing: 99,
    min: 0,
    max: 10,
    required: false,
    fill: 5,
  },
];
/** Records need every field up to Wind Speed; Total Sky Cover and later are optional. */
const MIN_DATA_FIELDS = 22;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function num(s: string | undefined): number | undefined {
  const t = s?.trim() ?? "";
  return NUMBER.test(t) ? Number(t) : undefined;
}

/**
 * Parses an EPW file. Strict: the eight header records in order, a LOCATION with valid latitude,
 * longitude, time zone and elevation, one data period of `n` records per hour (`RECORDS_PER_HOUR`),
 * then exactly the records of a year in order (January 1 hour 1 … December 31 hour 24, `n` per
 * hour; 29 February rows allowed and dropped), each with numeric fields inside the data dictionary's
 * bounds; in a sub-hourly file record `k` of an hour has Minute `k·60/n` (the last 60, or 0 as some
 * converters write it); an hourly file's Minute is not read (files write 0, 60 or the
 * observation's minute); dry bulb, dew point,
 * humidity, pressure and global horizontal radiation may not be missing; a NUL anywhere refuses the
 * file (binary data) on its line. Reports up to 20 issues,
 * each naming its line and field.
 */
export function parseEpw(text: string): EpwParse {
  const issues: EpwIssue[] = [];
  const issue = (line: number, message: string, field?: string): boolean => {
    issues.push(field ? { line, field, message } : { line, message });
    return issues.length >= MAX_ISSUES;
  };
  const body = text.replace(/^\uFEFF/, "");
  const nul = body.indexOf("\u0000");
  if (nul >= 0) {
    // the line of the first NUL, counted as the records below are (lines end at \n)
    let line = 1;
    for (let i = body.indexOf("\n"); i >= 0 && i < nul; i = body.indexOf("\n", i + 1)) line++;
    issue(line, "binary data (a NUL byte): not an EPW text file");
    return { ok: false, issues };
  }
  const lines = body.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)?.trim() === "") lines.pop();

  for (let i = 0; i < HEADERS.length; i++) {
    const name = HEADERS[i]!;
    const got = lines[i]?.split(",")[0]?.trim().toUpperCase() ?? "";
    if (!got.startsWith(name)) {
      issue(i + 1, `expected the ${name} header record, found ${JSON.stringify(clip(got))}`);
      return { ok: false, issues };
    }
  }
  const location = parseLocation(lines[0]!, issue);
  const periods = lines[7]!.split(",");
  const count = num(periods[1]);
  const perHourRaw = num(periods[2]);
  if (count !== 1) issue(8, "exactly one data period is supported", "Number of Data Periods");
  const n = RECORDS_PER_HOUR.find((r) => r === perHourRaw);
  if (n === undefined) {
    issue(
      8,
      `${JSON.stringify(clip(periods[2]?.trim() ?? ""))} records per hour: expected a divisor of 60 (${RECORDS_PER_HOUR.join(", ")})`,
      "Number of Records per hour",
    );
  }
  if (issues.length > 0 || !location || n === undefined) return { ok: false, issues };

  const data = lines.slice(HEADERS.length);
  const perYear = HOURS_PER_YEAR * n;
  if (data.length > perYear + 24 * n) {
    issue(
      HEADERS.length + perYear + 24 * n + 1,
      `more than one year of records at ${n} per hour (${data.length} rows)`,
    );
    return { ok: false, issues };
  }
  const series = Object.fromEntries(FIELDS.map((f) => [f.key, [] as number[]])) as Record<
    FieldSpec["key"],
    number[]
  >;
  let month = 1;
  let day = 1;
  let hour = 1;
  /** The record within the hour, 1…n. */
  let sub = 1;
  let done = false;
  const advance = () => {
    sub++;
    if (sub <= n) return;
    sub = 1;
    hour++;
    if (hour <= 24) return;
    hour = 1;
    day++;
    if (day <= DAYS_IN_MONTH[month - 1]!) return;
    day = 1;
    month++;
    if (month > 12) done = true;
  };
  for (let r = 0; r < data.length; r++) {
    const line = HEADERS.length + r + 1;
    const cells = data[r]!.split(",");
    if (done) {
      if (issue(line, "record after December 31 hour 24")) break;
      continue;
    }
    if (cells.length < MIN_DATA_FIELDS) {
      // Counted as the hour expected here, so the records after it are judged on their own.
      if (issue(line, `expected at least ${MIN_DATA_FIELDS} fields, found ${cells.length}`)) break;
      advance();
      continue;
    }
    const [m, d, h] = [num(cells[1]), num(cells[2]), num(cells[3])];
    if (
      m === 2 &&
      d === 29 &&
      h !== undefined &&
      h >= 1 &&
      h <= 24 &&
      month === 3 &&
      day === 1 &&
      hour === 1 &&
      sub === 1
    ) {
      continue;
    }
    if (m !== month || d !== day || h !== hour) {
      const found = `${cells[1]?.trim()}/${cells[2]?.trim()} hour ${cells[3]?.trim()}`;
      issue(
        line,
        `expected month/day ${month}/${day} hour ${hour}${n > 1 ? ` (record ${sub} of ${n})` : ""}, found ${clip(found)}`,
        "Month, Day, Hour",
      );
      return { ok: false, issues };
    }
    if (n > 1) {
      const minute = num(cells[4]);
      const want = (sub * 60) / n;
      if (minute !== want && !(sub === n && minute === 0)) {
        issue(
          line,
          `expected minute ${want} (record ${sub} of ${n} of hour ${hour}), found ${JSON.stringify(clip(cells[4]?.trim() ?? ""))}`,
          "Minute",
        );
        return { ok: false, issues };
      }
    }
    for (const f of FIELDS) {
      const raw = cells[f.at];
      const v = num(raw);
      const out = series[f.key];
      if (v === undefined) {
        if (issue(line, `not a number: ${JSON.stringify(clip(raw?.trim() ?? ""))}`, f.name)) break;
        continue;
      }
      if (v >= f.missing) {
        if (f.required) {
          if (issue(line, `missing value (${raw?.trim()}); this field is required`, f.name)) break;
          continue;
        }
        out.push(out.at(-1) ?? f.fill ?? 0);
        continue;
      }
      const bad =
        (f.gt !== undefined && !(v > f.gt)) ||
        (f.lt !== undefined && !(v < f.lt)) ||
        (f.min !== undefined && v < f.min) ||
        (f.max !== undefined && v > f.max);
      if (bad) {
        if (issue(line, `${v} is outside ${bounds(f)}`, f.name)) break;
        continue;
      }
      out.push(v);
    }
    if (issues.length >= MAX_ISSUES) break;
    advance();
  }
  if (issues.length === 0 && !done) {
    issue(
      HEADERS.length + data.length + 1,
      n === 1
        ? `the file ends at month/day ${month}/${day} hour ${hour}: ${HOURS_PER_YEAR} hourly records expected`
        : `the file ends at month/day ${month}/${day} hour ${hour} record ${sub}: ${perYear} records (${n} per hour) expected`,
    );
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, file: { location, recordsPerHour: n, ...series } };
}

function parseLocation(
  line: string,
  issue: (line: number, message: string, field?: string) => boolean,
): EpwLocation | undefined {
  const c = line.split(",");
  if (c.length < 10) {
    issue(1, `LOCATION needs 9 fields (city … elevation), found ${c.length - 1}`);
    return undefined;
  }
  const field = (i: number, name: string, lo: number, hi: number): number | undefined => {
    const v = num(c[i]);
    if (v === undefined) issue(1, `not a number: ${JSON.stringify(clip(c[i]?.trim() ?? ""))}`, name);
    else if (v < lo || v > hi) issue(1, `${v} is outside [${lo}, ${hi}]`, name);
    else return v;
    return undefined;
  };
  const lat = field(6, "Latitude", -90, 90);
  const lng = field(7, "Longitude", -180, 180);
  // The dictionary says −12…+12; files for UTC+13 and +14 (Tonga, Kiribati) exist.
  const tzHours = field(8, "TimeZone", -12, 14);
  const elevationM = field(9, "Elevation", -1000, 9999.9);
  if (lat === undefined || lng === undefined || tzHours === undefined || elevationM === undefined)
    return undefined;
  const s = (i: number) => clip(c[i]?.trim() ?? "", 100);
  return { city: s(1), region: s(2), country: s(3), source: s(4), wmo: s(5), lat, lng, tzHours, elevationM };
}

function bounds(f: FieldSpec): string {
  const lo = f.gt !== undefined ? `> ${f.gt}` : f.min !== undefined ? `≥ ${f.min}` : "";
  const hi = f.lt !== undefined ? `< ${f.lt}` : f.max !== undefined ? `≤ ${f.max}` : "";
  return `the data dictionary's bounds (${[lo, hi].filter(Boolean).join(" and ")})`;
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/**
 * An hourly file of the same weather: a sub-hourly file's record at each hour's end for the values at
 * an instant (temperatures, humidity, pressure, wind), the mean of the hour's records for radiation
 * and sky cover (the hour's total and state). What a reader that only knows hourly files gets
 * (`GET /simulator/weather/{id}/hourly` without `records=all`: remote runners of older versions).
 */
export function hourlyOf(f: WeatherFile): WeatherFile {
  const n = f.recordsPerHour ?? 1;
  if (n === 1) return f;
  const atEnd = (s: number[]) => Array.from({ length: HOURS_PER_YEAR }, (_, h) => s[h * n + n - 1]!);
  const mean = (s: number[]) =>
    Array.from({ length: HOURS_PER_YEAR }, (_, h) => {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += s[h * n + k]!;
      return sum / n;
    });
  return {
    location: f.location,
    recordsPerHour: 1,
    dryBulb: atEnd(f.dryBulb),
    dewPoint: atEnd(f.dewPoint),
    rh: atEnd(f.rh),
    pressure: atEnd(f.pressure),
    ghi: mean(f.ghi),
    windDir: atEnd(f.windDir),
    windSpeed: atEnd(f.windSpeed),
    skyCover: mean(f.skyCover),
  };
}

/** The file's values at an instant: °C, %, Pa, W/m², tenths of sky. */
export interface FileSample {
  dryBulb: number;
  dewPoint: number;
  rh: number;
  pressure: number;
  ghi: number;
  windSpeed: number;
  skyCover: number;
}

/**
 * Hours since 1 January 00:00 local standard time of the file's year at `ts`, on the file's 8,760-h
 * calendar: the LOCATION time zone fixes standard time (so daylight saving never shifts a row), and
 * in a leap year 29 February repeats 28 February and later days move back one (the file has no 29
 * February).
 */
export function fileHourOfYear(f: WeatherFile, ts: Date): number {
  return fileMsOfYear(f, ts) / 3_600_000;
}

/** `fileHourOfYear` in milliseconds (whole, so a record's end is an exact multiple of its step). */
function fileMsOfYear(f: WeatherFile, ts: Date): number {
  const lst = ts.getTime() + f.location.tzHours * 3_600_000;
  const d = new Date(lst);
  const y = d.getUTCFullYear();
  let ms = lst - Date.UTC(y, 0, 1);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (leap && ms >= 59 * 86_400_000) ms -= 86_400_000;
  return ms;
}

/**
 * The file's weather at `ts`. Temperatures, humidity, pressure and wind are the records' values at
 * the end of their intervals (the hour, or its `60/n` minutes in a sub-hourly file), linearly
 * interpolated between consecutive records (as EnergyPlus interpolates to its time step), wrapping
 * from December 31 hour 24 to January 1 hour 1; radiation and sky cover are the interval's,
 * constant over the interval that ends at the record. At a record's end every value is exactly that
 * record.
 */
export function fileSample(f: WeatherFile, ts: Date): FileSample {
  const per = f.recordsPerHour ?? 1;
  const rows = HOURS_PER_YEAR * per;
  // Steps of whole milliseconds (60 is divisible by every allowed count): exact at record ends.
  const x = fileMsOfYear(f, ts) / (3_600_000 / per);
  const n = Math.floor(x);
  const frac = x - n;
  const a = (n - 1 + rows) % rows;
  const b = n % rows;
  const lerp = (s: number[]) => s[a]! + (s[b]! - s[a]!) * frac;
  const hourly = (Math.ceil(x) - 1 + rows) % rows;
  return {
    dryBulb: lerp(f.dryBulb),
    dewPoint: lerp(f.dewPoint),
    rh: lerp(f.rh),
    pressure: lerp(f.pressure),
    windSpeed: lerp(f.windSpeed),
    ghi: f.ghi[hourly]!,
    skyCover: f.skyCover[hourly]!,
  };
}
