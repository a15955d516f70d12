/**
 * The unit database: the subset of the standard Haystack (Fantom `sys::Unit`) units that building
 * data uses. Each unit has a full name and zero or more symbols; by the Haystack convention the
 * canonical spelling is the LAST symbol (or the name when there is none). A few non-standard aliases
 * seen in building data (`Btu`, `ft³/min`, `gpm`, `MBH`, `degF`…) resolve to their standard unit.
 *
 * The npm `haystack-units` package was considered and not used: it registers its units into
 * `haystack-core`'s global `HUnit` registry, which would bring a second, competing model of the
 * kinds into this pure library just for a lookup table.
 */

export interface Unit {
  /** Full name, e.g. `fahrenheit`. */
  readonly name: string;
  /** Standard symbols, canonical last, e.g. `["°F"]`. */
  readonly symbols: readonly string[];
  /** Quantity, e.g. `temperature`. */
  readonly quantity: string;
  /** The canonical spelling: the last symbol, or the name. */
  readonly canonical: string;
}

/** [quantity, name, ...symbols]; names and symbols as in the standard database. */
const TABLE: readonly (readonly string[])[] = [
  ["dimensionless", "percent", "%"],
  ["dimensionless", "percent_relative_humidity", "%RH"],
  ["dimensionless", "parts_per_million", "ppm"],
  ["dimensionless", "parts_per_billion", "ppb"],
  ["dimensionless", "power_factor", "pf"],
  ["dimensionless", "decibel", "db"],
  ["dimensionless", "degree_days_celsius", "°daysC"],
  ["dimensionless", "degree_days_fahrenheit", "°daysF"],
  ["dimensionless", "grams_per_kilogram", "g/kg"],
  ["currency", "us_dollar", "USD", "$"],
  ["currency", "euro", "EUR", "€"],
  ["currency", "canadian_dollar", "CAD"],
  ["currency", "british_pound", "GBP", "£"],
  ["area", "square_meter", "m²"],
  ["area", "square_foot", "ft²"],
  ["electric current", "ampere", "A"],
  ["electric current", "milliampere", "mA"],
  ["electric potential", "volt", "V"],
  ["electric potential", "millivolt", "mV"],
  ["electric potential", "kilovolt", "kV"],
  ["electric resistance", "ohm", "Ω"],
  ["energy", "joule", "J"],
  ["energy", "kilojoule", "kJ"],
  ["energy", "megajoule", "MJ"],
  ["energy", "gigajoule", "GJ"],
  ["energy", "watt_hour", "Wh"],
  ["energy", "kilowatt_hour", "kWh"],
  ["energy", "megawatt_hour", "MWh"],
  ["energy", "btu", "BTU"],
  ["energy", "kilobtu", "kBTU"],
  ["energy", "megabtu", "MBTU", "MMBTU"],
  ["energy", "therm"],
  ["energy", "tons_refrigeration_hour", "tonrefh"],
  ["energy", "kilovolt_ampere_hour", "kVAh"],
  ["energy by area", "kilowatt_hours_per_square_foot", "kWh/ft²"],
  ["energy by area", "kilowatt_hours_per_square_meter", "kWh/m²"],
  ["enthalpy", "kilojoules_per_kilogram", "kJ/kg"],
  ["enthalpy", "btu_per_pound", "BTU/lb"],
  ["frequency", "hertz", "Hz"],
  ["frequency", "revolutions_per_minute", "rpm"],
  ["frequency", "per_hour", "/h"],
  ["illuminance", "lux", "lx"],
  ["illuminance", "footcandle", "fc"],
  ["luminous flux", "lumen", "lm"],
  ["length", "meter", "m"],
  ["length", "millimeter", "mm"],
  ["length", "kilometer", "km"],
  ["length", "inch", "in"],
  ["length", "foot", "ft"],
  ["mass", "kilogram", "kg"],
  ["mass", "pound", "lb"],
  ["mass flow", "kilograms_per_second", "kg/s"],
  ["mass flow", "kilograms_per_hour", "kg/h"],
  ["mass flow", "pounds_per_hour", "lb/h"],
  ["power", "watt", "W"],
  ["power", "kilowatt", "kW"],
  ["power", "megawatt", "MW"],
  ["power", "horsepower", "hp"],
  ["power", "btus_per_hour", "BTU/h"],
  ["power", "kilobtus_per_hour", "kBTU/h"],
  ["power", "tons_refrigeration", "tonref"],
  ["power", "volt_ampere", "VA"],
  ["power", "kilovolt_ampere", "kVA"],
  ["power", "volt_ampere_reactive", "VAR"],
  ["power", "kilovolt_ampere_reactive", "kVAR"],
  ["power by area", "watts_per_square_meter", "W/m²"],
  ["power by area", "watts_per_square_foot", "W/ft²"],
  ["power by volumetric flow", "kilowatt_per_ton", "kW/ton"],
  ["pressure", "pascal", "Pa"],
  ["pressure", "kilopascal", "kPa"],
  ["pressure", "bar"],
  ["pressure", "millibar", "mbar"],
  ["pressure", "pounds_per_square_inch", "psi"],
  ["pressure", "inches_of_water", "in/wc", "inH₂O"],
  ["pressure", "inches_of_mercury", "inHg"],
  ["temperature", "fahrenheit", "°F"],
  ["temperature", "celsius", "°C"],
  ["temperature", "kelvin", "K"],
  ["temperature differential", "fahrenheit_degrees", "Δ°F"],
  ["temperature differential", "celsius_degrees", "Δ°C"],
  ["time", "millisecond", "ms"],
  ["time", "second", "s", "sec"],
  ["time", "minute", "min"],
  ["time", "hour", "h", "hr"],
  ["time", "day"],
  ["time", "week", "wk"],
  ["time", "julian_month", "mo"],
  ["time", "year", "yr"],
  ["velocity", "meters_per_second", "m/s"],
  ["velocity", "kilometers_per_hour", "km/h"],
  ["velocity", "miles_per_hour", "mph"],
  ["velocity", "feet_per_minute", "ft/min"],
  ["velocity", "feet_per_second", "ft/s"],
  ["volume", "cubic_meter", "m³"],
  ["volume", "liter", "L"],
  ["volume", "cubic_foot", "ft³"],
  ["volume", "gallon", "gal"],
  ["volume", "kilogallon", "kgal"],
  ["volumetric flow", "cubic_meters_per_second", "m³/s"],
  ["volumetric flow", "cubic_meters_per_hour", "m³/h"],
  ["volumetric flow", "liters_per_second", "L/s"],
  ["volumetric flow", "liters_per_minute", "L/min"],
  ["volumetric flow", "liters_per_hour", "L/h"],
  ["volumetric flow", "cubic_feet_per_minute", "cfm"],
  ["volumetric flow", "cubic_feet_per_hour", "cfh"],
  ["volumetric flow", "gallons_per_minute", "gal/min"],
  ["volumetric flow", "gallons_per_hour", "gal/hr", "gph"],
  ["concentration", "micrograms_per_cubic_meter", "µg/m³"],
  ["concentration", "milligrams_per_cubic_meter", "mg/m³"],
];

