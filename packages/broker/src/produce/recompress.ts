import {
  buildRecordBatchAsync,
  CompressionType,
  compressionType,
  isTransactional,
  readRecordBatchAsync,
  timestampType,
} from "@samsa/protocol";
import type { TopicSettings } from "../replica/topic-settings.js";

const CODECS: Readonly<Record<Exclude<TopicSettings["compressionType"], "producer">, CompressionType>> = {
  uncompressed: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
};

/** The codec the log stores a batch with: the producer's, unless the topic's compression.type says otherwise. */
export function targetCodec(setting: TopicSettings["compressionType"], attributes: number): number {
  return setting === "producer" ? compressionType(attributes) : CODECS[setting];
}

/**
 * Rewrites a batch with another codec, as Kafka's LogValidator does when the topic's
 * compression.type differs from the producer's: same records, timestamps, producer fields and
 * transactional flag; offsets are assigned later as for any batch.
 */
export async function recompress(batch: Buffer, codec: number, maxUncompressedBytes: number): Promise<Buffer> {
  const view = await readRecordBatchAsync(batch, 0, maxUncompressedBytes);
  const h = view.header;
  const records = [...view].map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers.map((x) => ({ key: x.key, value: x.value })),
    timestamp: h.baseTimestamp + r.timestampDelta,
    offsetDelta: r.offsetDelta,
  }));
  return buildRecordBatchAsync(records, {
    compression: codec as CompressionType,
    timestampType: timestampType(h.attributes),
    transactional: isTransactional(h.attributes),
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    lastOffsetDelta: h.lastOffsetDelta,
  });
}
