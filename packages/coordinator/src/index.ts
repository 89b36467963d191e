export { ClassicGroup, ClassicMember, EMPTY_ASSIGNMENT } from "./classic-group.js";
export { ASSIGNORS, type Assignor, rangeAssignor, uniformAssignor } from "./assignors.js";
export { ConsumerGroup, ConsumerMember } from "./consumer-group.js";
export type { ConsumerHeartbeatInput, ConsumerHeartbeatResult, TopicsView } from "./consumer-groups.js";
export { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig } from "./config.js";
export { Effects, type PendingReply, type ReplyTo } from "./effects.js";
export {
  type DeleteGroupsResult,
  type DescribedConsumerGroup,
  GroupCoordinator,
  type OffsetDeleteResult,
} from "./group-coordinator.js";
export { UNKNOWN_MEMBER_ID } from "./classic-protocol.js";
export { groupPartition, javaStringHashCode } from "./group-partition.js";
export { checkInvariants } from "./invariants.js";
export {
  type CoordinatorRecord,
  decodeCoordinatorRecord,
  type EncodedRecord,
  encodeCoordinatorRecord,
  type GroupMetadataRecord,
  type OffsetAndMetadata,
  type OffsetCommitRecord,
} from "./records.js";
export type * from "./types.js";
export * from "./transaction/index.js";
