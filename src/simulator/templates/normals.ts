/**
 * Climate normals of the template sites: NOAA NCEI U.S. Climate Normals 1991–2020, monthly normal
 * maximum and minimum dry-bulb temperature (°F) at the named station, January first. The templates
 * give the model the monthly means ((max + min) / 2) and mean daily ranges (max − min).
 */
export interface StationNormals {
  station: string;
  max: readonly number[];
  min: readonly number[];
}

export const NORMALS = {
  newYork: {
    station: "New York Central Park, NY (USW00094728)",
    max: [39.5, 42.2, 49.9, 61.8, 71.4, 79.7, 84.9, 83.3, 76.2, 64.5, 54.0, 44.3],
    min: [27.9, 29.5, 35.8, 45.5, 55.0, 64.4, 70.1, 68.9, 62.3, 51.4, 42.0, 33.8],
  },
  phoenix: {
    station: "Phoenix Sky Harbor, AZ (USW00023183)",
    max: [67.6, 71.0, 77.6, 85.4, 94.8, 104.2, 106.5, 105.1, 100.4, 89.2, 76.5, 66.2],
    min: [46.1, 49.0, 54.1, 60.6, 69.2, 78.5, 84.5, 83.8, 77.0, 64.3, 52.7, 45.5],
  },
  boston: {
    station: "Boston Logan, MA (USW00014739)",
    max: [36.8, 39.0, 45.5, 56.4, 66.5, 76.2, 82.1, 80.4, 73.1, 62.1, 51.6, 42.2],
    min: [23.1, 24.6, 31.3, 40.6, 50.2, 59.8, 66.0, 65.2, 58.5, 47.9, 38.5, 29.1],
  },
  chicago: {
    station: "Chicago O'Hare, IL (USW00094846)",
    max: [31.6, 35.7, 47.0, 59.0, 70.5, 80.4, 84.5, 82.5, 75.5, 62.7, 48.4, 36.6],
    min: [18.8, 22.0, 31.0, 40.3, 50.6, 60.8, 66.3, 65.0, 56.9, 45.3, 34.2, 24.3],
  },
  denver: {
    station: "Denver International Airport, CO (USW00003017)",
    max: [44.6, 46.5, 54.6, 61.1, 70.6, 82.0, 89.5, 87.1, 79.0, 65.6, 52.8, 44.3],
    min: [17.4, 18.6, 26.1, 33.6, 43.6, 52.7, 58.9, 57.4, 49.1, 36.3, 25.5, 17.9],
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
