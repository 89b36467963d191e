/**
 * One record inside a v2 batch:
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint (-1 = null) | key | valueLength varint | value |
 *   headerCount varint | (headerKeyLength varint | headerKey | headerValueLength varint | headerValue)*
 * `scanRecord` checks the structure and fills a reusable scratch object without allocating, for the
 * produce-path walk; `readRecord` builds a record whose key, value and headers are slices of `region`.
 */
import { ProtocolError } from "../primitives/protocol-error.js";
import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from "../primitives/varint.js";

export interface RecordHeader {
  key: Buffer;
  value: Buffer | null;
}

export interface DecodedRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Where the parts of one record lie; reused across records so a walk allocates nothing per record. */
export interface RecordScan {
  /** Unused by Kafka so far; kept to pass it through conversions. */
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** -1 for a null key. */
  keyLength: number;
  keyStart: number;
  valueLength: number;
  valueStart: number;
  headerCount: number;
  headersStart: number;
  /** Position just past the record. */
  end: number;
}

export function newRecordScan(): RecordScan {
  return {
    attributes: 0,
    timestampDelta: 0,
    offsetDelta: 0,
    keyLength: -1,
    keyStart: 0,
    valueLength: -1,
    valueStart: 0,
    headerCount: 0,
    headersStart: 0,
    end: 0,
  };
}

function malformed(message: string): ProtocolError {
  return new ProtocolError("MALFORMED", `record: ${message}`);
}

/** Position just past the varint the last zigzagAt / zigzagLongAt call read. */
let cursor = 0;

/**
 * A zigzag varint at `pos`, with `cursor` set past it: decoded inline, without readVarint's result
 * object (offset deltas past 4095 take three bytes). Malformed or truncated input goes to
 * readVarint for its typed error.
 */
function zigzagAt(buf: Buffer, pos: number): number {
  let value = 0;
  for (let shift = 0, p = pos; shift < 35 && p < buf.length; shift += 7) {
    const b = buf[p++];
    value |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor = p;
      const u = value >>> 0;
      return (u >>> 1) ^ -(u & 1);
    }
  }
  const r = readVarint(buf, pos);
  cursor = r.next;
  return r.value;
}

/** As zigzagAt for a varlong (timestamp deltas), with readVarlong's arithmetic. */
function zigzagLongAt(buf: Buffer, pos: number): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 0, p = pos; i < 10 && p < buf.length; i++) {
    const b = buf[p++];
    value += (b & 0x7f) * multiplier;
    if (b < 0x80) {
      cursor = p;
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    multiplier *= 128;
  }
  const r = readVarlong(buf, pos);
  cursor = r.next;
  return r.value;
}

/**
 * Checks the record at `pos` (records end at `region.length`) and fills `scan`. Throws
 * MALFORMED or TRUNCATED (both typed) on any inconsistency.
 */
export function scanRecord(region: Buffer, pos: number, scan: RecordScan): void {
  const bodyLength = zigzagAt(region, pos);
  const bodyStart = cursor;
  if (bodyLength < 6 || bodyLength > region.length - bodyStart) {
    throw malformed(`length ${bodyLength} does not fit in the ${region.length - bodyStart} remaining bytes`);
  }
  const end = bodyStart + bodyLength;
  scan.attributes = (region[bodyStart] << 24) >> 24;
  scan.timestampDelta = zigzagLongAt(region, bodyStart + 1);
  scan.offsetDelta = zigzagAt(region, cursor);
  const keyLength = zigzagAt(region, cursor);
  if (keyLength < -1 || keyLength > end - cursor) throw malformed(`invalid key length ${keyLength}`);
  scan.keyLength = keyLength;
  scan.keyStart = cursor;
  const valueLength = zigzagAt(region, cursor + Math.max(0, keyLength));
  if (valueLength < -1 || valueLength > end - cursor) throw malformed(`invalid value length ${valueLength}`);
  scan.valueLength = valueLength;
  scan.valueStart = cursor;
  const headerCount = zigzagAt(region, cursor + Math.max(0, valueLength));
  if (headerCount < 0 || headerCount > end - cursor) throw malformed(`invalid header count ${headerCount}`);
  scan.headerCount = headerCount;
  scan.headersStart = cursor;
  let p = cursor;
  for (let i = 0; i < headerCount; i++) {
    const keyBytes = zigzagAt(region, p);
    if (keyBytes < 0 || keyBytes > end - cursor) throw malformed(`invalid header key length ${keyBytes}`);
    const valueBytes = zigzagAt(region, cursor + keyBytes);
    if (valueBytes < -1 || valueBytes > end - cursor) throw malformed(`invalid header value length ${valueBytes}`);
    p = cursor + Math.max(0, valueBytes);
  }
  if (p !== end) throw malformed(`declared length ${bodyLength} but the fields use ${p - bodyStart} bytes`);
  scan.end = end;
}