/** Non-standard spellings seen in building data, to the standard name. */
const EXTRA_ALIASES: Readonly<Record<string, string>> = {
  Btu: "btu",
  kBtu: "kilobtu",
  "Btu/h": "btus_per_hour",
  "Btu/hr": "btus_per_hour",
  MBH: "kilobtus_per_hour",
  "ft³/min": "cubic_feet_per_minute",
  "ft3/min": "cubic_feet_per_minute",
  CFM: "cubic_feet_per_minute",
  gpm: "gallons_per_minute",
  GPM: "gallons_per_minute",
  degF: "fahrenheit",
  degC: "celsius",
  "°f": "fahrenheit",
  "°c": "celsius",
  inH2O: "inches_of_water",
  ft2: "square_foot",
  m2: "square_meter",
  m3: "cubic_meter",
  ft3: "cubic_foot",
  "W/m2": "watts_per_square_meter",
  RH: "percent_relative_humidity",
  "%rh": "percent_relative_humidity",
  "μg/m³": "micrograms_per_cubic_meter",
};

const BY_ID = new Map<string, Unit>();
for (const [quantity, name, ...symbols] of TABLE) {
  if (!quantity || !name) continue;
  const unit: Unit = { name, symbols, quantity, canonical: symbols[symbols.length - 1] ?? name };
  BY_ID.set(name, unit);
  for (const s of symbols) BY_ID.set(s, unit);
}
for (const [alias, name] of Object.entries(EXTRA_ALIASES)) {
  const unit = BY_ID.get(name);
  if (unit && !BY_ID.has(alias)) BY_ID.set(alias, unit);
}

/** The unit known by name, symbol or alias; `undefined` when not in the database. */
export function findUnit(id: string): Unit | undefined {
  return BY_ID.get(id);
}

/** The canonical spelling (`"fahrenheit"`, `"degF"` → `"°F"`); `undefined` when unknown. */
export function canonicalUnit(id: string): string | undefined {
  return BY_ID.get(id)?.canonical;
}

/**
 * Why a Number in `valUnit` cannot be stored on a point in `pointUnit`, or undefined when it can:
 * a unitless Number is taken in the point's unit, and spellings of one unit (`degF`, `°F`) agree.
 * Another unit is refused even when it converts (°C for a °F point), as SkySpark's writes refuse a
 * unit that is not the point's: a client's unit slip must not silently become a setpoint.
 */
export function unitMismatch(pointUnit: string | undefined, valUnit: string | undefined): string | undefined {
  if (valUnit === undefined || pointUnit === undefined || valUnit === pointUnit) return undefined;
  const a = canonicalUnit(pointUnit) ?? pointUnit;
  const b = canonicalUnit(valUnit) ?? valUnit;
  return a === b ? undefined : `the point's unit is ${pointUnit}, not ${valUnit}`;
}

/** Every unit in the database (one entry per unit, not per alias). */
export function allUnits(): Unit[] {
  return [...new Set(BY_ID.values())];
}

/**
 * True when `s` uses only the characters a unit identifier may contain
 * (ASCII letters, `_`, `/`, `%`, `$`, any char above 127). Says nothing about the database.
 */
export function isUnitSyntax(s: string): boolean {
  return /^[A-Za-z_/%$\u0080-\uFFFF]+$/u.test(s);
}
