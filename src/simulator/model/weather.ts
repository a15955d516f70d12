/**
 * Outdoor weather as a pure function of (site climate, seed, instant): a seasonal mean, a diurnal cycle
 * in local solar time, persistent anomalies (AR(1)-like series built from counter-based draws over
 * 6-hour and hourly steps, so a warm spell lasts days), cloud cover driving solar gain and the daily
 * range, and a dew point that never exceeds the temperature; humidity follows from both.
 */
import { ar1, normal } from "./noise.ts";
import { dayOfYear, localTime } from "./time.ts";
import type { SiteSpec } from "./types.ts";
import { fileSample, type WeatherFile } from "./weather-file.ts";

export interface Weather {
  /** Dry-bulb temperature, °F. */
  temp: number;
  /** Dew point, °F (≤ temp). */
  dewPoint: number;
  /** Relative humidity, %RH (0..100). */
  humidity: number;
  /** Wet-bulb temperature, °F (between dew point and dry bulb). */
  wetBulb: number;
  /** Humidity ratio, lb water / lb dry air. */
  humidityRatio: number;
  /** Cloud cover 0..1. */
  cloud: number;
  /** Global horizontal irradiance, W/m². */
  solar: number;
}

const fToC = (f: number): number => ((f - 32) * 5) / 9;
const cToF = (c: number): number => (c * 9) / 5 + 32;

/** Saturation vapour pressure over water, hPa (Magnus, Sonntag constants). */
export function saturationPressure(tempF: number): number {
  const t = fToC(tempF);
  return 6.112 * Math.exp((17.62 * t) / (243.12 + t));
}

/** Humidity ratio (lb/lb) of air with the given dew point at a pressure (hPa; sea level by default). */
export function humidityRatio(dewPointF: number, pressureHpa = 1013.25): number {
  const e = saturationPressure(dewPointF);
  return (0.622 * e) / (pressureHpa - e);
}

/** Relative humidity, %, from dry bulb and dew point. */
export function relativeHumidity(tempF: number, dewPointF: number): number {
  return Math.min(100, (100 * saturationPressure(dewPointF)) / saturationPressure(tempF));
}

/** Wet-bulb temperature, °F (Stull 2011), kept between the dew point and the dry bulb. */
export function wetBulb(tempF: number, rh: number): number {
  const t = fToC(tempF);
  const tw =
    t * Math.atan(0.151977 * Math.sqrt(rh + 8.313659)) +
    Math.atan(t + rh) -
    Math.atan(rh - 1.676331) +
    0.00391838 * rh ** 1.5 * Math.atan(0.023101 * rh) -
    4.686035;
  return Math.min(tempF, cToF(tw));
}

/** Solar elevation sine at an instant for a latitude/longitude (declination and hour-angle model). */
export function solarElevationSine(ts: Date, lat: number, lng: number): number {
  const start = Date.UTC(ts.getUTCFullYear(), 0, 1);
  const doy = (ts.getTime() - start) / 86_400_000 + 1;
  const decl = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + doy)) / 365);
  const solarHour = (((ts.getTime() / 3_600_000 + lng / 15) % 24) + 24) % 24;
  const hourAngle = (15 * (solarHour - 12) * Math.PI) / 180;
  const phi = (lat * Math.PI) / 180;
  return Math.sin(phi) * Math.sin(decl) + Math.cos(phi) * Math.cos(decl) * Math.cos(hourAngle);
}

/** Days from 1 January to the middle of each month (non-leap year). */
const MID_MONTH = [15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5];

/**
 * Mid-month values whose piecewise-linear (periodic) interpolation has the given monthly means: a
 * straight line through mid-month values averages (v[m−1] + 6·v[m] + v[m+1]) / 8 over month m, so the
 * values solve a circulant, diagonally dominant system (Jacobi iteration converges fast). Interpolating
 * the normals themselves would flatten the peaks (New York's July would average 1.7 °F cold).
 */
export function midMonthValues(means: readonly number[]): number[] {
  let v = [...means];
  for (let it = 0; it < 60; it++) {
    v = means.map((m, i) => (8 * m - v[(i + 11) % 12]! - v[(i + 1) % 12]!) / 6);
  }
  return v;
}

const midCache = new WeakMap<readonly number[], number[]>();

