import { makeCrc } from "./crc-table.js";

/** CRC-32 (IEEE, as java.util.zip.CRC32), the checksum of legacy messages v0/v1. Unsigned 32-bit. */
export const crc32 = makeCrc(0xedb88320);
