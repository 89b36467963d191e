export * from "./attributes.js";
export * from "./batch-header.js";
export { crc32 } from "./crc32.js";
export { crc32c } from "./crc32c.js";
export { readInt64, writeInt64 } from "./int64.js";
export * from "./compression/index.js";
