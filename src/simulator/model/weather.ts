/**
 * Outdoor weather as a pure function of (site climate, seed, instant): a seasonal mean, a diurnal cycle
 * in local solar time, persistent anomalies (AR(1)-like series built from counter-based draws over
 * 6-hour and hourly steps, so a warm spell lasts days), cloud cover driving solar gain and the daily
 * range, and a dew point that never exceeds the temperature; humidity follows from both.
 */
import { ar1, normal } from "./noise.ts";
import { dayOfYear, localTime } from "./time.ts";
import type { SiteSpec } from "./types.ts";

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

/** Humidity ratio (lb/lb) of air with the given dew point at sea-level pressure. */
export function humidityRatio(dewPointF: number): number {
  const e = saturationPressure(dewPointF);
  return (0.622 * e) / (1013.25 - e);
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

/**
 * The weather at a site at instant `ts`. Pure: the same (site, seed, ts) always gives the same
 * weather, whatever was computed before.
 */
export function weatherAt(site: SiteSpec, seed: number, ts: Date): Weather {
  const c = site.climate;
  const key = site.key || "site";
  const hours = ts.getTime() / 3_600_000;
  const lt = localTime(ts, site.tz);
  const doy = dayOfYear(lt.year, lt.month, lt.day) + lt.hourOfDay / 24;
  const season = -Math.cos((2 * Math.PI * (doy - c.coldestDay)) / 365.25);

  const cloudLogit =
    Math.log(c.cloudiness / (1 - c.cloudiness)) + 1.3 * ar1(seed, `wx:cloud:${key}`, hours / 3, 0.8);
  const cloud = 1 / (1 + Math.exp(-cloudLogit));

  const solarHour = (((hours + site.geo.lng / 15) % 24) + 24) % 24;
  const diurnalAmp = c.diurnalAmplitude * (1.25 - 0.6 * cloud);
  const diurnal =
    diurnalAmp *
    (Math.cos((2 * Math.PI * (solarHour - 15)) / 24) +
      0.15 * Math.cos((4 * Math.PI * (solarHour - 15)) / 24));
  const synoptic = c.anomalyStd * ar1(seed, `wx:syn:${key}`, hours / 6, 0.88);
  const short = 0.8 * ar1(seed, `wx:hr:${key}`, hours, 0.7, 16);
  const temp = c.meanTemp + c.annualAmplitude * season + diurnal + synoptic + short;

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
    wetBulb: Math.max(dewPoint, wetBulb(temp, humidity)),
    humidityRatio: humidityRatio(dewPoint),
    cloud,
    solar,
  };
}
