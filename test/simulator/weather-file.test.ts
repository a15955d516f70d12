// EPW weather files (EnergyPlus Auxiliary Programs, "EPW Data Dictionary"): the parser accepts a
// real-format file and refuses malformed ones naming the line and field; the site's weather is the
// file's record at every whole hour of local standard time (daylight saving never shifts a row),
// interpolated between hours, wrapping at the year's end and folding 29 February.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { templateBuilding } from "../../src/simulator/config.ts";
import { weatherAt } from "../../src/simulator/model/weather.ts";
import { type EpwParse, parseEpw, type WeatherFile } from "../../src/simulator/model/weather-file.ts";
import { EPW_HEADER, epwAt, epwHour, epwLines, epwSubHourlyLines, epwText } from "./epw.ts";

const HOUR = 3_600_000;
const cToF = (c: number) => (c * 9) / 5 + 32;

function parsed(text = epwText()): WeatherFile {
  const r = parseEpw(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.file;
}

const FILE = parsed();
const site = { ...templateBuilding("office-tower").sites[0]!, weatherFile: FILE };
/** The instant a row's hour ends: January 1 00:00 standard time (UTC−5) of `year`, plus i + 1 hours. */
const rowEnd = (year: number, i: number) => new Date(Date.UTC(year, 0, 1, 5) + (i + 1) * HOUR);

describe("parseEpw", () => {
  test("a real-format file: LOCATION and 8,760 hours", () => {
    expect(FILE.location).toEqual({
      city: "Boston Logan Intl Arpt",
      region: "MA",
      country: "USA",
      source: "TMY3",
      wmo: "725090",
      lat: 42.37,
      lng: -71.02,
      tzHours: -5,
      elevationM: 6,
    });
    for (const k of [
      "dryBulb",
      "dewPoint",
      "rh",
      "pressure",
      "ghi",
      "windDir",
      "windSpeed",
      "skyCover",
    ] as const) {
      expect(FILE[k].length).toBe(8760);
    }
    const h = epwHour(4000);
    expect([
      FILE.dryBulb[4000],
      FILE.dewPoint[4000],
      FILE.rh[4000],
      FILE.pressure[4000],
      FILE.ghi[4000],
    ]).toEqual([h.dryBulb, h.dewPoint, h.rh, h.pressure, h.ghi]);
  });

  test("LF line ends, a byte-order mark and a 29 February (8,784 rows) parse the same", () => {
    const lines = epwLines();
    expect(parsed(`\uFEFF${lines.join("\n")}`)).toEqual(FILE);
    const feb28 = 8 + 58 * 24;
    const leap = lines.slice(0, feb28 + 24);
    for (let h = 1; h <= 24; h++)
      leap.push(`1988,2,29,${h},60,${lines[feb28 + h - 1]!.split(",").slice(5).join(",")}`);
    expect(parsed(epwText([...leap, ...lines.slice(feb28 + 24)]))).toEqual(FILE);
  });

  const refused = (text: string): EpwParse & { ok: false } => {
    const r = parseEpw(text);
    if (r.ok) throw new Error("accepted");
    return r;
  };

  test("a NUL is refused as binary data on the line that holds it", () => {
    const lines = epwLines();
    lines[2] = `${lines[2]}\u0000`;
    expect(refused(epwText(lines)).issues).toEqual([
      { line: 3, message: "binary data (a NUL byte): not an EPW text file" },
    ]);
    const crlf = epwLines();
    crlf[100] = `\u0000${crlf[100]}`;
    expect(refused(`\uFEFF${crlf.join("\r\n")}`).issues[0]?.line).toBe(101);
  });
  const withLine = (n: number, line: string) => {
    const lines = epwLines();
    lines[n - 1] = line;
    return epwText(lines);
  };
  const withField = (n: number, field: number, v: string) => {
    const lines = epwLines();
    const cells = lines[n - 1]!.split(",");
    cells[field] = v;
    lines[n - 1] = cells.join(",");
    return epwText(lines);
  };

  test.each([
    ["empty", "", { line: 1 }],
    ["not EPW", "a,b,c\n1,2,3", { line: 1 }],
    ["headers out of order", epwText([EPW_HEADER[0]!, EPW_HEADER[2]!, ...epwLines().slice(2)]), { line: 2 }],
    [
      "latitude 95",
      withLine(1, "LOCATION,X,MA,USA,TMY3,725090,95,-71.02,-5.0,6.0"),
      { line: 1, field: "Latitude" },
    ],
    [
      "time zone text",
      withLine(1, "LOCATION,X,MA,USA,TMY3,725090,42,-71,EST,6.0"),
      { line: 1, field: "TimeZone" },
    ],
    [
      "7 records per hour (not a divisor of 60)",
      withLine(8, "DATA PERIODS,1,7,Data,Sunday, 1/ 1,12/31"),
      { line: 8, field: "Number of Records per hour" },
    ],
    [
      "records per hour text",
      withLine(8, "DATA PERIODS,1,four,Data,Sunday, 1/ 1,12/31"),
      { line: 8, field: "Number of Records per hour" },
    ],
    [
      "an hourly file said to be 15-minute",
      withLine(8, "DATA PERIODS,1,4,Data,Sunday, 1/ 1,12/31"),
      // its first record ends at 01:00, not at 00:15
      { line: 9, field: "Minute" },
    ],
    [
      "a missing hour",
      epwText(epwLines().filter((_, i) => i !== 8 + 100)),
      { line: 109, field: "Month, Day, Hour" },
    ],
    ["truncated", epwText(epwLines().slice(0, 8 + 8000)), { line: 8009 }],
    ["an extra hour", epwText([...epwLines(), epwLines()[8]!]), { line: 8769 }],
    ["dry bulb text", withField(20, 6, "warm"), { line: 20, field: "Dry Bulb Temperature" }],
    ["dry bulb missing (99.9)", withField(20, 6, "99.9"), { line: 20, field: "Dry Bulb Temperature" }],
    ["dew point 75 °C", withField(300, 7, "75"), { line: 300, field: "Dew Point Temperature" }],
    ["RH 111", withField(31, 8, "111"), { line: 31, field: "Relative Humidity" }],
    ["pressure 30000 Pa", withField(42, 9, "30000"), { line: 42, field: "Atmospheric Station Pressure" }],
    ["negative radiation", withField(5000, 13, "-3"), { line: 5000, field: "Global Horizontal Radiation" }],
    ["wind 41 m/s", withField(77, 21, "41"), { line: 77, field: "Wind Speed" }],
    ["a short record", withLine(12, "1982,1,1,4,60"), { line: 12 }],
  ])("refuses %s, naming the line and field", (_, text, where) => {
    const r = refused(text);
    expect(r.issues[0]).toMatchObject(where);
    expect(r.issues[0]!.message.length).toBeGreaterThan(0);
  });

  test("a short record is reported alone: the records after it are judged on their own", () => {
    const lines = epwLines();
    lines[11] = "1982,1,1,4,60";
    expect(refused(epwText(lines)).issues).toEqual([
      { line: 12, message: "expected at least 22 fields, found 5" },
    ]);
  });

  test("missing optional fields take the previous good value (EnergyPlus's rule)", () => {
    const f = parsed(withField(9 + 50, 22, "99"));
    expect(f.skyCover[50]).toBe(f.skyCover[49]!);
  });

  test("property: any text is answered with a file or issues on lines of that text, never a throw", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => {
        const r = parseEpw(s);
        if (r.ok) return false;
        const lines = s.split(/\r?\n/).length;
        return r.issues.length > 0 && r.issues.every((i) => i.line >= 1 && i.line <= lines + 1);
      }),
    );
  });

  test("property: a bad value in any required field of any record is named at its line and field", () => {
    const lines = epwLines();
    const required: Array<[number, string]> = [
      [6, "Dry Bulb Temperature"],
      [7, "Dew Point Temperature"],
      [8, "Relative Humidity"],
      [9, "Atmospheric Station Pressure"],
      [13, "Global Horizontal Radiation"],
    ];
    const bad = fc.oneof(
      fc
        .string({ maxLength: 8 })
        .filter(
          (s) =>
            !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(s) && !s.includes(",") && !/[\r\n]/.test(s),
        ),
      // Missing in every required field (≥ its missing code), below every minimum, not numbers.
      fc.constantFrom("1e9", "-1e9", "-70", "NaN", "Infinity", "0x10"),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8759 }),
        fc.constantFrom(...required),
        bad,
        (row, [at, name], v) => {
          const cells = lines[8 + row]!.split(",");
          const before = cells[at];
          cells[at] = v;
          const text = epwText([...lines.slice(0, 8 + row), cells.join(","), ...lines.slice(9 + row)]);
          cells[at] = before!;
          const r = parseEpw(text);
          return !r.ok && r.issues.some((i) => i.line === 9 + row && i.field === name);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("property: shuffling two records is refused at the first record out of order", () => {
    const lines = epwLines();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8759 }), fc.integer({ min: 1, max: 500 }), (a, d) => {
        const b = Math.min(8759, a + d);
        if (a === b) return true;
        const l = [...lines];
        [l[8 + a], l[8 + b]] = [l[8 + b]!, l[8 + a]!];
        const r = parseEpw(epwText(l));
        return !r.ok && r.issues[0]!.line === 9 + a && r.issues[0]!.field === "Month, Day, Hour";
      }),
      { numRuns: 25 },
    );
  });
});

