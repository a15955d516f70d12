-- Standard Haystack tag definitions, seeded offline from our own list: names (facts of the Haystack
-- 4 ontology), the library each belongs to (`ph`, `phIoT`, `phScience`) and the kind of its values.
-- Each tag gets a tag_def row, a `lib` meta (attribute = the tag named `lib`, value = its library's
-- tag_def) and an `is` meta plus a tag_hierarchy row naming its kind (marker, number, str, ref,
-- bool, date, dateTime, time, uri, symbol, coord, dict, list, scalar for any scalar). The library
-- `custom` holds tags created on the fly by the catalog (see src/catalog/index.ts).
-- Idempotent: existing tags keep their rows; a tag gets a lib or `is` meta only when it has none.
-- Rows are inserted in list order so fresh databases get the same ids. Every existing org is
-- granted the three standard libraries and `custom`.

-- History rows get a single-column key (`hs_id`, a random uuid) so the outbox can copy them to
-- secondaries by key (their primary key is (id, modified)). Existing rows keep a null hs_id.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['entity_tag_h', 'tag_def_h', 'tag_meta_h', 'tag_hierarchy_h', 'tag_def_enum_h'] LOOP
    EXECUTE format('ALTER TABLE core.%I ADD COLUMN IF NOT EXISTS hs_id uuid', t);
    EXECUTE format('ALTER TABLE core.%I ALTER COLUMN hs_id SET DEFAULT gen_random_uuid()', t);
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON core.%I (hs_id)', 'ux_' || t || '_hs_id', t);
  END LOOP;
END $$;

DROP TABLE IF EXISTS pg_temp.hs_std_tag;
CREATE TEMP TABLE hs_std_tag (ord serial, name text NOT NULL, lib text NOT NULL, kind text) ON COMMIT DROP;

