/**
 * The Kafka error codes the metadata transitions can answer with. Numbers are Kafka's exact codes
 * (Errors.java); handlers pass them through unchanged.
 */
export const MetadataErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_TOPIC_EXCEPTION: 17,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  FENCED_LEADER_EPOCH: 74,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  INVALID_UPDATE_VERSION: 95,
  UNKNOWN_TOPIC_ID: 100,
  INELIGIBLE_REPLICA: 107,
} as const;

export type MetadataErrorCode = (typeof MetadataErrorCode)[keyof typeof MetadataErrorCode];

/** A rejected change: a Kafka error code and a message for the client. */
export interface MetadataError {
  readonly errorCode: MetadataErrorCode;
  readonly errorMessage: string;
}

export function metadataError(errorCode: MetadataErrorCode, errorMessage: string): MetadataError {
  return { errorCode, errorMessage };
}