/** Periodic linear interpolation of 12 mid-month values at a (fractional) day of year. */
function monthlyCurve(values: readonly number[], doy: number): number {
  let mid = midCache.get(values);
  if (!mid) {
    mid = midMonthValues(values);
    midCache.set(values, mid);
  }
  const d = (((doy - 1) % 365) + 365) % 365;
  let k = MID_MONTH.findIndex((m) => m > d);
  if (k < 0) k = 12;
  const prevMid = k === 0 ? MID_MONTH[11]! - 365 : MID_MONTH[k - 1]!;
  const nextMid = k === 12 ? MID_MONTH[0]! + 365 : MID_MONTH[k]!;
  const a = mid[(k + 11) % 12]!;
  const b = mid[k % 12]!;
  return a + ((b - a) * (d - prevMid)) / (nextMid - prevMid);
}

/** Sunrise in local solar hours for a latitude and day of year (sunrise equation, no refraction). */
export function sunriseSolarHour(lat: number, doy: number): number {
  const decl = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + doy)) / 365);
  const x = -Math.tan((lat * Math.PI) / 180) * Math.tan(decl);
  if (x >= 1) return 12;
  if (x <= -1) return 0;
  return 12 - (Math.acos(x) * 180) / Math.PI / 15;
}

const monthMeanCache = new Map<string, number>();

/** Mean of the synoptic anomaly series over a UTC calendar month (memoized: a pure function). */
function monthlyAnomalyMean(seed: number, key: string, year: number, month: number): number {
  const k = `${seed}:${key}:${year}:${month}`;
  const hit = monthMeanCache.get(k);
  if (hit !== undefined) return hit;
  const from = Date.UTC(year, month, 1) / 21_600_000;
  const to = Date.UTC(year, month + 1, 1) / 21_600_000;
  let sum = 0;
  for (let n = from; n < to; n++) sum += ar1(seed, `wx:syn:${key}`, n, 0.88);
  const mean = sum / (to - from);
  if (monthMeanCache.size > 20_000) monthMeanCache.clear();
  monthMeanCache.set(k, mean);
  return mean;
}

/**
 * The part of the synoptic anomaly that would shift a month's mean away from its normal, interpolated
 * between mid-months so it has no steps: subtracting it makes every simulated month a *typical* month
 * (as a TMY weather file is built of typical months) while days and spells still vary.
 */
function typicalMonthCorrection(seed: number, key: string, ts: Date): number {
  const y = ts.getUTCFullYear();
  const m = ts.getUTCMonth();
  const mid = (yy: number, mm: number) => (Date.UTC(yy, mm, 1) + Date.UTC(yy, mm + 1, 1)) / 2;
  const t = ts.getTime();
  const here = mid(y, m);
  const [y2, m2] = t < here ? (m === 0 ? [y - 1, 11] : [y, m - 1]) : m === 11 ? [y + 1, 0] : [y, m + 1];
  const there = mid(y2, m2);
  const a = monthlyAnomalyMean(seed, key, y, m);
  const b = monthlyAnomalyMean(seed, key, y2, m2);
  return a + ((b - a) * (t - here)) / (there - here);
}

/** Solar hour of the daily maximum temperature (mid-afternoon, ASHRAE Fundamentals ch. 14 profile). */
const PEAK_HOUR = 15;

/**
 * The diurnal temperature shape in [−1, 1]: −1 at sunrise, +1 at 15:00 solar, half-cosine rises and
 * falls between them. Each half-cosine averages zero, so the daily mean is the seasonal mean.
 */
export function diurnalShape(solarHour: number, sunrise: number): number {
  const rise = PEAK_HOUR - sunrise;
  const since = (((solarHour - sunrise) % 24) + 24) % 24;
  if (since <= rise) return -Math.cos((Math.PI * since) / rise);
  return Math.cos((Math.PI * (since - rise)) / (24 - rise));
}

/**
 * The weather at a site at instant `ts`. Pure: the same (site, seed, ts) always gives the same
 * weather, whatever was computed before.
 *
 * With `climate.monthlyMeans` (and `monthlyRanges`, mean daily max − min), the seasonal mean and the
 * daily range follow the site's published climate normals month by month; without them, a cosine
 * season of `meanTemp` ± `annualAmplitude` and a fixed range of 2 × `diurnalAmplitude`. The daily
 * minimum falls at sunrise and the maximum at 15:00 solar time; the dew point never exceeds the dry
 * bulb.
 */
