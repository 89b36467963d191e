export * from "./primitives/varint.js";
export { ProtocolError, type ProtocolErrorCode } from "./primitives/protocol-error.js";
export { Reader, MAX_STRING_BYTES } from "./primitives/reader.js";
export { Writer, type RecordsData } from "./primitives/writer.js";
export {
  checkVersion,
  EMPTY_BYTES,
  type MessageCodec,
  type TaggedField,
  type VersionRange,
} from "./primitives/codec.js";
export * from "./generated/index.js";
// Explicit names win over the generated star export: `decodeRequestHeader(frame)` here is the
// frame-level helper; the generated header decoder stays reachable as `RequestHeaderCodec.decode`.
export {
  API_KEYS,
  advertisedMaxVersion,
  apiByKey,
  type DecodedRequestHeader,
  type DecodedResponse,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  ERRORS,
  ErrorCode,
  type ErrorInfo,
  type ErrorName,
  encodeRequest,
  encodeResponse,
  errorInfo,
  isRetriable,
  isVersionSupported,
  requestHeaderVersion,
  responseHeaderVersion,
} from "./api/index.js";
export * from "./records/index.js";
