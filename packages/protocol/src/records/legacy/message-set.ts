/**
 * Legacy message sets (magic 0 and 1). A compressed set is one wrapper message whose value is
 * the compressed inner message set. Magic 1 inner offsets are relative (0..n-1) and the
 * wrapper carries the absolute offset of the last inner message; magic 0 inner offsets are absolute.
 */
import { assert } from "@samsa/common";
import { ProtocolError } from "../../primitives/protocol-error.js";
import { CompressionType, TIMESTAMP_TYPE_MASK, TimestampType } from "../attributes.js";
import { batchSpans } from "../batches.js";
import { codecFor } from "../compression/index.js";
import { type LegacyMagic, type LegacyMessage, readMessage, sizeOfMessage, writeMessage } from "./message.js";

const CODEC_MASK = 0x07;

/** A message as read: absolute offset, the timestamp type taken from the wrapper if any. */
export interface LegacyRecord {
  offset: number;
  magic: LegacyMagic;
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

export interface ReadMessageSetOptions {
  maxUncompressedBytes: number;
  /** Fetch responses may end in a partial entry, which is skipped. */
  allowPartialTail?: boolean;
}

function timestampTypeOf(m: LegacyMessage): TimestampType {
  return m.magic === 1 && m.attributes & TIMESTAMP_TYPE_MASK
    ? TimestampType.LOG_APPEND_TIME
    : TimestampType.CREATE_TIME;
}

function plain(m: LegacyMessage, offset: number, wrapper?: LegacyMessage): LegacyRecord {
  const type = wrapper ? timestampTypeOf(wrapper) : timestampTypeOf(m);
  const timestamp = wrapper && type === TimestampType.LOG_APPEND_TIME ? wrapper.timestamp : m.timestamp;
  return { offset, magic: m.magic, timestamp, timestampType: type, key: m.key, value: m.value };
}

function inner(wrapper: LegacyMessage, options: ReadMessageSetOptions): LegacyRecord[] {
  const codec = codecFor(wrapper.attributes & CODEC_MASK, wrapper.magic);
  if (wrapper.value === null) throw new ProtocolError("MALFORMED", "compressed wrapper message has no value");
  const data = codec.decompressSync(wrapper.value, options.maxUncompressedBytes);
  const messages: LegacyMessage[] = [];
  for (const span of batchSpans(data)) {
    const m = readMessage(data, span.pos);
    if (m.magic !== wrapper.magic) throw new ProtocolError("MALFORMED", "inner message magic differs from its wrapper");
    if ((m.attributes & CODEC_MASK) !== 0) throw new ProtocolError("MALFORMED", "compressed message inside a wrapper");
    messages.push(m);
  }
  if (messages.length === 0) throw new ProtocolError("MALFORMED", "compressed wrapper holds no messages");
  if (wrapper.magic === 0) return messages.map((m) => plain(m, m.offset, wrapper));
  const base = wrapper.offset - messages[messages.length - 1].offset;
  return messages.map((m) => plain(m, base + m.offset, wrapper));
}

/** Reads every message of a v0/v1 set, unwrapping compressed ones. Throws ProtocolError on bad input. */
export function readMessageSet(buf: Buffer, options: ReadMessageSetOptions): LegacyRecord[] {
  const out: LegacyRecord[] = [];
  for (const span of batchSpans(buf, options.allowPartialTail)) {
    const m = readMessage(buf, span.pos);
    if ((m.attributes & CODEC_MASK) === CompressionType.NONE) out.push(plain(m, m.offset));
    else out.push(...inner(m, options));
  }
  return out;
}

export interface LegacyRecordInput {
  key: Buffer | null;
  value: Buffer | null;
  /** Ignored for magic 0. */
  timestamp?: number;
  /** Absolute offset; defaults to baseOffset + index. */
  offset?: number;
}

export interface BuildMessageSetOptions {
  magic: LegacyMagic;
  compression?: CompressionType;
  baseOffset?: number;
  timestampType?: TimestampType;
  /** For LOG_APPEND_TIME: the wrapper's (and uncompressed messages') timestamp. */
  logAppendTime?: number;
}

function writeAll(
  magic: LegacyMagic,
  messages: { offset: number; attributes: number; timestamp: number; key: Buffer | null; value: Buffer | null }[],
): Buffer {
  let size = 0;
  for (const m of messages) size += sizeOfMessage(magic, m.key, m.value);
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  for (const m of messages) p = writeMessage(buf, p, magic, m);
  assert(p === size, "message sizes disagree with what was written");
  return buf;
}

/** Builds a v0/v1 message set (one wrapper message when compressed). */
export function buildMessageSet(records: LegacyRecordInput[], options: BuildMessageSetOptions): Buffer {
  const { magic } = options;
  assert(records.length > 0, "a message set needs at least one message");
  const compression = options.compression ?? CompressionType.NONE;
  if (compression === CompressionType.ZSTD) {
    throw new ProtocolError("UNSUPPORTED_VERSION", "zstd cannot be used with message format v0/v1");
  }
  const baseOffset = options.baseOffset ?? 0;
  const logAppend = magic === 1 && options.timestampType === TimestampType.LOG_APPEND_TIME;
  const typeBit = logAppend ? TIMESTAMP_TYPE_MASK : 0;
  const timestampOf = (r: LegacyRecordInput) =>
    magic === 0 ? -1 : logAppend ? (options.logAppendTime ?? -1) : (r.timestamp ?? -1);
  const offsets = records.map((r, i) => r.offset ?? baseOffset + i);
  if (compression === CompressionType.NONE) {
    return writeAll(
      magic,
      records.map((r, i) => ({
        offset: offsets[i],
        attributes: typeBit,
        timestamp: timestampOf(r),
        key: r.key,
        value: r.value,
      })),
    );
  }
  const lastOffset = offsets[offsets.length - 1];
  const innerSet = writeAll(
    magic,
    records.map((r, i) => ({
      offset: magic === 1 ? offsets[i] - offsets[0] : offsets[i],
      attributes: 0,
      timestamp: magic === 0 ? -1 : (r.timestamp ?? -1),
      key: r.key,
      value: r.value,
    })),
  );
  let wrapperTimestamp = -1;
  if (magic === 1) {
    if (logAppend) wrapperTimestamp = options.logAppendTime ?? -1;
    else for (const r of records) wrapperTimestamp = Math.max(wrapperTimestamp, r.timestamp ?? -1);
  }
  const compressed = codecFor(compression, magic).compressSync(innerSet);
  return writeAll(magic, [
    {
      offset: lastOffset,
      attributes: compression | typeBit,
      timestamp: wrapperTimestamp,
      key: null,
      value: compressed,
    },
  ]);
}
