import { ErrorCode, type ErrorName } from "@samsa/protocol";

/**
 * Kafka's code for a transaction error in a given request version: clients from before
 * PRODUCER_FENCED existed (the API's `fencedSince` version) are told INVALID_PRODUCER_EPOCH.
 */
export function txnErrorCode(error: ErrorName, version: number, fencedSince: number): number {
  if (error === "PRODUCER_FENCED" && version < fencedSince) return ErrorCode.INVALID_PRODUCER_EPOCH;
  return ErrorCode[error];
}
