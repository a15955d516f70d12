import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { hvacOccupiedMode, isUsHoliday, scheduledOccupancy, scheduleValue } from "./occupancy.ts";

const office = templateBuilding("office-tower").sites[0]!;
const campus = templateBuilding("campus");
const west = campus.sites.find((s) => s.key === "west")!;

describe("occupancy follows the site's local clock", () => {
  test.each([
    ["winter (EST): 14:00 local = 19:00 UTC", "2025-01-15T19:00:00Z", true],
    ["winter (EST): 18:00 UTC is 13:00 local", "2025-01-15T18:00:00Z", true],
    ["summer (EDT): 14:00 local = 18:00 UTC", "2025-07-16T18:00:00Z", true],
    ["summer: 03:00 local = 07:00 UTC", "2025-07-16T07:00:00Z", false],
    ["14:00 UTC on a winter Wednesday is 09:00 local", "2025-01-15T14:00:00Z", true],
    ["08:00 UTC is 03:00/04:00 local", "2025-01-15T08:00:00Z", false],
    ["Saturday 14:00 local", "2025-07-19T18:00:00Z", false],
    ["Independence Day 14:00 local", "2025-07-04T18:00:00Z", false],
    ["Thanksgiving 14:00 local", "2025-11-27T19:00:00Z", false],
  ])("New York: %s", (_name, ts, occupied) => {
    expect(scheduledOccupancy(office, new Date(ts)) >= 0.5).toBe(occupied);
  });

  test.each([
    ["Monday after spring-forward, 14:00 EDT", office, "2025-03-10T18:00:00Z", 0.85],
    ["Monday after spring-forward, 14:00 EST would be wrong", office, "2025-03-10T19:00:00Z", 0.85],
    ["Monday after spring-forward, 07:00 EDT", office, "2025-03-10T11:00:00Z", 0.15],
    ["Monday after fall-back, 07:00 EST", office, "2025-11-03T12:00:00Z", 0.15],
    ["Monday after fall-back, 06:00 EST", office, "2025-11-03T11:00:00Z", 0.05],
    ["Denver Monday after spring-forward, 07:00 MDT", west, "2025-03-10T13:00:00Z", 0.15],
    ["Denver Monday after fall-back, 07:00 MST", west, "2025-11-03T14:00:00Z", 0.15],
  ])("%s", (_name, site, ts, expected) => {
    expect(scheduledOccupancy(site, new Date(ts))).toBeCloseTo(expected, 6);
  });

  test("DST days themselves are weekend days: unoccupied all day in both zones", () => {
    for (const site of [office, west]) {
      for (const day of ["2025-03-09", "2025-11-02"]) {
        for (let h = 0; h < 24; h++) {
          const ts = new Date(`${day}T${String(h).padStart(2, "0")}:30:00Z`);
          expect(scheduledOccupancy(site, ts)).toBeLessThan(0.1);
        }
      }
    }
  });

  test("HVAC starts ahead of occupancy (optimum start) and not at night", () => {
    expect(hvacOccupiedMode(office, new Date("2025-07-16T10:30:00Z"))).toBe(true);
    expect(hvacOccupiedMode(office, new Date("2025-07-16T06:00:00Z"))).toBe(false);
  });
});

describe("schedules", () => {
  test.each([
    [{ "08:00": 0.2, "10:00": 0.8 }, 9, 0.5],
    [{ "08:00": 0.2, "10:00": 0.8 }, 12, 0.8 - (0.6 * 2) / 22],
    [{ "08:00": 0.2, "10:00": 0.8 }, 2, 0.8 - (0.6 * 16) / 22],
    [{ default: 0.05 }, 13, 0.05],
  ])("%j at %d h", (sched, hour, expected) => {
    expect(scheduleValue(sched, hour)).toBeCloseTo(expected, 6);
  });

  test.each([
    [2025, 1, 1, true],
    [2025, 1, 20, true],
    [2025, 5, 26, true],
    [2025, 9, 1, true],
    [2025, 11, 27, true],
    [2026, 7, 3, true],
    [2025, 7, 3, false],
    [2025, 3, 10, false],
  ])("US holiday %d-%d-%d: %s", (y, m, d, expected) => {
    expect(isUsHoliday(y, m, d)).toBe(expected);
  });
});
