/**
 * Climate normals of the template sites: NOAA NCEI U.S. Climate Normals 1991–2020, monthly normal
 * maximum and minimum dry-bulb temperature (°F) at the named station, January first. The templates
 * give the model the monthly means ((max + min) / 2) and mean daily ranges (max − min).
 *
 * The values were first typed from memory; `verified` says, per station, which were checked against
 * which published copy (NCEI's own tables were not reachable from where this was written) and which
 * remain unverified. Where a source disagreed, the source's value is used.
 */
export interface StationNormals {
  station: string;
  max: readonly number[];
  min: readonly number[];
  /** What was checked against which source; everything not named is unverified. */
  verified: string;
}

export const NORMALS = {
  newYork: {
    station: "New York Central Park, NY (USW00094728)",
    max: [39.5, 42.2, 49.9, 61.8, 71.4, 79.7, 84.9, 83.3, 76.2, 64.5, 54.0, 44.3],
    min: [27.9, 29.5, 35.8, 45.5, 55.0, 64.4, 70.1, 68.9, 62.3, 51.4, 42.0, 33.8],
    verified:
      "max, all 12 months, to 0.1 °F, and the daily mean of January–March (so min January–March to " +
      "±0.1 °F): Wikipedia 'Climate of New York City', revision of 4 May 2021 ('Climate data for New " +
      "York (Belvedere Castle, Central Park), 1991–2020 normals', from NOAA NCEI). min April–December " +
      "unverified (consistent within 1 °F with the NWS Central Park daily normals of 24–25 May, 1991–2020).",
  },
  phoenix: {
    station: "Phoenix Sky Harbor, AZ (USW00023183)",
    max: [67.6, 71.0, 77.6, 86.0, 94.8, 104.2, 106.5, 105.1, 100.4, 89.2, 76.5, 66.2],
    min: [46.1, 49.0, 55.0, 60.6, 70.0, 78.5, 84.5, 83.8, 78.0, 66.0, 54.0, 45.0],
    verified:
      "to the whole °F only, all 24 values, against the climate chart of Wikipedia 'Climate of " +
      "Phoenix' (NOAA; the stored copy does not show the chart's period; its 85 °F July minimum matches " +
      "1991–2020, not 1981–2010). Seven values that rounded to another whole degree were replaced by the " +
      "chart's (max April; min March, May, September, October, November, December); the others keep " +
      "their unverified tenths.",
  },
  boston: {
    station: "Boston Logan, MA (USW00014739)",
    max: [36.8, 39.0, 45.5, 56.4, 66.5, 76.2, 82.1, 80.4, 73.1, 62.1, 51.6, 42.2],
    min: [23.1, 24.6, 31.3, 40.6, 50.2, 59.8, 66.0, 65.2, 58.5, 47.9, 38.5, 29.1],
    verified:
      "unverified; consistent within 1 °F with the NWS Boston daily normals of 19–20 September " +
      "(72 / 57 °F, 1991–2020, climate report CLIBOS of 20 Sep 2021).",
  },
  chicago: {
    station: "Chicago O'Hare, IL (USW00094846)",
    max: [31.6, 35.7, 47.0, 59.0, 70.5, 80.4, 84.5, 82.5, 75.5, 62.7, 48.4, 36.6],
    min: [18.8, 22.0, 31.0, 40.3, 50.6, 60.8, 66.3, 65.0, 56.9, 45.3, 34.2, 24.3],
    verified:
      "unverified; consistent within 1 °F with the NWS O'Hare daily normals (1991–2020, climate " +
      "reports CLIORD) of 20 March (49 / 32), 12 September (77 / 59), 20 December (35 / 23) and 24 " +
      "January (31 / 18), and 0–1.8 °F warmer than the 1981–2010 normals published by the Illinois " +
      "State Climatologist, as 1991–2020 normals are.",
  },
  denver: {
    station: "Denver International Airport, CO (USW00003017)",
    max: [44.6, 46.5, 54.6, 61.1, 70.6, 82.0, 89.5, 87.1, 79.0, 65.6, 52.8, 44.3],
    min: [17.4, 18.6, 26.1, 33.6, 43.6, 52.7, 58.9, 57.4, 49.1, 36.3, 25.5, 17.9],
    verified:
      "unverified; within about 1–2 °F of the NWS Denver/Boulder daily normals of 1–14 July (high " +
      "88–90, low 58–61 °F) and 18 September (high 79 °F): the July minimum may be 1 °F low.",
  },
} as const satisfies Record<string, StationNormals>;

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** The `climate` fields a template sets from a station's normals. */
export function climateFromNormals(n: StationNormals): { monthlyMeans: number[]; monthlyRanges: number[] } {
  return {
    monthlyMeans: n.max.map((mx, i) => r1((mx + n.min[i]!) / 2)),
    monthlyRanges: n.max.map((mx, i) => r1(mx - n.min[i]!)),
  };
}
