import {
  type BatchesSummary,
  batchSpans,
  CompressionType,
  compressionType,
  type ErrorName,
  ProtocolError,
  RECORD_BATCH_OVERHEAD,
  type RecordError,
  RecordValidationError,
  setLogAppendTime,
  summarizeBatches,
  TimestampType,
  timestampType,
  upConvert,
  validateRecordBatch,
  validateRecordBatchAsync,
} from "@samsa/protocol";
import { BufferPool } from "@samsa/storage";
import type { ValidatedBatch } from "../replica/partition.js";
import { inflateSlots } from "./inflate-slots.js";
import { recompress, targetCodec } from "./recompress.js";
import type { TopicSettings } from "../replica/topic-settings.js";

/** A partition's records refused before the append, with what ProduceResponse should carry. */
export interface RecordsRefusal {
  readonly ok: false;
  readonly error: ErrorName;
  readonly message: string;
  readonly recordErrors: readonly RecordError[];
}

export type RecordsCheck =
  | {
      readonly ok: true;
      readonly records: Buffer;
      readonly batches: readonly ValidatedBatch[];
      /** Gives pooled `records` (an up-converted batch) back once appended; absent otherwise. */
      readonly release?: () => void;
    }
  | { readonly ok: true; readonly records: null }
  | RecordsRefusal;

export interface ValidateOptions {
  readonly apiVersion: number;
  readonly settings: TopicSettings;
  readonly nowMs: number;
  readonly topicPartition: string;
}

function refuse(error: ErrorName, message: string, recordErrors: readonly RecordError[] = []): RecordsRefusal {
  return { ok: false, error, message, recordErrors };
}

/** Inflated batches are bounded: Kafka sizes its buffers by max.message.bytes; we allow some headroom. */
function maxUncompressedBytes(settings: TopicSettings): number {
  return Math.max(64 * 1024 * 1024, settings.maxMessageBytes * 4);
}

/**
 * The produce-path checks of one partition's records, in Kafka's order: the request-level shape
 * (ProduceRequest.validateRecords: v3+ carries exactly one v2 batch, zstd only from v7), the
 * append-level checks (base offset 0, max.message.bytes, CRC), then LogValidator's walk (counts,
 * offset deltas, timestamps, keys on compacted topics). Legacy message sets (Produce v0-v2) are
 * up-converted to one v2 batch first. LogAppendTime topics get the broker's time stamped in.
 */
export function validateProduceRecords(
  raw: Buffer | readonly Buffer[] | null,
  opts: ValidateOptions,
): RecordsCheck | Promise<RecordsCheck> {
  let records = raw === null ? null : Buffer.isBuffer(raw) ? raw : Buffer.concat(raw as readonly Buffer[]);
  if (records !== null && opts.apiVersion < 3) {
    const summary = summaryOrNull(records);
    if (summary === null) return refuse("CORRUPT_MESSAGE", "record batch sizes are corrupt");
    // Only legacy messages (one span per message): checked without a span object per message.
    if (summary.count > 0 && (summary.magics & ~LEGACY_MAGICS) === 0) {
      return validateLegacy(records.subarray(0, summary.wholeBytes), summary.maxSize, opts);
    }
  }
  const spans = records === null ? [] : spansOrNull(records);
  if (spans === null) return refuse("CORRUPT_MESSAGE", "record batch sizes are corrupt");
  if (opts.apiVersion >= 3) {
    if (spans.length === 0) return refuse("INVALID_RECORD", "produce v3+ needs one record batch per partition");
    if (spans[0].magic !== 2) return refuse("INVALID_RECORD", "produce v3+ carries only record batches of magic 2");
    if (opts.apiVersion < 7 && compressionType(records!.readInt16BE(spans[0].pos + 21)) === CompressionType.ZSTD) {
      return refuse("UNSUPPORTED_COMPRESSION_TYPE", "zstd needs produce v7 or later");
    }
    if (spans.length > 1) return refuse("INVALID_RECORD", "produce v3+ carries exactly one record batch per partition");
  }
  if (records === null || spans.length === 0) return { ok: true, records: null };
  // A partial batch at the end is ignored, as Kafka trims invalid trailing bytes.
  const last = spans[spans.length - 1];
  records = records.subarray(0, last.pos + last.size);
  const limit = maxUncompressedBytes(opts.settings);
  for (const s of spans) {
    if (s.magic === 2 && s.size < RECORD_BATCH_OVERHEAD)
      return refuse("CORRUPT_MESSAGE", "record batch is shorter than its header");
    if (s.magic === 2 && records.readBigInt64BE(s.pos) !== 0n) {
      return refuse("INVALID_RECORD", `the base offset of a produced batch must be 0 in ${opts.topicPartition}`);
    }
    if (s.size > opts.settings.maxMessageBytes) {
      return refuse(
        "MESSAGE_TOO_LARGE",
        `batch of ${s.size} bytes exceeds max.message.bytes ${opts.settings.maxMessageBytes}`,
      );
    }
  }
  if (spans.some((s) => s.magic < 2)) {
    if (spans.some((s) => s.magic === 2)) return refuse("INVALID_RECORD", "message sets mix magic 2 with 0/1");
    return upConverted(records, opts, limit);
  }
  return validateV2(records, spans, opts, limit);
}

