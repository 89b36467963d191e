import { SamsaError } from "@samsa/common";

/** Kafka error codes a produce validation can answer with (Kafka's numbers). */
export const RecordErrorCode = {
  /** Kafka's answer to a codec id it does not know (its IllegalArgumentException escapes as this). */
  UNKNOWN_SERVER_ERROR: -1,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;
export type RecordErrorCode = (typeof RecordErrorCode)[keyof typeof RecordErrorCode];

export type RecordErrorName = keyof typeof RecordErrorCode;

/** A per-record problem, as ProduceResponse's record_errors carries it. */
export interface RecordError {
  batchIndex: number;
  message: string;
}

/** Kafka's ProduceResponse lists record errors; we keep at most this many per batch. */
export const MAX_RECORD_ERRORS = 100;

/**
 * A batch the broker must refuse. `code` is the Kafka error name, `errorCode` its number, for
 * the partition's ProduceResponse; `recordErrors` fill record_errors (INVALID_RECORD, INVALID_TIMESTAMP).
 */
export class RecordValidationError extends SamsaError {
  declare readonly code: RecordErrorName;
  readonly errorCode: RecordErrorCode;
  readonly recordErrors: RecordError[];

  constructor(code: RecordErrorName, message: string, recordErrors: RecordError[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    this.errorCode = RecordErrorCode[code];
    this.recordErrors = recordErrors;
  }
}
