/**
 * Record batch v2 attribute bits (int16): 0-2 compression codec, 3 timestamp type,
 * 4 transactional, 5 control, 6 delete horizon set (compaction of tombstones/markers).
 */
export const CompressionType = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const TimestampType = { CREATE_TIME: 0, LOG_APPEND_TIME: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** The raw codec id (0-7); ids above 4 are invalid and must be rejected by validation. */
export function compressionType(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}

export function timestampType(attributes: number): TimestampType {
  return attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
}

export function isControl(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0;
}

export function hasDeleteHorizon(attributes: number): boolean {
  return (attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
}

export interface BatchAttributes {
  compression?: number;
  timestampType?: TimestampType;
  transactional?: boolean;
  control?: boolean;
  deleteHorizon?: boolean;
}

export function makeAttributes(a: BatchAttributes): number {
  return (
    ((a.compression ?? 0) & COMPRESSION_CODEC_MASK) |
    (a.timestampType === TimestampType.LOG_APPEND_TIME ? TIMESTAMP_TYPE_MASK : 0) |
    (a.transactional ? TRANSACTIONAL_FLAG_MASK : 0) |
    (a.control ? CONTROL_FLAG_MASK : 0) |
    (a.deleteHorizon ? DELETE_HORIZON_FLAG_MASK : 0)
  );
}