-- Libraries and the kinds themselves (roots of the kind hierarchy).
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', NULL FROM unnest(ARRAY[
  'ph', 'phIoT', 'phScience', 'custom', 'lib', 'marker', 'val']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'val' FROM unnest(ARRAY[
  'scalar', 'list', 'dict', 'grid']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'scalar' FROM unnest(ARRAY[
  'na', 'bool', 'number', 'str', 'uri', 'ref', 'symbol', 'date', 'time', 'dateTime', 'coord', 'xstr']) AS n;

-- ph: entity basics, meta tags, geography, units and time zones.
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'marker' FROM unnest(ARRAY[
  'def', 'entity', 'geoPlace', 'aggregate', 'computed', 'transient', 'mandatory', 'notInherited',
  'abstract', 'deprecated', 'nosql', 'docTaxonomy', 'docSection', 'association', 'choice', 'feature',
  'filetype', 'op', 'noSideEffects', 'quantity', 'phenomenon', 'substance']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'str' FROM unnest(ARRAY[
  'dis', 'disMacro', 'disKey', 'navName', 'doc', 'tz', 'unit', 'kind', 'enum', 'mime',
  'geoAddr', 'geoStreet', 'geoCity', 'geoCounty', 'geoState', 'geoCountry', 'geoPostalCode',
  'productName', 'productVersion', 'vendorName', 'moduleName', 'moduleVersion', 'version',
  'fileExt', 'wikipedia', 'accept', 'fantomIcon']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'number' FROM unnest(ARRAY[
  'geoElevation', 'minVal', 'maxVal', 'int', 'duration', 'precision']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'ref' FROM unnest(ARRAY['id']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'coord' FROM unnest(ARRAY['geoCoord']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'dateTime' FROM unnest(ARRAY['mod']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'uri' FROM unnest(ARRAY[
  'baseUri', 'productUri', 'vendorUri', 'moduleUri', 'uri']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'symbol' FROM unnest(ARRAY[
  'of', 'reciprocalOf', 'inputs', 'outputs', 'mixinOn']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'ph', 'list' FROM unnest(ARRAY[
  'is', 'tagOn', 'depends', 'children', 'prefUnit']) AS n;

-- phScience: substances, phenomena and quantities.
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phScience', 'marker' FROM unnest(ARRAY[
  'solid', 'fluid', 'liquid', 'gas', 'ice', 'water', 'steam', 'air', 'ch4', 'co', 'co2', 'hfc', 'n2o',
  'nf3', 'pfc', 'pm01', 'pm25', 'pm10', 'sf6', 'tvoc', 'elec', 'light', 'solar', 'wind', 'weather',
  'temp', 'volume', 'pressure', 'flow', 'level', 'wetBulb', 'feelsLike', 'dewPoint', 'humidity',
  'enthalpy', 'airQuality', 'concentration', 'emission', 'cloudage', 'daytime', 'precipitation',
  'weatherCond', 'visibility', 'illuminance', 'luminance', 'direction', 'energy', 'freq',
  'irradiance', 'power', 'speed', 'angle', 'avg', 'apparent', 'atmospheric', 'co2e', 'current',
  'flux', 'intensity', 'luminous', 'magnitude', 'quality', 'total', 'velocity', 'volt']) AS n;

-- phIoT: sites, spaces, equipment, points and their markers.
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phIoT', 'marker' FROM unnest(ARRAY[
  -- entities and point mixins
  'site', 'space', 'floor', 'room', 'equip', 'point', 'device', 'his', 'cur', 'writable',
  'hisTotalized', 'sensor', 'cmd', 'sp', 'pointFunctionType',
  -- equipment
  'ahu', 'rtu', 'mau', 'doas', 'fcu', 'vav', 'cav', 'airTerminalUnit', 'chiller', 'boiler',
  'coolingTower', 'heatExchanger', 'heatPump', 'pump', 'fan', 'damper', 'valve', 'coil', 'filter',
  'meter', 'siteMeter', 'submeter', 'panel', 'circuit', 'vfd', 'motor', 'tank', 'thermostat',
  'weatherStation', 'plant', 'battery', 'evse', 'inverter', 'lighting', 'luminaire', 'ups',
  'elevator', 'escalator', 'verticalTransport', 'radiantEquip', 'radiantFloor', 'unitVent',
  'exhaust', 'actuator', 'conduit', 'duct', 'pipe', 'wire', 'system', 'network', 'controller',
  -- equipment attributes
  'singleZone', 'multiZone', 'dualDuct', 'directZone', 'variableAirVolume', 'constantAirVolume',
  'economizer', 'economizing', 'chilledWaterCool', 'dxCool', 'hotWaterHeat', 'steamHeat',
  'elecHeat', 'gasHeat', 'hotWaterReheat', 'elecReheat', 'reheat', 'dx', 'airCooled',
  'waterCooled', 'centrifugal', 'screw', 'reciprocal', 'rotaryScrew', 'absorption', 'condensing',
  'primaryLoop', 'secondaryLoop', 'parallel', 'series',
  -- substances, sections and roles
  'naturalGas', 'domestic', 'chilled', 'hot', 'condenser', 'refrig', 'fuelOil', 'gasoline',
  'diesel', 'propane', 'chilledWater', 'hotWater', 'condenserWater', 'blowdown', 'makeup',
  'discharge', 'return', 'outside', 'mixed', 'zone', 'entering', 'leaving', 'inlet', 'outlet',
  'bypass', 'header', 'delta', 'differential', 'net', 'import', 'export', 'ac', 'dc',
  -- point markers
  'effective', 'run', 'enable', 'occ', 'unocc', 'occupied', 'unoccupied', 'occupancy', 'standby',
  'alarm', 'fault', 'stage', 'mode', 'heat', 'cool', 'heating', 'cooling', 'load', 'efficiency',
  'capacity', 'pf', 'demand', 'peak', 'min', 'max', 'override', 'position', 'isolation', 'lead',
  'lag', 'cmdKind', 'irradiance', 'ventilation', 'purge', 'freezeStat', 'smoke', 'dehumidifying',
  'humidifying', 'heatWheel', 'elecHeating', 'phase', 'active', 'reactive', 'frequency',
  'thd']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phIoT', 'str' FROM unnest(ARRAY[
  'hisMode', 'hisStatus', 'hisErr', 'hisInterpolate', 'curStatus', 'curErr', 'writeStatus',
  'writeErr', 'pointKind', 'primaryFunction', 'phenomenon', 'siteMeterKind', 'meterScope']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phIoT', 'scalar' FROM unnest(ARRAY[
  'curVal', 'writeVal']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phIoT', 'number' FROM unnest(ARRAY[
  'area', 'floorNum', 'writeLevel', 'yearBuilt', 'coolingCapacity', 'heatingCapacity',
  'ratedPower', 'nominalVoltage']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phIoT', 'ref' FROM unnest(ARRAY[
  'siteRef', 'equipRef', 'spaceRef', 'deviceRef', 'networkRef', 'systemRef', 'ahuRef', 'airRef',
  'chilledWaterRef', 'hotWaterRef', 'condenserWaterRef', 'steamRef', 'elecRef', 'gasRef',
  'waterRef', 'weatherStationRef', 'submeterOf', 'meterRef', 'inputs', 'outputs']) AS n;
INSERT INTO hs_std_tag (name, lib, kind) SELECT n, 'phIoT', 'dateTime' FROM unnest(ARRAY[
  'hisStart', 'hisEnd']) AS n;

-- Duplicates in the list above (a name listed twice) keep their first entry.
DELETE FROM hs_std_tag t USING hs_std_tag u WHERE t.name = u.name AND t.ord > u.ord;

INSERT INTO core.tag_def (name)
SELECT s.name FROM hs_std_tag s
 WHERE NOT EXISTS (SELECT 1 FROM core.tag_def d WHERE d.name = s.name)
 ORDER BY s.ord
ON CONFLICT (name) DO NOTHING;

INSERT INTO core.tag_def_h (id, name, url, doc, dis, file_ext, mime, version, min_val, max_val,
                            base_uri, pref_unit, disabled_ts, user_id, modified)
SELECT d.id, d.name, d.url, d.doc, d.dis, d.file_ext, d.mime, d.version, d.min_val, d.max_val,
       d.base_uri, d.pref_unit, d.disabled_ts, 0, now()::timestamp
  FROM core.tag_def d JOIN hs_std_tag s ON s.name = d.name
 WHERE NOT EXISTS (SELECT 1 FROM core.tag_def_h h WHERE h.id = d.id)
 ORDER BY s.ord
ON CONFLICT DO NOTHING;

-- `lib` metas: only for tags without any lib meta yet.
INSERT INTO core.tag_meta (tag_id, attribute, value)
SELECT d.id, a.id, l.id
  FROM hs_std_tag s
  JOIN core.tag_def d ON d.name = s.name
  JOIN core.tag_def a ON a.name = 'lib'
  JOIN core.tag_def l ON l.name = s.lib
 WHERE NOT EXISTS (SELECT 1 FROM core.tag_meta m WHERE m.tag_id = d.id AND m.attribute = a.id
                     AND m.disabled_ts IS NULL)
 ORDER BY s.ord
ON CONFLICT (tag_id, attribute, value) DO NOTHING;

-- `is` metas and hierarchy rows: only for tags without any `is` meta yet.
INSERT INTO core.tag_meta (tag_id, attribute, value)
SELECT d.id, a.id, k.id
  FROM hs_std_tag s
  JOIN core.tag_def d ON d.name = s.name
  JOIN core.tag_def a ON a.name = 'is'
  JOIN core.tag_def k ON k.name = s.kind
 WHERE NOT EXISTS (SELECT 1 FROM core.tag_meta m WHERE m.tag_id = d.id AND m.attribute = a.id
                     AND m.disabled_ts IS NULL)
 ORDER BY s.ord
ON CONFLICT (tag_id, attribute, value) DO NOTHING;

INSERT INTO core.tag_meta_h (id, tag_id, attribute, value, disabled_ts, user_id, modified)
SELECT m.id, m.tag_id, m.attribute, m.value, m.disabled_ts, 0, now()::timestamp
  FROM core.tag_meta m JOIN core.tag_def d ON d.id = m.tag_id JOIN hs_std_tag s ON s.name = d.name
 WHERE NOT EXISTS (SELECT 1 FROM core.tag_meta_h h WHERE h.id = m.id)
 ORDER BY m.id
ON CONFLICT DO NOTHING;

INSERT INTO core.tag_hierarchy (child_id, parent_id)
SELECT m.tag_id, m.value
  FROM core.tag_meta m
  JOIN core.tag_def a ON a.id = m.attribute AND a.name = 'is'
  JOIN core.tag_def d ON d.id = m.tag_id
  JOIN hs_std_tag s ON s.name = d.name
 WHERE m.value IS NOT NULL AND m.disabled_ts IS NULL
 ORDER BY s.ord
ON CONFLICT (child_id, parent_id) DO NOTHING;

INSERT INTO core.tag_hierarchy_h (id, child_id, parent_id, disabled_ts, user_id, modified)
SELECT t.id, t.child_id, t.parent_id, t.disabled_ts, 0, now()::timestamp
  FROM core.tag_hierarchy t JOIN core.tag_def d ON d.id = t.child_id JOIN hs_std_tag s ON s.name = d.name
 WHERE NOT EXISTS (SELECT 1 FROM core.tag_hierarchy_h h WHERE h.id = t.id)
 ORDER BY t.id
ON CONFLICT DO NOTHING;

-- Existing orgs get the standard libraries (and `custom`).
INSERT INTO core.org_tag_permission (org_id, tag_id)
SELECT o.id, l.id
  FROM core.org o JOIN core.tag_def l ON l.name IN ('ph', 'phIoT', 'phScience', 'custom')
 ORDER BY o.id, l.id
ON CONFLICT (org_id, tag_id) DO NOTHING;

DROP TABLE IF EXISTS pg_temp.hs_std_tag;
