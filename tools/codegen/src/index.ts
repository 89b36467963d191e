export { generate } from "./generate.js";
export { ZERO_UUID, emitMessage, versionCond } from "./emit-message.js";
export { apiPairs, emitApiTable, emitIndex } from "./emit-index.js";
export {
  contains,
  type FieldSpec,
  type FieldType,
  intersect,
  isEmpty,
  loadSpecs,
  type MessageKind,
  type MessageSpec,
  NO_VERSIONS,
  type PrimitiveType,
  parseVersions,
  SPEC_DIRS,
  type StructSpec,
  stripComments,
  type Versions,
} from "./spec.js";
