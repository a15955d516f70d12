import type { Template } from "./index.ts";
import { climateFromNormals, NORMALS } from "./normals.ts";

/** The 12-floor downtown office tower of the original simulator, with the plant it lacked. */
export const officeTower: Template = {
  name: "office-tower",
  dis: "Downtown Office Tower",
  description:
    "12-floor office in New York: 2 chillers and a cooling tower, 2 boilers, 4 AHUs each serving 3 floors, " +
    "4 VAV boxes with hot water reheat per floor, weather station, electric/gas/water meters with sub-meters.",
  building: {
    name: "Downtown Office Tower",
    sites: [
      {
        dis: "Downtown Office Tower",
        tz: "America/New_York",
        area: 150_000,
        floors: 12,
        geo: {
          addr: "123 Business St",
          city: "New York",
          state: "NY",
          country: "US",
          lat: 40.71,
          lng: -74.01,
        },
        yearBuilt: 2018,
        primaryFunction: "Office",
        weatherStation: { dis: "Metro City Weather" },
        climate: {
          meanTemp: 55,
          annualAmplitude: 21,
          diurnalAmplitude: 8,
          coldestDay: 22,
          anomalyStd: 6,
          meanDewPoint: 42,
          dewPointAmplitude: 22,
          ...climateFromNormals(NORMALS.newYork),
          cloudiness: 0.5,
        },
        // Night setback per ASHRAE Guideline 36 defaults (unoccupied 85 °F cooling / 60 °F heating).
        setpoints: { occupied: { cooling: 72, heating: 70 }, unoccupied: { cooling: 85, heating: 60 } },
        // Water-cooled centrifugal chillers with a cooling tower (Carrier 19XR: ≈ 0.57 kW/ton at AHRI conditions).
        chillers: {
          count: 2,
          capacityTons: 300,
          manufacturer: "Carrier",
          model: "19XR",
          condenser: "water",
          baseCop: 6.2,
        },
        boilers: { count: 2, capacityMbh: 2500, efficiency: 0.88 },
        airHandlers: {
          kind: "ahu",
          count: 4,
          floorsPerUnit: 3,
          cooling: "chw",
          heating: "hw",
          manufacturer: "Trane",
          model: "Voyager",
        },
        vavs: {
          zones: ["North", "South", "East", "West"],
          maxFlowCfm: 2600,
          minFlowRatio: 0.3,
          reheat: "hw",
        },
        meters: {
          electric: { dis: "Main Electric Meter" },
          gas: { dis: "Main Gas Meter" },
          water: { dis: "Main Water Meter" },
        },
      },
    ],
  },
};
