/**
 * Kafka error names (as in Kafka's `Errors` enum) that replication decisions produce. They are data
 * for the broker to put in a response; the broker maps them to wire codes with the generated table.
 */
export type PartitionErrorName =
  | "FENCED_LEADER_EPOCH"
  | "UNKNOWN_LEADER_EPOCH"
  | "NOT_LEADER_OR_FOLLOWER"
  | "OFFSET_OUT_OF_RANGE";

export type ProducerErrorName = "OUT_OF_ORDER_SEQUENCE_NUMBER" | "INVALID_PRODUCER_EPOCH" | "INVALID_TXN_STATE";
