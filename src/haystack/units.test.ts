import { describe, expect, test } from "bun:test";
import { allUnits, canonicalUnit, findUnit, isUnitSyntax } from "./units.ts";

describe("unit database", () => {
  const cases: [id: string, canonical: string, name: string][] = [
    ["°F", "°F", "fahrenheit"],
    ["fahrenheit", "°F", "fahrenheit"],
    ["°C", "°C", "celsius"],
    ["%", "%", "percent"],
    ["%RH", "%RH", "percent_relative_humidity"],
    ["kW", "kW", "kilowatt"],
    ["kWh", "kWh", "kilowatt_hour"],
    ["W", "W", "watt"],
    ["Wh", "Wh", "watt_hour"],
    ["cfm", "cfm", "cubic_feet_per_minute"],
    ["ft³/min", "cfm", "cubic_feet_per_minute"],
    ["gal/min", "gal/min", "gallons_per_minute"],
    ["gpm", "gal/min", "gallons_per_minute"],
    ["gal", "gal", "gallon"],
    ["ft³", "ft³", "cubic_foot"],
    ["m³", "m³", "cubic_meter"],
    ["inH₂O", "inH₂O", "inches_of_water"],
    ["in/wc", "inH₂O", "inches_of_water"],
    ["psi", "psi", "pounds_per_square_inch"],
    ["tonref", "tonref", "tons_refrigeration"],
    ["tonrefh", "tonrefh", "tons_refrigeration_hour"],
    ["BTU", "BTU", "btu"],
    ["Btu", "BTU", "btu"],
    ["therm", "therm", "therm"],
    ["ppm", "ppm", "parts_per_million"],
    ["Pa", "Pa", "pascal"],
    ["kPa", "kPa", "kilopascal"],
    ["ft/min", "ft/min", "feet_per_minute"],
    ["Hz", "Hz", "hertz"],
    ["A", "A", "ampere"],
    ["V", "V", "volt"],
    ["mph", "mph", "miles_per_hour"],
    ["m/s", "m/s", "meters_per_second"],
    ["W/m²", "W/m²", "watts_per_square_meter"],
    ["hr", "hr", "hour"],
    ["h", "hr", "hour"],
    ["s", "sec", "second"],
    ["day", "day", "day"],
    ["$", "$", "us_dollar"],
  ];
  test.each(cases)("%s", (id, canonical, name) => {
    expect(canonicalUnit(id)).toBe(canonical);
    expect(findUnit(id)?.name).toBe(name);
  });
  test("unknown units and unit syntax", () => {
    expect(findUnit("furlong")).toBeUndefined();
    expect(isUnitSyntax("ft³/min")).toBe(true);
    expect(isUnitSyntax("kW h")).toBe(false);
    expect(allUnits().every((u) => isUnitSyntax(u.canonical))).toBe(true);
  });
});
