export * from "./primitives/varint.js";
export { ProtocolError, type ProtocolErrorCode } from "./primitives/protocol-error.js";
export * from "./records/index.js";
