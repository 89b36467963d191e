/**
 * Splitting a records buffer (produce payload, fetched segment bytes) into batches by their
 * offset+length prefix, which v0, v1 and v2 share, without decoding them.
 */
import { ProtocolError } from "../primitives/protocol-error.js";
import { batchSizeAt, LOG_OVERHEAD, MAGIC_OFFSET } from "./batch-header.js";

export interface BatchSpan {
  pos: number;
  size: number;
  magic: number;
}

/** Smallest possible entry: a v0 message (offset, size, crc, magic, attributes, key and value lengths). */
const MIN_ENTRY_BYTES = LOG_OVERHEAD + 14;

/**
 * Yields each whole batch. A partial batch at the end is skipped when `allowPartialTail`
 * (fetch responses may end mid-batch) and otherwise throws TRUNCATED; a size below the
 * smallest possible entry throws MALFORMED.
 */
export function* batchSpans(buf: Buffer, allowPartialTail = false): Generator<BatchSpan> {
  let pos = 0;
  while (pos < buf.length) {
    const size = batchSizeAt(buf, pos);
    if (size !== undefined && size < MIN_ENTRY_BYTES) {
      throw new ProtocolError("MALFORMED", `batch at ${pos} declares ${size} bytes, below the minimum`);
    }
    if (size === undefined || size > buf.length - pos) {
      if (allowPartialTail) return;
      throw new ProtocolError("TRUNCATED", `batch at ${pos} runs past the end of the records`);
    }
    yield { pos, size, magic: buf.readInt8(pos + MAGIC_OFFSET) };
    pos += size;
  }
}

/** What batchSpans would yield, summed up without an object per batch (legacy sets hold one per message). */
export interface BatchesSummary {
  count: number;
  /** Bytes up to the end of the last whole batch. */
  wholeBytes: number;
  /** Bit (1 << magic) set for each magic seen (magic read as a signed byte; outside 0-2 sets bit 3). */
  magics: number;
  /** Size of the largest batch. */
  maxSize: number;
}

/** As batchSpans (same errors, same partial-tail rule), summarized. */
export function summarizeBatches(buf: Buffer, allowPartialTail = false): BatchesSummary {
  let pos = 0;
  let count = 0;
  let magics = 0;
  let maxSize = 0;
  while (pos < buf.length) {
    const size = batchSizeAt(buf, pos);
    if (size !== undefined && size < MIN_ENTRY_BYTES) {
      throw new ProtocolError("MALFORMED", `batch at ${pos} declares ${size} bytes, below the minimum`);
    }
    if (size === undefined || size > buf.length - pos) {
      if (allowPartialTail) break;
      throw new ProtocolError("TRUNCATED", `batch at ${pos} runs past the end of the records`);
    }
    const magic = buf.readInt8(pos + MAGIC_OFFSET);
    magics |= magic >= 0 && magic <= 2 ? 1 << magic : 8;
    if (size > maxSize) maxSize = size;
    count++;
    pos += size;
  }
  return { count, wholeBytes: pos, magics, maxSize };
}
