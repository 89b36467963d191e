import { makeCrc } from "./crc-table.js";

/** CRC-32C (Castagnoli), the checksum of record batches v2. Returns an unsigned 32-bit value. */
export const crc32c = makeCrc(0x82f63b78);
