import { SamsaError } from "@samsa/common";

/** Storage failures, each mapped to the exact Kafka error code a handler should answer with. */
export const StorageErrorCode = {
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  KAFKA_STORAGE_ERROR: 56,
  /** A follower append below the log end offset (Kafka's OffsetsOutOfOrderException). */
  UNKNOWN_SERVER_ERROR: -1,
} as const;
export type StorageErrorName = keyof typeof StorageErrorCode;

export class StorageError extends SamsaError {
  declare readonly code: StorageErrorName;
  /** The Kafka protocol error code for this failure. */
  readonly errorCode: number;

  constructor(code: StorageErrorName, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.errorCode = StorageErrorCode[code];
  }
}
