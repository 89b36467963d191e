/**
 * Changing a v2 batch's codec, for topics whose compression.type is not "producer": the records
 * region is inflated and deflated again byte for byte (no record is decoded), the header keeps
 * every field but the codec bits, and batchLength and CRC are recomputed.
 */
import { COMPRESSION_CODEC_MASK, CompressionType, compressionType } from "./attributes.js";
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
  writeBatchCrc,
} from "./batch-header.js";
import { codecFor } from "./compression/index.js";
import { ProtocolError } from "../primitives/protocol-error.js";

function parts(buf: Buffer, pos: number): { header: Buffer; stored: Buffer; from: number } {
  const { batchLength, attributes } = readBatchHeader(buf, pos);
  const end = pos + LOG_OVERHEAD + batchLength;
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || end > buf.length) {
    throw new ProtocolError("TRUNCATED", "record batch is not wholly in the buffer");
  }
  return {
    header: buf.subarray(pos, pos + RECORD_BATCH_OVERHEAD),
    stored: buf.subarray(pos + RECORD_BATCH_OVERHEAD, end),
    from: compressionType(attributes),
  };
}

function assemble(header: Buffer, records: Buffer, to: CompressionType): Buffer {
  const batch = Buffer.concat([header, records]);
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  batch.writeInt16BE((attributes & ~COMPRESSION_CODEC_MASK) | to, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  writeBatchCrc(batch, 0);
  return batch;
}

/** A copy of the batch at `pos` with its records in codec `to` (inflating at most `maxUncompressedBytes`). */
export function recompressRecordBatch(
  buf: Buffer,
  pos: number,
  to: CompressionType,
  maxUncompressedBytes: number,
): Buffer {
  const { header, stored, from } = parts(buf, pos);
  const plain = from === CompressionType.NONE ? stored : codecFor(from).decompressSync(stored, maxUncompressedBytes);
  return assemble(header, to === CompressionType.NONE ? plain : codecFor(to).compressSync(plain), to);
}

/** As recompressRecordBatch, off the event loop where the codecs allow. */
export async function recompressRecordBatchAsync(
  buf: Buffer,
  pos: number,
  to: CompressionType,
  maxUncompressedBytes: number,
): Promise<Buffer> {
  const { header, stored, from } = parts(buf, pos);
  const plain = from === CompressionType.NONE ? stored : await codecFor(from).decompress(stored, maxUncompressedBytes);
  return assemble(header, to === CompressionType.NONE ? plain : await codecFor(to).compress(plain), to);
}