describe("weather from the file", () => {
  test("at every whole hour of 2025 the outside air is the file's record for the hour ending then", () => {
    const off: unknown[] = [];
    for (let i = 0; i < 8760; i++) {
      const w = weatherAt(site, 1, rowEnd(2025, i));
      const h = epwHour(i);
      const want = {
        temp: cToF(h.dryBulb),
        dew: Math.min(cToF(h.dewPoint), cToF(h.dryBulb)),
        rh: h.rh,
        solar: h.ghi,
      };
      const got = { temp: w.temp, dew: w.dewPoint, rh: w.humidity, solar: w.solar };
      const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;
      if (
        !close(got.temp, want.temp) ||
        !close(got.dew, want.dew) ||
        !close(got.rh, want.rh) ||
        got.solar !== want.solar
      )
        off.push({ i, got, want });
      if (off.length > 3) break;
    }
    expect(off).toEqual([]);
  });

  test("daylight saving does not shift the rows: 12:00 EDT on July 1 is the record of 11:00 EST", () => {
    const row = (31 + 28 + 31 + 30 + 31 + 30) * 24 + 10; // July 1, hour ending 11:00
    const w = weatherAt(site, 1, new Date("2025-07-01T16:00:00Z"));
    expect(w.temp).toBeCloseTo(cToF(epwHour(row).dryBulb), 9);
    // The spring-forward night: 03:00 EDT on 9 March is 02:00 EST, the record of hour 2.
    const march9 = (31 + 28 + 8) * 24 + 1;
    expect(weatherAt(site, 1, new Date("2025-03-09T07:00:00Z")).temp).toBeCloseTo(
      cToF(epwHour(march9).dryBulb),
      9,
    );
  });

  test("between hours temperatures are interpolated, radiation is the hour's", () => {
    const i = 4000;
    const w = weatherAt(site, 1, new Date(rowEnd(2025, i).getTime() + 15 * 60_000));
    const [a, b] = [epwHour(i), epwHour(i + 1)];
    expect(w.temp).toBeCloseTo(cToF(a.dryBulb + (b.dryBulb - a.dryBulb) * 0.25), 9);
    expect(w.solar).toBe(b.ghi);
  });

  test("the year wraps: New Year's 00:30 lies between December 31 hour 24 and January 1 hour 1", () => {
    const w = weatherAt(site, 1, new Date(Date.UTC(2026, 0, 1, 5, 30)));
    const [a, b] = [epwHour(8759), epwHour(0)];
    expect(w.temp).toBeCloseTo(cToF((a.dryBulb + b.dryBulb) / 2), 9);
    expect(weatherAt(site, 1, rowEnd(2026, 0)).temp).toBeCloseTo(cToF(b.dryBulb), 9);
  });

  test("a leap year repeats 28 February for the 29th and keeps March 1 on its record", () => {
    const feb28h12 = 58 * 24 + 11;
    const at = (d: number, h: number) => new Date(Date.UTC(2024, 1, d, h + 5));
    expect(weatherAt(site, 1, at(29, 12)).temp).toBeCloseTo(cToF(epwHour(feb28h12).dryBulb), 9);
    expect(weatherAt(site, 1, at(28, 12)).temp).toBeCloseTo(cToF(epwHour(feb28h12).dryBulb), 9);
    const mar1h12 = 59 * 24 + 11;
    expect(weatherAt(site, 1, new Date(Date.UTC(2024, 2, 1, 17))).temp).toBeCloseTo(
      cToF(epwHour(mar1h12).dryBulb),
      9,
    );
  });

  test("the same file at another site's time zone follows the file's standard time, not the site's", () => {
    const west = { ...site, tz: "America/Los_Angeles" };
    const ts = rowEnd(2025, 5000);
    expect(weatherAt(west, 1, ts)).toEqual(weatherAt(site, 1, ts));
  });
});

