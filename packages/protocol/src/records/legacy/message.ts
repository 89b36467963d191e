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

/** Where the parts of one entry lie; reused across entries so a walk allocates nothing per message. */
export interface LegacyMessageScan {
  magic: LegacyMagic;
  attributes: number;
  /** NO_TIMESTAMP (-1) for magic 0. */
  timestamp: number;
  /** -1 for a null key. */
  keyLength: number;
  keyStart: number;
  /** -1 for a null value. */
  valueLength: number;
  valueStart: number;
  /** Position just past the entry. */
  end: number;
}

export function newMessageScan(): LegacyMessageScan {
  return { magic: 0, attributes: 0, timestamp: -1, keyLength: -1, keyStart: 0, valueLength: -1, valueStart: 0, end: 0 };
}

/** Checks a length-prefixed byte field at `pos` and returns its length (-1 for null). */
function bytesLengthAt(buf: Buffer, pos: number, end: number): number {
  if (end - pos < 4) throw malformed("truncated length");
  const length = buf.readInt32BE(pos);
  if (length < -1 || length > end - pos - 4) throw malformed(`invalid length ${length}`);
  return length;
}

/**
 * Checks the entry at `pos` (CRC too, unless `verifyCrc` is false for bytes already checked) and
 * fills `scan`. Throws TRUNCATED if it is not wholly present, MALFORMED or UNSUPPORTED_VERSION.
 */
export function scanMessage(buf: Buffer, pos: number, scan: LegacyMessageScan, verifyCrc = true): void {
  if (buf.length - pos < ENTRY_PREFIX) throw new ProtocolError("TRUNCATED", "legacy message prefix is incomplete");
  const messageSize = buf.readInt32BE(pos + 8);
  const end = pos + ENTRY_PREFIX + messageSize;
  if (messageSize < MESSAGE_OVERHEAD_V0) throw malformed(`message size ${messageSize} is below the minimum`);
  if (end > buf.length) throw new ProtocolError("TRUNCATED", "legacy message is incomplete");
  const magic = buf.readInt8(pos + MAGIC_POS);
  if (magic !== 0 && magic !== 1) throw new ProtocolError("UNSUPPORTED_VERSION", `message magic ${magic}`);
  if (magic === 1 && messageSize < MESSAGE_OVERHEAD_V1)
    throw malformed(`message size ${messageSize} is below the minimum`);
  if (verifyCrc && crc32(buf, pos + MAGIC_POS, end) !== buf.readUInt32BE(pos + CRC_POS)) {
    throw malformed("CRC-32 mismatch");
  }
  let p = ATTRIBUTES_POS + pos + 1;
  scan.timestamp = -1;
  if (magic === 1) {
    scan.timestamp = readInt64(buf, p);
    p += 8;
  }
  const keyLength = bytesLengthAt(buf, p, end);
  scan.keyLength = keyLength;
  scan.keyStart = p + 4;
  p += 4 + Math.max(0, keyLength);
  const valueLength = bytesLengthAt(buf, p, end);
  scan.valueLength = valueLength;
  scan.valueStart = p + 4;
  p += 4 + Math.max(0, valueLength);
  if (p !== end) throw malformed("bytes left over after the value");
  scan.magic = magic;
  scan.attributes = buf.readInt8(pos + ATTRIBUTES_POS);
  scan.end = end;
}

function slice(buf: Buffer, start: number, length: number): Buffer | null {
  return length < 0 ? null : buf.subarray(start, start + length);
}

/** Reads and CRC-checks the entry at `pos`. Throws TRUNCATED if it is not wholly present. */
export function readMessage(buf: Buffer, pos: number): LegacyMessage {
  const scan = newMessageScan();
  scanMessage(buf, pos, scan);
  return {
    offset: readInt64(buf, pos),
    magic: scan.magic,
    attributes: scan.attributes,
    timestamp: scan.timestamp,
    key: slice(buf, scan.keyStart, scan.keyLength),
    value: slice(buf, scan.valueStart, scan.valueLength),
    sizeInBytes: scan.end - pos,
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
  return sizeOfMessageWith(magic, key?.length ?? -1, value?.length ?? -1);
}

/** Size of an entry whose key and value have these lengths (-1 for null). */
export function sizeOfMessageWith(magic: LegacyMagic, keyLength: number, valueLength: number): number {
  return (
    ENTRY_PREFIX +
    (magic === 0 ? MESSAGE_OVERHEAD_V0 : MESSAGE_OVERHEAD_V1) +
    Math.max(0, keyLength) +
    Math.max(0, valueLength)
  );
}

/**
 * Writes a length-prefixed byte field from `length` bytes of `src` at `start` (-1 for null);
 * returns the position just past it.
 */
export function writeMessageBytes(buf: Buffer, pos: number, src: Buffer, start: number, length: number): number {
  buf.writeInt32BE(length, pos);
  if (length <= 0) return pos + 4;
  src.copy(buf, pos + 4, start, start + length);
  return pos + 4 + length;
}

/**
 * Writes an entry's fields up to the key; the caller writes key and value with writeMessageBytes,
 * then calls finishMessage. Lets converters copy keys and values straight from where they lie.
 */
export function startMessage(
  buf: Buffer,
  pos: number,
  magic: LegacyMagic,
  offset: number,
  attributes: number,
  timestamp: number,
): number {
  writeInt64(buf, pos, offset);
  buf.writeInt8(magic, pos + MAGIC_POS);
  buf.writeInt8(attributes, pos + ATTRIBUTES_POS);
  if (magic === 0) return pos + ATTRIBUTES_POS + 1;
  writeInt64(buf, pos + ATTRIBUTES_POS + 1, timestamp);
  return pos + ATTRIBUTES_POS + 9;
}

/** Fills in the size and CRC of the entry at `pos` that ends at `end`; returns `end`. */
export function finishMessage(buf: Buffer, pos: number, end: number): number {
  buf.writeInt32BE(end - pos - ENTRY_PREFIX, pos + 8);
  buf.writeUInt32BE(crc32(buf, pos + MAGIC_POS, end), pos + CRC_POS);
  return end;
}

const NO_BYTES = Buffer.alloc(0);

/** Writes one entry with its CRC; returns the position just past it. */
export function writeMessage(buf: Buffer, pos: number, magic: LegacyMagic, m: LegacyMessageInput): number {
  let p = startMessage(buf, pos, magic, m.offset, m.attributes, m.timestamp);
  p = writeMessageBytes(buf, p, m.key ?? NO_BYTES, 0, m.key?.length ?? -1);
  p = writeMessageBytes(buf, p, m.value ?? NO_BYTES, 0, m.value?.length ?? -1);
  return finishMessage(buf, pos, p);
}