/** Bits of BatchesSummary.magics for message format v0 and v1. */
const LEGACY_MAGICS = 0b11;

/** A message set of only v0/v1 messages (whole ones), the largest `maxSize` bytes. */
function validateLegacy(records: Buffer, maxSize: number, opts: ValidateOptions): Promise<RecordsCheck> {
  if (maxSize > opts.settings.maxMessageBytes) {
    return Promise.resolve(
      refuse(
        "MESSAGE_TOO_LARGE",
        `batch of ${maxSize} bytes exceeds max.message.bytes ${opts.settings.maxMessageBytes}`,
      ),
    );
  }
  return upConverted(records, opts, maxUncompressedBytes(opts.settings));
}

/**
 * Up-converted batches live from validation to the end of their append; pooled, a legacy producer
 * does not allocate a fresh buffer (external memory, which drives the GC) per request.
 */
const upConvertedBuffers = new BufferPool(16 * 1024 * 1024);

async function upConverted(records: Buffer, opts: ValidateOptions, limit: number): Promise<RecordsCheck> {
  let batch: Buffer;
  let pooled: Buffer | undefined;
  const alloc = (bytes: number) => {
    pooled = upConvertedBuffers.acquire(bytes);
    return pooled;
  };
  try {
    batch = upConvert(records, { maxUncompressedBytes: limit, alloc });
  } catch (e) {
    return fromValidationError(e);
  }
  if (batch.length > opts.settings.maxMessageBytes) {
    return refuse(
      "MESSAGE_TOO_LARGE",
      `converted batch of ${batch.length} bytes exceeds max.message.bytes ${opts.settings.maxMessageBytes}`,
    );
  }
  const checked = await validateV2(batch, [{ pos: 0, size: batch.length }], opts, limit, false);
  if (!checked.ok || checked.records !== batch || pooled === undefined) return checked;
  const buffer = pooled;
  return { ...checked, release: () => upConvertedBuffers.release(buffer) };
}

function validateV2(
  records: Buffer,
  spans: readonly { pos: number; size: number }[],
  opts: ValidateOptions,
  limit: number,
  verifyCrc = true,
): RecordsCheck | Promise<RecordsCheck> {
  const parts: CheckedSpan[] = [];
  for (let i = 0; i < spans.length; i++) {
    const part = checkSpan(records, spans[i], opts, limit, verifyCrc);
    // Compressed: the rest goes on asynchronously (inflating runs off the event loop).
    if (part instanceof Promise) return finishV2(records, spans, opts, limit, verifyCrc, parts, i, part);
    if (!part.ok) return part;
    parts.push(part);
  }
  return assembleV2(records, parts);
}

async function finishV2(
  records: Buffer,
  spans: readonly { pos: number; size: number }[],
  opts: ValidateOptions,
  limit: number,
  verifyCrc: boolean,
  parts: CheckedSpan[],
  from: number,
  pending: Promise<CheckedSpan | RecordsRefusal>,
): Promise<RecordsCheck> {
  let part = await pending;
  for (let i = from; ; ) {
    if (!part.ok) return part;
    parts.push(part);
    if (++i === spans.length) break;
    part = await checkSpan(records, spans[i], opts, limit, verifyCrc);
  }
  return assembleV2(records, parts);
}

/** One v2 batch validated (and perhaps recompressed or stamped): `bytes` is what gets appended. */
interface CheckedSpan {
  readonly ok: true;
  readonly pos: number;
  readonly bytes: Buffer;
  readonly validation: ValidatedBatch["validation"];
  readonly rewritten: boolean;
}

