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
