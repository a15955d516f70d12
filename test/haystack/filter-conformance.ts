/**
 * The filter conformance table: a small building (Zinc dicts), a def namespace, and filters with
 * the ids they must select, written from the Project Haystack Filters chapter (docHaystack::Filters:
 * has/missing, comparisons, `and`/`or`, the arrow operator through Refs and nested Dicts, ref lists)
 * and Haxall's matching rules (haystack::Filter: `!=` is "has the tag and the value is not equal",
 * whatever its kind or unit; `==` and ordering need the same kind, and the same unit for Numbers;
 * `^symbol` matches the def's term or a subtype's term, MFilterInference). Every engine that answers
 * filters (the evaluator, the SQL compiler on each database, `POST /filter`, the Haystack `read`
 * op) must give exactly these answers.
 *
 * One deliberate difference from Haxall: `not a->b` is the complement of `a->b` (Haxall's
 * `FilterMissing` also holds for a List of Refs whose every target has `b`); no case here depends
 * on it.
 */

/** The fixture entities; every one has an `id`. */
export const CONFORMANCE_ENTITIES: readonly string[] = [
  `{id:@c.site dis:"Site" site geoCity:"Chicago" area:35000ft²}`,
  `{id:@c.site2 dis:"Site 2" site geoCity:"Richmond"}`,
  `{id:@c.ahu dis:"AHU" equip ahu siteRef:@c.site}`,
  `{id:@c.rtu dis:"RTU" equip rtu siteRef:@c.site2}`,
  `{id:@c.vav dis:"VAV" equip vav siteRef:@c.site ahuRef:@c.ahu airRef:[@c.ahu, @c.rtu]}`,
  `{id:@c.meter dis:"Elec meter" equip elec meter siteRef:@c.site}`,
  `{id:@c.gas dis:"Gas meter" meter naturalGas siteRef:@c.site2}`,
  `{id:@c.num dis:"75" point num:75 foo:13}`,
  `{id:@c.degF dis:"75°F" point num:75°F foo:"13"}`,
  `{id:@c.degC dis:"24°C" point num:24°C foo:13kW}`,
  `{id:@c.str dis:"Str" point num:"75" foo:"bar"}`,
  `{id:@c.bare dis:"Bare" point}`,
  `{id:@c.times dis:"Times" at:2024-03-10T08:30:00-04:00 New_York day:2024-03-10 start:08:30:00 on:T
    mode:^heat link:\`http://example.com/\`}`,
  `{id:@c.dict dis:"Dict" ref:{thru:"yes" n:5kW siteRef:@c.site inner:{deep:T} refs:[@c.ahu, @c.rtu]}}`,
  `{id:@c.dict2 dis:"Dict 2" ref:{thru:"no"}}`,
  `{id:@c.kinds dis:"Kinds" ref:{day:2024-03-10 start:08:30:00 at:2024-03-10T08:30:00-04:00 New_York
    link:\`http://example.com/\` mode:^heat on:T big:INF odd:NaN plain:3}}`,
  `{id:@c.holder dis:"Holder" holderRef:@c.dict}`,
  `{id:@c.list dis:"List" tags:["a", "b"] airRef:[@c.ahu]}`,
];

/**
 * The def namespace the `^symbol` cases are answered in: the `is` relations of these Haystack 4
 * defs (phIoT), which the seeded namespace also holds.
 */
export const CONFORMANCE_DEFS: readonly string[] = [
  "{def:^marker}",
  "{def:^entity is:[^marker]}",
  "{def:^site is:[^entity]}",
  "{def:^equip is:[^entity]}",
  "{def:^point is:[^entity]}",
  "{def:^airHandlingEquip is:[^equip]}",
  "{def:^ahu is:[^airHandlingEquip]}",
  "{def:^rtu is:[^ahu]}",
  "{def:^airTerminalUnit is:[^equip]}",
  "{def:^vav is:[^airTerminalUnit]}",
  "{def:^meter is:[^equip]}",
  "{def:^elec-meter is:[^meter]}",
];

const ALL = [
  "c.site",
  "c.site2",
  "c.ahu",
  "c.rtu",
  "c.vav",
  "c.meter",
  "c.gas",
  "c.num",
  "c.degF",
  "c.degC",
  "c.str",
  "c.bare",
  "c.times",
  "c.dict",
  "c.dict2",
  "c.kinds",
  "c.holder",
  "c.list",
];
const without = (ids: string[]): string[] => ALL.filter((x) => !ids.includes(x));
const NUMS = ["c.num", "c.degF", "c.degC", "c.str"];

