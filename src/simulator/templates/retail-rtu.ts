import type { Template } from "./index.ts";
import { climateFromNormals, NORMALS } from "./normals.ts";

/** A single-storey desert retail store on packaged rooftop units, open seven days. */
export const retailRtu: Template = {
  name: "retail-rtu",
  dis: "Sunbelt Plaza Retail",
  description:
    "One-storey store in Phoenix (no DST): 6 rooftop units with DX cooling, gas heat and economizers, " +
    "open 10:00–21:00 every day (Sunday 11:00–18:00), electric/gas/water meters.",
  building: {
    name: "Sunbelt Plaza Retail",
    sites: [
      {
        dis: "Sunbelt Plaza Retail",
        tz: "America/Phoenix",
        area: 24_000,
        floors: 1,
        geo: {
          addr: "4500 E Camelback Rd",
          city: "Phoenix",
          state: "AZ",
          country: "US",
          lat: 33.5,
          lng: -111.98,
        },
        yearBuilt: 2006,
        primaryFunction: "Retail Store",
        weatherStation: { dis: "Phoenix Weather" },
        climate: {
          meanTemp: 75,
          annualAmplitude: 17,
          diurnalAmplitude: 12,
          coldestDay: 15,
          anomalyStd: 4,
          meanDewPoint: 38,
          dewPointAmplitude: 15,
          ...climateFromNormals(NORMALS.phoenix),
          cloudiness: 0.2,
        },
        occupancy: {
          areaPerPerson: 300,
          weekday: {
            "09:00": 0.05,
            "10:00": 0.4,
            "12:00": 0.7,
            "14:00": 0.55,
            "18:00": 0.9,
            "21:00": 0.3,
            "21:30": 0.02,
          },
          saturday: { "09:00": 0.05, "10:00": 0.6, "13:00": 1, "17:00": 0.9, "21:00": 0.4, "21:30": 0.02 },
          sunday: { "10:00": 0.02, "11:00": 0.5, "14:00": 0.8, "18:00": 0.3, "18:30": 0.02 },
          holiday: { default: 0.02 },
          holidayCalendar: "none",
          holidayDates: ["2025-11-27", "2025-12-25", "2026-11-26", "2026-12-25", "2027-11-25", "2027-12-25"],
        },
        setpoints: { occupied: { cooling: 74, heating: 68 }, unoccupied: { cooling: 85, heating: 58 } },
        // A store after hours keeps a third of its lighting (night stocking, security, display windows)
        // and most plug load (refrigerated cases and beverage coolers, POS and network gear, signage):
        // the night base of retail is 30–50 % of the afternoon demand.
        loads: { lightingWPerFt2: 1.3, plugWPerFt2: 0.9, lightingNight: 0.35, plugNight: 0.75 },
        envelopeUaPerFt2: 0.2,
        chillers: { count: 0 },
        boilers: { count: 0 },
        airHandlers: {
          kind: "rtu",
          count: 6,
          floorsPerUnit: 1,
          cooling: "dx",
          heating: "gas",
          designCfmPerFt2: 1.1,
          manufacturer: "Lennox",
          model: "Energence",
        },
        vavs: { reheat: "none" },
        meters: {
          electric: { dis: "Store Electric Meter" },
          gas: { dis: "Store Gas Meter" },
          water: { dis: "Store Water Meter" },
        },
      },
    ],
  },
};