function slice(region: Buffer, start: number, length: number): Buffer | null {
  return length < 0 ? null : region.subarray(start, start + length);
}

/** Reads a scanned record's headers (already bounds-checked by scanRecord). */
function readHeaders(region: Buffer, scan: RecordScan): RecordHeader[] {
  const headers: RecordHeader[] = [];
  let p = scan.headersStart;
  for (let i = 0; i < scan.headerCount; i++) {
    let r = readVarint(region, p);
    const key = region.subarray(r.next, r.next + r.value);
    r = readVarint(region, r.next + r.value);
    headers.push({ key, value: slice(region, r.next, r.value) });
    p = r.next + Math.max(0, r.value);
  }
  return headers;
}

/** Decodes the record at `pos`; key, value and headers are views into `region`. */
export function readRecord(region: Buffer, pos: number, scan: RecordScan = newRecordScan()): DecodedRecord {
  scanRecord(region, pos, scan);
  return {
    attributes: scan.attributes,
    timestampDelta: scan.timestampDelta,
    offsetDelta: scan.offsetDelta,
    key: slice(region, scan.keyStart, scan.keyLength),
    value: slice(region, scan.valueStart, scan.valueLength),
    headers: readHeaders(region, scan),
  };
}

/** Header input: keys are strings (UTF-8) or bytes. */
export interface RecordHeaderInput {
  key: string | Buffer;
  value: string | Buffer | null;
}

/** A record to write. Timestamps default to the batch's; offsetDelta defaults to the record's index. */
export interface RecordInput {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: RecordHeaderInput[];
  timestamp?: number;
  offsetDelta?: number;
}

function bytes(v: string | Buffer | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? Buffer.from(v) : v;
}

/** A record with its fields as bytes, ready to size and write. */
export interface EncodableRecord {
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
  bodyLength: number;
}

function sizeOfBytes(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

export function encodableRecord(input: RecordInput, timestampDelta: number, offsetDelta: number): EncodableRecord {
  const key = bytes(input.key);
  const value = bytes(input.value);
  const headers = (input.headers ?? []).map((h) => ({ key: bytes(h.key) as Buffer, value: bytes(h.value) }));
  let bodyLength =
    1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfBytes(key) + sizeOfBytes(value);
  bodyLength += sizeOfVarint(headers.length);
  for (const h of headers) bodyLength += sizeOfBytes(h.key) + sizeOfBytes(h.value);
  return { timestampDelta, offsetDelta, key, value, headers, bodyLength };
}

export function sizeOfRecord(record: EncodableRecord): number {
  return sizeOfVarint(record.bodyLength) + record.bodyLength;
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  const p = writeVarint(buf, pos, b.length);
  b.copy(buf, p);
  return p + b.length;
}

/** Writes the record at `pos`; returns the position just past it. */
export function writeRecord(buf: Buffer, pos: number, record: EncodableRecord): number {
  let p = writeVarint(buf, pos, record.bodyLength);
  buf[p++] = 0;
  p = writeVarlong(buf, p, record.timestampDelta);
  p = writeVarint(buf, p, record.offsetDelta);
  p = writeBytes(buf, p, record.key);
  p = writeBytes(buf, p, record.value);
  p = writeVarint(buf, p, record.headers.length);
  for (const h of record.headers) {
    p = writeBytes(buf, p, h.key);
    p = writeBytes(buf, p, h.value);
  }
  return p;
}
