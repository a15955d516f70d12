import type { Template } from "./index.ts";
import { climateFromNormals, NORMALS } from "./normals.ts";

/** A research organisation's campus of three buildings in three time zones and climates. */
export const campus: Template = {
  name: "campus",
  dis: "Meridian Research Campus",
  description:
    "Three buildings: a 4-floor laboratory in Boston (100 % outside air AHUs around the clock with exhaust " +
    "heat recovery, fume hoods, chillers, boilers, VAV with hot water reheat), a 3-floor hall " +
    "in Chicago (DX/gas AHUs, electric reheat) and a 1-floor annex in Denver (rooftop units).",
  building: {
    name: "Meridian Research Campus",
    sites: [
      {
        key: "east",
        dis: "Meridian East Lab",
        tz: "America/New_York",
        area: 80_000,
        floors: 4,
        geo: { city: "Boston", state: "MA", country: "US", lat: 42.36, lng: -71.06 },
        yearBuilt: 2011,
        primaryFunction: "Laboratory",
        weatherStation: { dis: "Boston Weather" },
        climate: {
          meanTemp: 52,
          annualAmplitude: 22,
          diurnalAmplitude: 7.5,
          coldestDay: 24,
          anomalyStd: 6.5,
          meanDewPoint: 38,
          dewPointAmplitude: 22,
          ...climateFromNormals(NORMALS.boston),
          cloudiness: 0.55,
        },
        // Researchers keep lab hours; the HVAC does not set back (continuous operation below).
        occupancy: {
          areaPerPerson: 350,
          weekday: {
            "06:00": 0.05,
            "07:00": 0.3,
            "09:00": 0.9,
            "12:00": 0.75,
            "13:00": 0.9,
            "18:00": 0.5,
            "21:00": 0.1,
            "23:00": 0.05,
          },
          saturday: { "08:00": 0.02, "10:00": 0.15, "16:00": 0.1, "18:00": 0.02 },
          sunday: { default: 0.02 },
        },
        // Lab equipment (fume hood services, freezers, incubators, instruments) runs day and night:
        // Labs21 measured 2–5 W/ft² of lab plug load, most of it constant.
        loads: { lightingWPerFt2: 0.9, plugWPerFt2: 3.5, lightingNight: 0.3, plugNight: 0.7 },
        setpoints: { occupied: { cooling: 72, heating: 70 }, unoccupied: { cooling: 72, heating: 70 } },
        chillers: { count: 2, capacityTons: 350, manufacturer: "York", model: "YVWA" },
        boilers: { count: 2, capacityMbh: 3000 },
        // Two 100 % outside air AHUs (2 floors each, 50,000 cfm design) around the clock, with a
        // run-around coil recovering heat from the lab exhaust (no wheel: fume hood exhaust may not
        // cross-contaminate the supply).
        airHandlers: {
          kind: "ahu",
          count: 2,
          floorsPerUnit: 2,
          cooling: "chw",
          heating: "hw",
          economizer: false,
          outsideAir: "full",
          heatRecovery: 0.5,
          operation: "continuous",
          designCfmPerFt2: 1.25,
        },
        // 4,000 ft² lab rooms, 9 ft ceilings: a 3,500 cfm minimum is 5.8 air changes per hour (the
        // 6 ACH occupied rate of current lab practice, I2SL/Labs21), each with two VAV fume hoods.
        vavs: {
          zones: ["North", "South", "East", "West", "Core"],
          maxFlowCfm: 5000,
          minFlowRatio: 0.7,
          reheat: "hw",
          fumeHoods: 2,
          fumeHoodCfm: 1000,
        },
      },
      {
        key: "central",
        dis: "Meridian Central Hall",
        tz: "America/Chicago",
        area: 45_000,
        floors: 3,
        geo: { city: "Chicago", state: "IL", country: "US", lat: 41.88, lng: -87.63 },
        yearBuilt: 1998,
        primaryFunction: "Office",
        weatherStation: { dis: "Chicago Weather" },
        climate: {
          meanTemp: 50,
          annualAmplitude: 25,
          diurnalAmplitude: 8,
          coldestDay: 20,
          anomalyStd: 7,
          meanDewPoint: 38,
          dewPointAmplitude: 24,
          ...climateFromNormals(NORMALS.chicago),
          cloudiness: 0.55,
        },
        setpoints: { occupied: { cooling: 72, heating: 70 }, unoccupied: { cooling: 85, heating: 60 } },
        chillers: { count: 0 },
        boilers: { count: 0 },
        airHandlers: { kind: "ahu", count: 3, floorsPerUnit: 1, cooling: "dx", heating: "gas" },
        vavs: { zones: ["North", "South", "East", "West"], maxFlowCfm: 3000, reheat: "elec" },
      },
      {
        key: "west",
        dis: "Meridian West Annex",
        tz: "America/Denver",
        area: 12_000,
        floors: 1,
        geo: { city: "Denver", state: "CO", country: "US", lat: 39.74, lng: -104.99 },
        yearBuilt: 2020,
        primaryFunction: "Office",
        weatherStation: { dis: "Denver Weather" },
        climate: {
          meanTemp: 51,
          annualAmplitude: 20,
          diurnalAmplitude: 13,
          coldestDay: 18,
          anomalyStd: 7,
          meanDewPoint: 28,
          dewPointAmplitude: 15,
          ...climateFromNormals(NORMALS.denver),
          cloudiness: 0.35,
        },
        envelopeUaPerFt2: 0.18,
        setpoints: { occupied: { cooling: 72, heating: 70 }, unoccupied: { cooling: 85, heating: 60 } },
        chillers: { count: 0 },
        boilers: { count: 0 },
        airHandlers: {
          kind: "rtu",
          count: 3,
          floorsPerUnit: 1,
          cooling: "dx",
          heating: "gas",
          designCfmPerFt2: 1,
        },
        vavs: { reheat: "none" },
        meters: { electric: { dis: "Annex Electric Meter" }, gas: { dis: "Annex Gas Meter" }, water: null },
      },
    ],
  },
};
