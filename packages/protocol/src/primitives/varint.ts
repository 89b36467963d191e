/**
 * Unsigned and zigzag varints as Kafka writes them (protobuf style, little-endian groups of 7 bits).
 * Varlongs here are JS numbers: record timestamps and offset deltas stay far below 2^53.
 */
import { ProtocolError } from "./protocol-error.js";

export interface VarintResult {
  value: number;
  /** Position just past the varint. */
  next: number;
}

/** Reads an unsigned varint of at most 5 bytes (uint32). */
export function readUnsignedVarint(buf: Uint8Array, pos: number): VarintResult {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= buf.length) throw new ProtocolError("TRUNCATED", "varint runs past the end of the buffer");
    const b = buf[pos++];
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: value >>> 0, next: pos };
    shift += 7;
  }
  throw new ProtocolError("MALFORMED", "varint is longer than 5 bytes");
}

/** Reads a zigzag-encoded signed varint (int32). */
export function readVarint(buf: Uint8Array, pos: number): VarintResult {
  const r = readUnsignedVarint(buf, pos);
  r.value = (r.value >>> 1) ^ -(r.value & 1);
  return r;
}

/** Reads a zigzag-encoded signed varlong (int64 as a number; at most 10 bytes). */
export function readVarlong(buf: Uint8Array, pos: number): VarintResult {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtocolError("TRUNCATED", "varlong runs past the end of the buffer");
    const b = buf[pos++];
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) {
      // zigzag: even -> value/2, odd -> -(value+1)/2
      const decoded = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      return { value: decoded, next: pos };
    }
    multiplier *= 128;
  }
  throw new ProtocolError("MALFORMED", "varlong is longer than 10 bytes");
}

export function sizeOfUnsignedVarint(value: number): number {
  let v = value >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
}

export function sizeOfVarlong(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/** Writes an unsigned varint; returns the position just past it. */
export function writeUnsignedVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, (value << 1) ^ (value >> 31));
}

export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 128) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}
