import { ErrorCode } from "@samsa/protocol";

/**
 * The part of Kafka's GroupMetadataManager append-error mapping that storeGroup and storeOffsets
 * share; `tooLarge` is what an oversized append becomes, `timedOut` what a timed-out one becomes.
 */
function coordinatorAppendError(appendError: number, tooLarge: number, timedOut: number): number {
  switch (appendError) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return timedOut;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return tooLarge;
    default:
      return appendError;
  }
}

/**
 * What a client hears when the group's metadata record (JoinGroup, SyncGroup, LeaveGroup, ...)
 * could not be appended to `__consumer_offsets`, from the append's own error: Kafka's
 * GroupMetadataManager.storeGroup mapping (a timed-out append means "rebalance again").
 */
export function groupAppendError(appendError: number): number {
  return coordinatorAppendError(appendError, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.REBALANCE_IN_PROGRESS);
}

/**
 * What an OffsetCommit answers when its offset records could not be appended: Kafka's
 * GroupMetadataManager.storeOffsets mapping (a timed-out append stays REQUEST_TIMED_OUT).
 */
export function offsetCommitAppendError(appendError: number): number {
  return coordinatorAppendError(appendError, ErrorCode.INVALID_COMMIT_OFFSET_SIZE, ErrorCode.REQUEST_TIMED_OUT);
}
