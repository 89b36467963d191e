import { ProtocolError } from "../primitives/protocol-error.js";

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Reads a big-endian int64 as a JS number. Values outside the safe-integer range are refused
 * with MALFORMED: offsets, timestamps and producer ids all stay far below 2^53 in practice.
 */
export function readInt64(buf: Buffer, pos: number): number {
  const hi = buf.readInt32BE(pos);
  const lo = buf.readUInt32BE(pos + 4);
  const value = hi * TWO_POW_32 + lo;
  if (!Number.isSafeInteger(value)) {
    throw new ProtocolError("MALFORMED", `int64 at ${pos} is outside the safe integer range`);
  }
  return value;
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 value ${value} is not a safe integer`);
  const hi = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * TWO_POW_32, pos + 4);
}
