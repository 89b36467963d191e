/**
 * One legacy message-set entry (magic 0 and 1):
 *   offset int64 | messageSize int32 | crc uint32 | magic int8 | attributes int8 |
 *   [timestamp int64, magic 1 only] | key bytes (int32 length, -1 null) | value bytes
 * The CRC-32 (IEEE) covers magic..end. Attribute bits 0-2 are the codec (0-3; zstd never appears
 * here) and, for magic 1, bit 3 the timestamp type.
 */
import { ProtocolError } from "../../primitives/protocol-error.js";
import { crc32 } from "../crc32.js";
import { readInt64, writeInt64 } from "../int64.js";

export type LegacyMagic = 0 | 1;

export const MESSAGE_OVERHEAD_V0 = 14;
export const MESSAGE_OVERHEAD_V1 = 22;
const ENTRY_PREFIX = 12;
const CRC_POS = 12;
const MAGIC_POS = 16;
const ATTRIBUTES_POS = 17;

/** Codec id (attributes bits 0-2) of the entry at `pos`; the caller has checked the entry is present. */
export function legacyCompressionAt(buf: Buffer, pos: number): number {
  return buf[pos + ATTRIBUTES_POS] & 0x07;
}

export interface LegacyMessage {
  offset: number;
  magic: LegacyMagic;
  attributes: number;
  /** NO_TIMESTAMP (-1) for magic 0. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Bytes the entry occupies, prefix included. */
  sizeInBytes: number;
}

function malformed(message: string): ProtocolError {
  return new ProtocolError("MALFORMED", `legacy message: ${message}`);
}

function readBytes(buf: Buffer, pos: number, end: number): { value: Buffer | null; next: number } {
  if (end - pos < 4) throw malformed("truncated length");
  const length = buf.readInt32BE(pos);
  if (length === -1) return { value: null, next: pos + 4 };
  if (length < 0 || length > end - pos - 4) throw malformed(`invalid length ${length}`);
  return { value: buf.subarray(pos + 4, pos + 4 + length), next: pos + 4 + length };
}

/** Reads and CRC-checks the entry at `pos`. Throws TRUNCATED if it is not wholly present. */
export function readMessage(buf: Buffer, pos: number): LegacyMessage {
  if (buf.length - pos < ENTRY_PREFIX) throw new ProtocolError("TRUNCATED", "legacy message prefix is incomplete");
  const messageSize = buf.readInt32BE(pos + 8);
  const end = pos + ENTRY_PREFIX + messageSize;
  if (messageSize < MESSAGE_OVERHEAD_V0) throw malformed(`message size ${messageSize} is below the minimum`);
  if (end > buf.length) throw new ProtocolError("TRUNCATED", "legacy message is incomplete");
  const magic = buf.readInt8(pos + MAGIC_POS);
  if (magic !== 0 && magic !== 1) throw new ProtocolError("UNSUPPORTED_VERSION", `message magic ${magic}`);
  if (magic === 1 && messageSize < MESSAGE_OVERHEAD_V1)
    throw malformed(`message size ${messageSize} is below the minimum`);
  if (crc32(buf, pos + MAGIC_POS, end) !== buf.readUInt32BE(pos + CRC_POS)) throw malformed("CRC-32 mismatch");
  let p = ATTRIBUTES_POS + pos + 1;
  let timestamp = -1;
  if (magic === 1) {
    timestamp = readInt64(buf, p);
    p += 8;
  }
  const key = readBytes(buf, p, end);
  const value = readBytes(buf, key.next, end);
  if (value.next !== end) throw malformed("bytes left over after the value");
  return {
    offset: readInt64(buf, pos),
    magic,
    attributes: buf.readInt8(pos + ATTRIBUTES_POS),
    timestamp,
    key: key.value,
    value: value.value,
    sizeInBytes: end - pos,
  };
}

export interface LegacyMessageInput {
  offset: number;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

export function sizeOfMessage(magic: LegacyMagic, key: Buffer | null, value: Buffer | null): number {
  return (
    ENTRY_PREFIX + (magic === 0 ? MESSAGE_OVERHEAD_V0 : MESSAGE_OVERHEAD_V1) + (key?.length ?? 0) + (value?.length ?? 0)
  );
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) {
    buf.writeInt32BE(-1, pos);
    return pos + 4;
  }
  buf.writeInt32BE(b.length, pos);
  b.copy(buf, pos + 4);
  return pos + 4 + b.length;
}

/** Writes one entry with its CRC; returns the position just past it. */
export function writeMessage(buf: Buffer, pos: number, magic: LegacyMagic, m: LegacyMessageInput): number {
  const size = sizeOfMessage(magic, m.key, m.value);
  writeInt64(buf, pos, m.offset);
  buf.writeInt32BE(size - ENTRY_PREFIX, pos + 8);
  buf.writeInt8(magic, pos + MAGIC_POS);
  buf.writeInt8(m.attributes, pos + ATTRIBUTES_POS);
  let p = pos + ATTRIBUTES_POS + 1;
  if (magic === 1) {
    writeInt64(buf, p, m.timestamp);
    p += 8;
  }
  p = writeBytes(buf, p, m.key);
  p = writeBytes(buf, p, m.value);
  buf.writeUInt32BE(crc32(buf, pos + MAGIC_POS, p), pos + CRC_POS);
  return p;
}
