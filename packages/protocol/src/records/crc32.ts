import { crc32 as nativeCrc32 } from "@node-rs/crc32";
import { makeCrc } from "./crc-table.js";

const jsCrc32 = makeCrc(0xedb88320);
const NATIVE_THRESHOLD_BYTES = 128;

/** CRC-32 (IEEE, as java.util.zip.CRC32), the checksum of legacy messages v0/v1, over data[start, end). */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  if (end - start < NATIVE_THRESHOLD_BYTES) return jsCrc32(data, start, end);
  return nativeCrc32(start === 0 && end === data.length ? data : data.subarray(start, end)) >>> 0;
}
