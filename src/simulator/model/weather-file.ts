/**
 * EnergyPlus weather files (EPW: the TMY3 / TMYx format) as a site's weather: a strict parser of the
 * text, and the file's values at any instant. Format: EnergyPlus Auxiliary Programs, "EnergyPlus
 * Weather File (EPW) Data Dictionary": eight header records (LOCATION … DATA PERIODS), then one
 * record per hour, hour `h` (1–24) being the hour ending at h:00 *local standard time* of the
 * LOCATION record's time zone (no daylight saving), January 1 hour 1 first.
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
 * A parsed hourly file: row `i` is the hour ending `i + 1` hours after 1 January 00:00 local
 * standard time of a non-leap year (8,760 rows; a 29 February in the file is dropped). Units as in
 * the file: °C, %, Pa, Wh/m² over the hour, degrees, m/s, tenths of sky.
 */
export interface WeatherFile {
  location: EpwLocation;
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
  key: Exclude<keyof WeatherFile, "location">;
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
 * longitude, time zone and elevation, one data period of one record per hour, then exactly the
 * hours of a year in order (January 1 hour 1 … December 31 hour 24; 29 February rows allowed and
 * dropped), each with numeric fields inside the data dictionary's bounds; dry bulb, dew point,
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
  const perHour = num(periods[2]);
  if (count !== 1) issue(8, "exactly one data period is supported", "Number of Data Periods");
  if (perHour !== 1) {
    issue(8, "only hourly files (1 record per hour) are supported", "Number of Records per hour");
  }
  if (issues.length > 0 || !location) return { ok: false, issues };

  const data = lines.slice(HEADERS.length);
  if (data.length > HOURS_PER_YEAR + 24) {
    issue(HEADERS.length + HOURS_PER_YEAR + 25, `more than one year of hourly records (${data.length} rows)`);
    return { ok: false, issues };
  }
  const series = Object.fromEntries(FIELDS.map((f) => [f.key, [] as number[]])) as Record<
    FieldSpec["key"],
    number[]
  >;
  let month = 1;
  let day = 1;
  let hour = 1;
  let done = false;
  const advance = () => {
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
      hour === 1
    ) {
      continue;
    }
    if (m !== month || d !== day || h !== hour) {
      const found = `${cells[1]?.trim()}/${cells[2]?.trim()} hour ${cells[3]?.trim()}`;
      issue(
        line,
        `expected month/day ${month}/${day} hour ${hour}, found ${clip(found)}`,
        "Month, Day, Hour",
      );
      return { ok: false, issues };
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
      `the file ends at month/day ${month}/${day} hour ${hour}: ${HOURS_PER_YEAR} hourly records expected`,
    );
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, file: { location, ...series } };
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
  const lst = ts.getTime() + f.location.tzHours * 3_600_000;
  const d = new Date(lst);
  const y = d.getUTCFullYear();
  let hours = (lst - Date.UTC(y, 0, 1)) / 3_600_000;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (leap && hours >= 59 * 24) hours -= 24;
  return hours;
}

/**
 * The file's weather at `ts`. Temperatures, humidity, pressure and wind are the records' values at
 * the end of their hours, linearly interpolated between them (as EnergyPlus interpolates to its time
 * step), wrapping from December 31 hour 24 to January 1 hour 1; radiation and sky cover are the
 * hour's, constant over the hour that ends at the record. At a whole hour every value is exactly
 * the file's record for the hour ending then.
 */
export function fileSample(f: WeatherFile, ts: Date): FileSample {
  const x = fileHourOfYear(f, ts);
  const n = Math.floor(x);
  const frac = x - n;
  const a = (n - 1 + HOURS_PER_YEAR) % HOURS_PER_YEAR;
  const b = n % HOURS_PER_YEAR;
  const lerp = (s: number[]) => s[a]! + (s[b]! - s[a]!) * frac;
  const hourly = (Math.ceil(x) - 1 + HOURS_PER_YEAR) % HOURS_PER_YEAR;
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
