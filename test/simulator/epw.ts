// A real-format EPW weather file for tests: the eight header records as EnergyPlus's weather
// converter writes them for a TMY3 station (Boston Logan, WMO 725090), then 8,760 hourly records of
// 35 fields each (EnergyPlus Auxiliary Programs, "EPW Data Dictionary"). The values are generated
// (seasonal and daily cycles in °C, a dew point below the dry bulb, RH from both, station pressure,
// radiation only while the sun is up) so the file is small to keep and every hour is known.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** TMY files take each month from a different source year. */
const SOURCE_YEARS = [1982, 1990, 1977, 1983, 1991, 1988, 1997, 1984, 1994, 1996, 2003, 1987];

export const EPW_HEADER = [
  "LOCATION,Boston Logan Intl Arpt,MA,USA,TMY3,725090,42.37,-71.02,-5.0,6.0",
  "DESIGN CONDITIONS,1,Climate Design Data 2009 ASHRAE Handbook,,Heating,1,-15.6,-12.9,-23.3,0.5,-12.5,-21.2,0.7,-9.8,16.4,-0.3,14.6,-0.8,5.9,310,Cooling,7,8.8,32.2,22.3,30.4,21.9,28.8,21.1,24.3,29.4,23.3,27.5,22.5,26.4,5.1,250,22.1,16.8,26.8,21.3,15.9,26.0,20.5,15.2,25.1,71.0,29.6,68.1,28.1,65.4,27.0,776,Extremes,12.2,10.9,9.9,26.3,-19.4,35.8,2.9,1.7,-21.4,37.0,-23.0,38.0,-24.5,38.9,-26.5,40.1",
  "TYPICAL/EXTREME PERIODS,6,Summer - Week Nearest Max Temperature For Period,Extreme,7/13,7/19,Summer - Week Nearest Average Temperature For Period,Typical,6/29,7/ 5,Winter - Week Nearest Min Temperature For Period,Extreme,2/ 3,2/ 9,Winter - Week Nearest Average Temperature For Period,Typical,1/27,2/ 2,Autumn - Week Nearest Average Temperature For Period,Typical,10/20,10/26,Spring - Week Nearest Average Temperature For Period,Typical,4/12,4/18",
  "GROUND TEMPERATURES,3,.5,,,,-0.60,-0.06,2.94,6.60,14.45,19.49,22.11,21.86,18.77,13.88,8.51,3.25,2,,,,2.32,1.77,3.32,5.72,11.34,15.69,18.62,19.64,18.27,15.12,10.93,6.47,4,,,,5.61,4.55,4.95,6.03,9.47,12.64,15.14,16.55,16.35,14.68,12.00,8.83",
  "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
  "COMMENTS 1,Custom/User Format -- WMO#725090; NREL TMY Data Set (2008); Period of Record 1973-2005 (Generally)",
  "COMMENTS 2, -- Ground temps produced with a standard soil diffusivity of 2.3225760E-03 {m**2/day}",
  "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
];

const FLAGS = "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9";

export interface EpwHour {
  month: number;
  day: number;
  hour: number;
  dryBulb: number;
  dewPoint: number;
  rh: number;
  pressure: number;
  ghi: number;
  skyCover: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The generated values of row `i` (the hour ending `i + 1` h after January 1 00:00 standard time). */
export function epwHour(i: number): EpwHour {
  return epwAt(i + 1);
}

/**
 * The generated values of the record ending `t` hours after January 1 00:00 standard time (`t` a
 * whole hour for hourly files, a multiple of `1/n` h for files of `n` records per hour; at a whole
 * hour the same values as `epwHour`). `month`, `day` and `hour` are those of the hour it lies in.
 */
export function epwAt(t: number): EpwHour {
  const i = Math.ceil(t - 1e-9) - 1;
  let doy = Math.floor(i / 24);
  const hour = (i % 24) + 1;
  let month = 0;
  while (doy >= DAYS_IN_MONTH[month]!) doy -= DAYS_IN_MONTH[month++]!;
  const clock = t - i - 1 + hour;
  const season = -Math.cos((2 * Math.PI * (t / 24 - 24)) / 365);
  const diurnal = -Math.cos((2 * Math.PI * (clock - 3)) / 24);
  const dryBulb = r1(10.5 + 12.5 * season + 4 * diurnal + 2 * Math.sin(t / 37));
  const dewPoint = r1(Math.min(dryBulb - 0.5, 3 + 11 * season + 1.5 * Math.sin(t / 53)));
  const es = (c: number) => 6.112 * Math.exp((17.62 * c) / (243.12 + c));
  const rh = Math.min(100, Math.round((100 * es(dewPoint)) / es(dryBulb)));
  const pressure = Math.round(101_300 + 900 * Math.sin(t / 61));
  const sun = Math.max(0, Math.sin((Math.PI * (clock - 6)) / 13)) * (0.75 + 0.25 * season);
  const skyCover = Math.round(5 + 4 * Math.sin(t / 29));
  const ghi = Math.round(820 * sun * (1 - 0.06 * skyCover));
  return { month: month + 1, day: doy + 1, hour, dryBulb, dewPoint, rh, pressure, ghi, skyCover };
}

/** One data record of 35 fields, as the weather converter writes it (`minute` 60: the hour's end). */
export function epwRecord(h: EpwHour, minute = 60): string {
  const wd = (h.hour * 15) % 360;
  const ws = r1(3 + 2 * Math.sin(h.hour / 3));
  return [
    SOURCE_YEARS[h.month - 1],
    h.month,
    h.day,
    h.hour,
    minute,
    FLAGS,
    h.dryBulb.toFixed(1),
    h.dewPoint.toFixed(1),
    h.rh,
    h.pressure,
    h.ghi > 0 ? 1100 : 0,
    h.ghi > 0 ? 1400 : 0,
    290,
    h.ghi,
    Math.round(h.ghi * 0.6),
    Math.round(h.ghi * 0.4),
    h.ghi * 110,
    Math.round(h.ghi * 66),
    Math.round(h.ghi * 44),
    0,
    wd,
    ws.toFixed(1),
    h.skyCover,
    Math.max(0, h.skyCover - 2),
    16.0,
    77777,
    9,
    "999999999",
    120,
    "0.0700",
    0,
    88,
    "0.000",
    "0.0",
    "0.0",
  ].join(",");
}

/** The whole file's lines (header and 8,760 records). */
export function epwLines(): string[] {
  const rows: string[] = [];
  for (let i = 0; i < 8760; i++) rows.push(epwRecord(epwHour(i)));
  return [...EPW_HEADER, ...rows];
}

/**
 * A sub-hourly file of `n` records per hour (DATA PERIODS says `n`): record `k` (1…n) of each hour
 * has Minute `k·60/n`, its values `epwAt` at its end; 8,760·n records.
 */
export function epwSubHourlyLines(n: number): string[] {
  const rows: string[] = [];
  for (let j = 0; j < 8760 * n; j++) rows.push(epwRecord(epwAt((j + 1) / n), ((j % n) + 1) * (60 / n)));
  return [...EPW_HEADER.slice(0, 7), `DATA PERIODS,1,${n},Data,Sunday, 1/ 1,12/31`, ...rows];
}

/** The whole file, CRLF line ends as the weather converter writes on Windows. */
export function epwText(lines: string[] = epwLines()): string {
  return `${lines.join("\r\n")}\r\n`;
}