/** [rule it checks, filter, ids it selects]. */
export type ConformanceCase = [rule: string, filter: string, expected: readonly string[]];

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  // Usage: a tag name matches any record with that tag, whatever its value; and / or / not.
  ["has", "site", ["c.site", "c.site2"]],
  ["has any kind", "num", NUMS],
  ["missing", "not point", without(["c.num", "c.degF", "c.degC", "c.str", "c.bare"])],
  ["and", "equip and ahu", ["c.ahu"]],
  ["or", "site or rtu", ["c.site", "c.site2", "c.rtu"]],
  ["and not", "equip and not ahu", ["c.rtu", "c.vav", "c.meter"]],
  ["and binds tighter than or", "site or equip and siteRef == @c.site2", ["c.site", "c.site2", "c.rtu"]],
  ["parentheses", "(site or equip) and siteRef == @c.site2", ["c.rtu"]],
  ["unknown tag", "nothere", []],
  ["not unknown tag", "not nothere", ALL],
  // Comparisons: == and ordering need the same kind, and the same unit for Numbers.
  ["== Str", 'geoCity == "Chicago"', ["c.site"]],
  ["== Number without unit", "num == 75", ["c.num"]],
  ["== Number with unit", "num == 75°F", ["c.degF"]],
  ["== Str is not a Number", 'num == "75"', ["c.str"]],
  ["< same unit only", "num < 100", ["c.num"]],
  ["> same unit only", "num > 70°F", ["c.degF"]],
  [">= other unit never", "num >= 0kW", []],
  ["> Str by code point", 'num > "7"', ["c.str"]],
  ["== Bool", "on == true", ["c.times"]],
  ["== Date", "day == 2024-03-10", ["c.times"]],
  ["Date is not a DateTime", "day == 2024-03-10T00:00:00Z", []],
  ["== DateTime by instant", "at == 2024-03-10T12:30:00Z", ["c.times"]],
  ["< DateTime", "at < 2024-03-10T09:00:00-04:00 New_York", ["c.times"]],
  ["< Time", "start < 09:00:00", ["c.times"]],
  ["== Symbol", "mode == ^heat", ["c.times"]],
  ["Symbol is not a Str", 'mode == "heat"', []],
  ["== Uri", "link == `http://example.com/`", ["c.times"]],
  // Haxall's !=: has the tag and its value is not equal, whatever its kind or unit.
  ["!= other unit and other kind", "num != 75", ["c.degF", "c.degC", "c.str"]],
  ["!= with unit", "num != 75°F", ["c.num", "c.degC", "c.str"]],
  ["!= Number vs Str and Number with unit", "foo != 13", ["c.degF", "c.degC", "c.str"]],
  ["!= Str", 'foo != "13"', ["c.num", "c.degC", "c.str"]],
  ["!= Str on every record with it", 'geoCity != "Chicago"', ["c.site2"]],
  ["!= needs the tag", "nothere != 1", []],
  ["!= Symbol vs Str", 'mode != "heat"', ["c.times"]],
  ["!= Date vs DateTime", "day != 2024-03-10T00:00:00Z", ["c.times"]],
  ["!= DateTime by instant", "at != 2024-03-10T12:30:00Z", []],
  ["!= List vs Str", 'tags != "a"', ["c.list"]],
  ["== List vs Str", 'tags == "a"', []],
  // Arrow operator through Refs.
  ["-> Ref", 'siteRef->geoCity == "Chicago"', ["c.ahu", "c.vav", "c.meter"]],
  ["-> Ref with and", 'equip and siteRef->geoCity != "Chicago"', ["c.rtu"]],
  ["-> Ref has", "ahuRef->ahu", ["c.vav"]],
  ["-> two Refs", 'ahuRef->siteRef->geoCity == "Chicago"', ["c.vav"]],
  ["-> dead end", "siteRef->siteRef", []],
  ["not ->", "equip and not siteRef->geoCity", []],
  // Ref lists: a filter matches if any one of the refs matches.
  ["ref list ==", "airRef == @c.rtu", ["c.vav"]],
  ["ref list == (one)", "airRef == @c.ahu", ["c.vav", "c.list"]],
  ["ref list ->", "airRef->rtu", ["c.vav"]],
  ["ref list -> ->", 'airRef->siteRef->geoCity == "Richmond"', ["c.vav"]],
  ["ref list -> any", 'airRef->dis == "AHU"', ["c.vav", "c.list"]],
  ["ref list != (a List is not a Ref)", "airRef != @c.ahu", ["c.vav", "c.list"]],
  // Arrow operator through nested Dicts.
  ["-> Dict has", "ref->thru", ["c.dict", "c.dict2"]],
  ["-> Dict has any", "ref", ["c.dict", "c.dict2", "c.kinds"]],
  ["-> Dict ==", 'ref->thru == "yes"', ["c.dict"]],
  ["-> Dict !=", 'ref->thru != "yes"', ["c.dict2"]],
  ["-> Dict Number unit", "ref->n == 5kW", ["c.dict"]],
  ["-> Dict Number order", "ref->n > 1kW", ["c.dict"]],
  ["-> Dict Number other unit", "ref->n > 1", []],
  ["-> Dict != other unit", "ref->n != 5", ["c.dict"]],
  ["-> Dict -> Dict", "ref->inner->deep == true", ["c.dict"]],
  ["-> Dict -> Ref", 'ref->siteRef->geoCity == "Chicago"', ["c.dict"]],
  ["-> Dict ref list ==", "ref->refs == @c.rtu", ["c.dict"]],
  ["-> Dict ref list ->", "ref->refs->rtu", ["c.dict"]],
  ["-> Ref -> Dict", 'holderRef->ref->thru == "yes"', ["c.holder"]],
  ["-> Ref -> Dict -> Ref", 'holderRef->ref->siteRef->dis == "Site"', ["c.holder"]],
  ["-> Dict missing tag", "ref->nothere", []],
  ["-> Str ends the path", "ref->thru->x", []],
  ["not -> Dict", "dis and not ref->thru", without(["c.dict", "c.dict2"])],
  ["-> Dict Number vs Str", 'ref->n != "5kW"', ["c.dict"]],
  ["-> Dict plain Number", "ref->plain == 3", ["c.kinds"]],
  ["-> Dict plain Number has no unit", "ref->plain == 3kW", []],
  ["-> Dict Date", "ref->day == 2024-03-10", ["c.kinds"]],
  ["-> Dict Date order", "ref->day < 2024-04-01", ["c.kinds"]],
  ["-> Dict Time", "ref->start >= 08:30:00", ["c.kinds"]],
  ["-> Dict DateTime by instant", "ref->at == 2024-03-10T12:30:00Z", ["c.kinds"]],
  ["-> Dict DateTime order", "ref->at > 2024-03-10T08:00:00-04:00 New_York", ["c.kinds"]],
  ["-> Dict Uri", "ref->link == `http://example.com/`", ["c.kinds"]],
  ["-> Dict Symbol", "ref->mode == ^heat", ["c.kinds"]],
  ["-> Dict Symbol is not a Str", 'ref->mode != "heat"', ["c.kinds"]],
  ["-> Dict Bool", "ref->on == true", ["c.kinds"]],
  ["-> Dict INF", "ref->big > 1000000", ["c.kinds"]],
  ["-> Dict NaN is unordered", "ref->odd > 0", []],
  ["-> Dict NaN is not equal", "ref->odd != 0", ["c.kinds"]],
  // The same rules under `or`, where paths are tested entity by entity.
  ["-> Dict -> Ref under or", 'site or ref->siteRef->geoCity == "Chicago"', ["c.site", "c.site2", "c.dict"]],
  ["-> Ref -> Dict under or", 'site or holderRef->ref->thru == "yes"', ["c.site", "c.site2", "c.holder"]],
  ["-> Dict ref list under or", "site or ref->refs->rtu", ["c.site", "c.site2", "c.dict"]],
  ["!= under or", "site or num != 75", ["c.site", "c.site2", "c.degF", "c.degC", "c.str"]],
  ["ref list != under or", "site or airRef != @c.ahu", ["c.site", "c.site2", "c.vav", "c.list"]],
  ["-> Dict != under or", 'site or ref->thru != "yes"', ["c.site", "c.site2", "c.dict2"]],
  // ^symbol: the record has the def's term or a subtype's (conjuncts need every tag).
  ["^symbol", "^site", ["c.site", "c.site2"]],
  ["^symbol subtypes", "^equip", ["c.ahu", "c.rtu", "c.vav", "c.meter", "c.gas"]],
  ["^symbol chain", "^airHandlingEquip", ["c.ahu", "c.rtu"]],
  ["^symbol subtype of a tag", "^ahu", ["c.ahu", "c.rtu"]],
  ["^conjunct", "^elec-meter", ["c.meter"]],
  ["^symbol with conjunct subtype", "^meter", ["c.meter", "c.gas"]],
  ["^symbol root", "^entity", without(["c.times", "c.dict", "c.dict2", "c.kinds", "c.holder", "c.list"])],
  ["^unknown def is its own term", "^naturalGas", ["c.gas"]],
  ["^symbol and path", '^equip and siteRef->geoCity == "Chicago"', ["c.ahu", "c.vav", "c.meter"]],
  ["not with ^symbol", "^equip and not equip", ["c.gas"]],
  ["^symbol or", "^vav or ^rtu", ["c.rtu", "c.vav"]],
];