export function weatherAt(site: SiteSpec, seed: number, ts: Date): Weather {
  if (site.weatherFile) return weatherFromFile(site.weatherFile, ts);
  const c = site.climate;
  const key = site.key || "site";
  const hours = ts.getTime() / 3_600_000;
  const lt = localTime(ts, site.tz);
  const doy = dayOfYear(lt.year, lt.month, lt.day) + lt.hourOfDay / 24;
  const season = -Math.cos((2 * Math.PI * (doy - c.coldestDay)) / 365.25);
  const seasonalMean = c.monthlyMeans
    ? monthlyCurve(c.monthlyMeans, doy)
    : c.meanTemp + c.annualAmplitude * season;
  // The anomalies add about 1.6 °F to a day's max − min; the cycle leaves that room in the normal range.
  const halfRange = c.monthlyRanges
    ? Math.max(1, monthlyCurve(c.monthlyRanges, doy) / 2 - 0.8)
    : c.diurnalAmplitude;

  const cloudLogit =
    Math.log(c.cloudiness / (1 - c.cloudiness)) + 1.3 * ar1(seed, `wx:cloud:${key}`, hours / 3, 0.8);
  const cloud = 1 / (1 + Math.exp(-cloudLogit));

  const solarHour = (((hours + site.geo.lng / 15) % 24) + 24) % 24;
  // Clear days swing wider than overcast ones; centred on the mean cloudiness so the mean range holds.
  const diurnalAmp = halfRange * clampTo(1 + 0.9 * (c.cloudiness - cloud), 0.4, 1.6);
  const diurnal = diurnalAmp * diurnalShape(solarHour, sunriseSolarHour(site.geo.lat, doy));
  const synoptic =
    c.anomalyStd * (ar1(seed, `wx:syn:${key}`, hours / 6, 0.88) - typicalMonthCorrection(seed, key, ts));
  const short = 0.8 * ar1(seed, `wx:hr:${key}`, hours, 0.7, 16);
  const temp = seasonalMean + diurnal + synoptic + short;

  const dewAnomaly = 0.5 * synoptic + 3 * ar1(seed, `wx:dew:${key}`, hours / 6, 0.85);
  const rawDew = c.meanDewPoint + c.dewPointAmplitude * season + 0.25 * diurnal + dewAnomaly;
  const dewPoint = Math.min(
    rawDew,
    temp - 0.3 - 0.2 * Math.abs(normal(seed, `wx:sat:${key}`, Math.floor(hours))),
  );
  const humidity = relativeHumidity(temp, dewPoint);

  const sinElev = Math.max(0, solarElevationSine(ts, site.geo.lat, site.geo.lng));
  const solar = 1000 * sinElev ** 1.15 * (1 - 0.72 * cloud ** 2.5);

  return {
    temp,
    dewPoint,
    humidity,
    wetBulb: Math.min(temp, Math.max(dewPoint, wetBulb(temp, humidity))),
    humidityRatio: humidityRatio(dewPoint),
    cloud,
    solar,
  };
}

/**
 * The weather of a site from its weather file (EPW) at `ts`: the file's dry bulb, dew point (capped
 * at the dry bulb), relative humidity (capped at 100 %) and global horizontal radiation, interpolated
 * as `fileSample` says; cloud cover from the total sky cover; wet bulb and humidity ratio computed at
 * the file's station pressure. No noise: the sensors add theirs.
 */
export function weatherFromFile(f: WeatherFile, ts: Date): Weather {
  const x = fileSample(f, ts);
  const temp = cToF(x.dryBulb);
  const dewPoint = Math.min(temp, cToF(x.dewPoint));
  const humidity = clampTo(x.rh, 0, 100);
  return {
    temp,
    dewPoint,
    humidity,
    wetBulb: Math.min(temp, Math.max(dewPoint, wetBulb(temp, humidity))),
    humidityRatio: humidityRatio(dewPoint, x.pressure / 100),
    cloud: clampTo(x.skyCover / 10, 0, 1),
    solar: x.ghi,
  };
}

const clampTo = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
