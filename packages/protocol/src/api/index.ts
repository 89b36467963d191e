export { API_KEYS, advertisedMaxVersion, apiByKey, isVersionSupported } from "./api-keys.js";
export { ERRORS, ErrorCode, type ErrorInfo, type ErrorName, errorInfo, isRetriable } from "./error-codes.js";
export {
  type DecodedRequestHeader,
  type DecodedResponse,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseHeaderVersion,
} from "./headers.js";
