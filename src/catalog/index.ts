/**
 * catalog/: the building catalog of the db-service-layer contract — entities and their tags, tag
 * definitions with their metas, hierarchy and enum values (visible to an org through the libraries
 * it is granted), the bulk verbs simulators and the Haystack API use, and pollers (with their
 * Fernet-encrypted configs). Every write keeps the `*_h` history rows and is recorded in the outbox
 * for the secondaries (pollers stay on the primary).
 *
 * Tags unknown to `upsertEntities` are defined on the fly in the `custom` library (kind from the
 * value), which is then granted to the org; `createEntity` and the REST routes refuse unknown tags.
 */
export { CUSTOM_LIBRARY, readEntityDicts, upsertEntities } from "./bulk.ts";
export {
  createEntity,
  deleteEntity,
  type EntityOut,
  getEntity,
  listEntities,
  type TagInput,
} from "./entities.ts";
export {
  createEntityTag,
  deleteEntityTag,
  getEntityTag,
  listEntityTags,
  updateEntityTag,
} from "./entity-tags.ts";
export { FernetError, generateFernetKey, isFernetKey } from "./fernet.ts";
export {
  createPoller,
  decryptPollerConfig,
  deletePoller,
  encryptPollerConfig,
  getPoller,
  listPollers,
  type PollerOut,
  updatePoller,
} from "./pollers.ts";
export {
  createTagDef,
  deleteTagDef,
  getTagDef,
  listTagDefs,
  STANDARD_LIBRARIES,
  type TagDefOut,
  type TagEnumOut,
  type TagMetaOut,
  updateTagDef,
} from "./tag-defs.ts";
export { createTagEnum, deleteTagEnum, getTagDefEnum, listTagEnums, updateTagEnum } from "./tag-enums.ts";
export { createTagMeta, deleteTagMeta, getTagMeta, listTagMetas, updateTagMeta } from "./tag-metas.ts";
export { type EntityTagOut, TAG_KINDS, type TagKind, type TagValueInput } from "./tag-values.ts";