/** Synchronous for an uncompressed batch kept as it is; a promise when a codec must run. */
function checkSpan(
  records: Buffer,
  span: { pos: number; size: number },
  opts: ValidateOptions,
  limit: number,
  verifyCrc: boolean,
): CheckedSpan | RecordsRefusal | Promise<CheckedSpan | RecordsRefusal> {
  const { settings, nowMs } = opts;
  const attributes = records.readInt16BE(span.pos + 21);
  if (!settings.logAppendTime && timestampType(attributes) === TimestampType.LOG_APPEND_TIME) {
    const count = Math.min(Math.max(records.readInt32BE(span.pos + 57), 1), 100);
    const errors = Array.from({ length: count }, (_, i) => ({
      batchIndex: i,
      message: "producers may not set the timestamp type to LogAppendTime",
    }));
    return refuse("INVALID_TIMESTAMP", "one or more records have an invalid timestamp", errors);
  }
  const timestampBounds = settings.logAppendTime
    ? undefined
    : { minMs: nowMs - settings.timestampBeforeMaxMs, maxMs: nowMs + settings.timestampAfterMaxMs };
  const bytes = records.subarray(span.pos, span.pos + span.size);
  const options = { maxUncompressedBytes: limit, origin: "client" as const, timestampBounds, verifyCrc };
  const codec = targetCodec(settings.compressionType, attributes);
  if (compressionType(attributes) !== CompressionType.NONE || codec !== CompressionType.NONE) {
    return checkSpanAsync(span, bytes, opts, limit, options, attributes);
  }
  let validation: ValidatedBatch["validation"];
  try {
    validation = validateRecordBatch(bytes, 0, options);
  } catch (e) {
    return fromValidationError(e);
  }
  const keyless = refuseKeyless(validation, opts);
  if (keyless !== undefined) return keyless;
  if (settings.logAppendTime) setLogAppendTime(bytes, 0, nowMs);
  return { ok: true, pos: span.pos, bytes, validation, rewritten: false };
}

async function checkSpanAsync(
  span: { pos: number; size: number },
  original: Buffer,
  opts: ValidateOptions,
  limit: number,
  options: Parameters<typeof validateRecordBatchAsync>[2],
  attributes: number,
): Promise<CheckedSpan | RecordsRefusal> {
  const { settings, nowMs } = opts;
  let bytes = original;
  let validation: ValidatedBatch["validation"];
  try {
    validation =
      compressionType(attributes) === CompressionType.NONE
        ? validateRecordBatch(bytes, 0, options)
        : await inflateSlots.run(() => validateRecordBatchAsync(bytes, 0, options));
  } catch (e) {
    return fromValidationError(e);
  }
  const keyless = refuseKeyless(validation, opts);
  if (keyless !== undefined) return keyless;
  const codec = targetCodec(settings.compressionType, attributes);
  let rewritten = false;
  if (codec !== compressionType(attributes)) {
    bytes = await inflateSlots.run(() => recompress(original, codec, limit));
    if (bytes.length > settings.maxMessageBytes) {
      return refuse(
        "MESSAGE_TOO_LARGE",
        `recompressed batch of ${bytes.length} bytes exceeds max.message.bytes ${settings.maxMessageBytes}`,
      );
    }
    const recompressed = bytes;
    validation = await inflateSlots.run(() =>
      validateRecordBatchAsync(recompressed, 0, { maxUncompressedBytes: limit, origin: "client" }),
    );
    rewritten = true;
  }
  if (settings.logAppendTime) setLogAppendTime(bytes, 0, nowMs);
  return { ok: true, pos: span.pos, bytes, validation, rewritten };
}

function refuseKeyless(validation: ValidatedBatch["validation"], opts: ValidateOptions): RecordsRefusal | undefined {
  if (!opts.settings.compact || validation.keylessCount === 0) return undefined;
  const errors = validation.keylessRecords.map((i) => ({
    batchIndex: i,
    message: `compacted topic ${opts.topicPartition} cannot accept a record without a key`,
  }));
  return refuse("INVALID_RECORD", `${validation.keylessCount} records rejected: a compacted topic needs keys`, errors);
}

function assembleV2(records: Buffer, parts: readonly CheckedSpan[]): RecordsCheck {
  const rewritten = parts.some((p) => p.rewritten);
  const out = rewritten ? Buffer.concat(parts.map((p) => p.bytes)) : records;
  const batches: ValidatedBatch[] = [];
  let pos = 0;
  for (const p of parts) {
    batches.push({ pos: rewritten ? pos : p.pos, validation: p.validation });
    pos += p.bytes.length;
  }
  return { ok: true, records: out, batches };
}

function summaryOrNull(records: Buffer): BatchesSummary | null {
  try {
    return summarizeBatches(records, true);
  } catch (e) {
    if (e instanceof ProtocolError) return null;
    throw e;
  }
}

function spansOrNull(records: Buffer): { pos: number; size: number; magic: number }[] | null {
  try {
    return [...batchSpans(records, true)];
  } catch (e) {
    if (e instanceof ProtocolError) return null;
    throw e;
  }
}

function fromValidationError(e: unknown): RecordsRefusal {
  if (e instanceof RecordValidationError) return refuse(e.code, e.message, e.recordErrors);
  throw e;
}