describe("sub-hourly files", () => {
  const QUARTER = epwSubHourlyLines(4);
  const Q = parsed(epwText(QUARTER));
  const qsite = { ...site, weatherFile: Q };
  const MIN = 60_000;
  /** January 1 00:00 standard time (UTC−5) of `year`, plus `t` hours. */
  const at = (year: number, t: number) => new Date(Date.UTC(year, 0, 1, 5) + Math.round(t * HOUR));
  const refusedQ = (lines: string[]) => {
    const r = parseEpw(epwText(lines));
    if (r.ok) throw new Error("accepted");
    return r.issues;
  };
  const withCell = (lines: string[], n: number, field: number, v: string) => {
    const out = [...lines];
    const cells = out[n - 1]!.split(",");
    cells[field] = v;
    out[n - 1] = cells.join(",");
    return out;
  };

  test("a 15-minute file: 4 records per hour from DATA PERIODS, 35,040 records", () => {
    expect(Q.recordsPerHour).toBe(4);
    expect(Q.location).toEqual(FILE.location);
    for (const k of ["dryBulb", "dewPoint", "rh", "pressure", "ghi", "windSpeed", "skyCover"] as const)
      expect(Q[k].length).toBe(4 * 8760);
    // Record 3 of hour 11 on January 2 ends at 10:45.
    const j = (24 + 10) * 4 + 2;
    const want = epwAt((j + 1) / 4);
    expect([Q.dryBulb[j], Q.dewPoint[j], Q.rh[j], Q.pressure[j], Q.ghi[j]]).toEqual([
      want.dryBulb,
      want.dewPoint,
      want.rh,
      want.pressure,
      want.ghi,
    ]);
    // The converter's other habit: the hour's last record as minute 0.
    expect(parsed(epwText(withCell(QUARTER, 12, 4, "0")))).toEqual(Q);
    // A 29 February (96 records) is dropped as in hourly files.
    const feb28 = 8 + 58 * 96;
    const leap = QUARTER.slice(0, feb28 + 96);
    for (let r = 0; r < 96; r++)
      leap.push(`1988,2,29,${Math.floor(r / 4) + 1},${QUARTER[feb28 + r]!.split(",").slice(4).join(",")}`);
    expect(parsed(epwText([...leap, ...QUARTER.slice(feb28 + 96)]))).toEqual(Q);
  });

  test.each([2, 6, 12])("a file of %i records per hour parses to its records", (n) => {
    const f = parsed(epwText(epwSubHourlyLines(n)));
    expect(f.recordsPerHour).toBe(n);
    expect(f.dryBulb.length).toBe(8760 * n);
    const j = 5000 * n + n - 2;
    expect(f.dryBulb[j]).toBe(epwAt((j + 1) / n).dryBulb);
  });

  test.each([
    ["a minute out of step", withCell(QUARTER, 11, 4, "20"), { line: 11, field: "Minute" }],
    ["a minute that is text", withCell(QUARTER, 500, 4, "x"), { line: 500, field: "Minute" }],
    [
      "minutes that start the interval (0, 15, 30, 45)",
      withCell(QUARTER, 9, 4, "0"),
      { line: 9, field: "Minute" },
    ],
    ["a missing record", QUARTER.filter((_, i) => i !== 8 + 401), { line: 410, field: "Minute" }],
    ["five records in an hour", [...QUARTER.slice(0, 13), QUARTER[12]!, ...QUARTER.slice(13)], { line: 14 }],
    ["truncated in an hour", QUARTER.slice(0, 8 + 4000 + 2), { line: 8 + 4000 + 3 }],
    ["a bad value", withCell(QUARTER, 30_000, 8, "140"), { line: 30_000, field: "Relative Humidity" }],
  ])("refuses %s, naming the line and field", (_, lines, where) => {
    const issues = refusedQ(lines);
    expect(issues[0]).toMatchObject(where);
    expect(issues[0]!.message.length).toBeGreaterThan(0);
  });

  test("at every record's end the outside air is that record, through daylight saving", () => {
    const off: unknown[] = [];
    for (let j = 0; j < 4 * 8760; j += 7) {
      const w = weatherAt(qsite, 1, at(2025, (j + 1) / 4));
      const r = epwAt((j + 1) / 4);
      if (Math.abs(w.temp - cToF(r.dryBulb)) > 1e-9 || w.solar !== r.ghi) off.push({ j, w, r });
      if (off.length > 3) break;
    }
    expect(off).toEqual([]);
    // 12:00 EDT on July 1 is 11:00 EST: the fourth record of hour 11.
    const j = ((31 + 28 + 31 + 30 + 31 + 30) * 24 + 10) * 4 + 3;
    expect(weatherAt(qsite, 1, new Date("2025-07-01T16:00:00Z")).temp).toBeCloseTo(cToF(Q.dryBulb[j]!), 9);
  });

  test("property: between records temperatures are interpolated, radiation is the interval's", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * 8760 - 1 }), fc.integer({ min: 1, max: 14 }), (j, m) => {
        // m minutes after record j ends (2025, not leap); j + 1 the next record (wrapping the year).
        const ts = new Date(at(2025, (j + 1) / 4).getTime() + m * MIN);
        const w = weatherAt(qsite, 1, ts);
        const k = (j + 1) % (4 * 8760);
        const a = Q.dryBulb[j]!;
        const b = Q.dryBulb[k]!;
        expect(w.temp).toBeCloseTo(cToF(a + ((b - a) * m) / 15), 9);
        expect(w.solar).toBe(Q.ghi[k]!);
      }),
      { numRuns: 300 },
    );
  });

  test("an hourly file and the hour-end records of a 15-minute file of the same weather agree at whole hours", () => {
    for (let i = 0; i < 8760; i += 37) {
      const ts = rowEnd(2025, i);
      expect(weatherAt(qsite, 1, ts)).toEqual(weatherAt(site, 1, ts));
    }
    // Between the hours they differ: the 15-minute file has the shape of the hour.
    const mid = new Date(rowEnd(2025, 4000).getTime() + 30 * MIN);
    expect(weatherAt(qsite, 1, mid).temp).toBeCloseTo(cToF(epwAt(4001.5).dryBulb), 9);
  });

  test("a file stored before sub-hourly files (no recordsPerHour) is read as hourly", () => {
    const { recordsPerHour: _, ...old } = FILE;
    const ts = new Date(rowEnd(2025, 300).getTime() + 20 * MIN);
    expect(weatherAt({ ...site, weatherFile: old }, 1, ts)).toEqual(weatherAt(site, 1, ts));
  });
});
