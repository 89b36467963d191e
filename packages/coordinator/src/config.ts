/** The broker settings the group coordinator obeys, with Kafka's names in the comments. */
export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms (6000) */
  readonly minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms (1800000) */
  readonly maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms (3000) */
  readonly initialRebalanceDelayMs: number;
  /** group.max.size (Integer.MAX_VALUE in Kafka; bounded here) */
  readonly maxGroupSize: number;
  /** offsets.retention.minutes (10080), in milliseconds */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms (600000) */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (4096) */
  readonly offsetMetadataMaxBytes: number;
  /** offsets.topic.num.partitions (50) */
  readonly offsetsTopicNumPartitions: number;
  /** Kafka's fixed 5-minute limit on a new member's parked JoinGroup. */
  readonly newMemberJoinTimeoutMs: number;
  /** group.consumer.session.timeout.ms (45000): KIP-848 members */
  readonly consumerSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (5000) */
  readonly consumerHeartbeatIntervalMs: number;
  /** group.consumer.assignors ("uniform,range"); the first is the default. */
  readonly consumerAssignors: readonly string[];
  /** Bounds the coordinator's memory: groups beyond it are refused. */
  readonly maxGroups: number;
  /** Bounds one group's committed offsets; commits beyond it fail. */
  readonly maxOffsetsPerGroup: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3000,
  maxGroupSize: 10_000,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  offsetsTopicNumPartitions: 50,
  newMemberJoinTimeoutMs: 300_000,
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5000,
  consumerAssignors: ["uniform", "range"],
  maxGroups: 100_000,
  maxOffsetsPerGroup: 1_000_000,
};
