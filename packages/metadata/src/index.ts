export { writeFileAtomic } from "./atomic-file.js";
export {
  applyEach,
  bumpLeaderEpochs,
  type ChangeResult,
  type CreatePartitionsSpec,
  type CreateTopicOptions,
  type CreateTopicSpec,
  createPartitions,
  createTopic,
  DEFAULT_METADATA_LIMITS,
  deleteTopic,
  type MetadataLimits,
  registerBrokers,
  setTopicConfigs,
  type TopicConfigValidator,
} from "./changes.js";
export { type MetadataError, MetadataErrorCode, metadataError } from "./errors.js";
export {
  type BrokerRegistration,
  type ClusterImage,
  emptyImage,
  type ListenerInfo,
  type PartitionImage,
  type TopicImage,
  topicById,
  totalPartitions,
} from "./image.js";
export { decodeSnapshot, encodeSnapshot, MetadataCorruptError, SNAPSHOT_VERSION } from "./snapshot.js";
export { MetadataStore, type MetadataStoreOptions, SNAPSHOT_FILE } from "./store.js";
export { collidingName, invalidTopicNameReason, isInternalTopic, MAX_TOPIC_NAME_LENGTH } from "./topic-name.js";
export { isUuid, METADATA_TOPIC_UUID, randomUuid, ZERO_UUID } from "./uuid.js";
export { type AlterPartitionRequest, alterPartition } from "./controller/alter-partition.js";
export { electLeaders, electPartition, type LivenessChange, NO_LEADER } from "./controller/leader-election.js";
export {
  type ElectionOutcome,
  type ElectionTarget,
  ElectionType,
  electLeadersFor,
  electOne,
  rebalancePreferredLeaders,
} from "./controller/admin-election.js";
export {
  alterReassignments,
  completeReassignment,
  completeReassignments,
  isReassigning,
  listReassignments,
  type OngoingReassignment,
  type ReassignmentOptions,
  type ReassignmentOutcome,
  type ReassignmentRequest,
  reassignPartition,
} from "./controller/reassignment.js";
export { type PlacementBroker, placePartition, rackAlternated } from "./controller/placement.js";
export { EtcdController, type EtcdControllerOptions } from "./etcd/etcd-controller.js";
export {
  EtcdConnection,
  EtcdMetadataStore,
  type EtcdMetadataStoreOptions,
  ensureEtcdClusterId,
  type LiveBroker,
  type PendingAlterPartition,
} from "./etcd/etcd-metadata-store.js";
export { EtcdKeys } from "./etcd/keys.js";
export { EtcdProducerIdBlocks } from "./etcd/producer-id-blocks.js";
export {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  aclBinding,
  CLUSTER_RESOURCE_NAME,
  filterMatches,
  invalidAclReason,
  invalidFilterReason,
  MAX_ACLS,
  PatternType,
  ResourceType,
  sameAcl,
  WILDCARD,
} from "./acl.js";
export { createAcls, type DeleteAclsResult, deleteAcls } from "./acl-changes.js";
export {
  type BrokerConfigsImage,
  brokerConfigsFor,
  brokerConfigsOf,
  CLUSTER_DEFAULT,
  MAX_BROKER_CONFIG_ENTITIES,
  MAX_DYNAMIC_CONFIGS_PER_ENTITY,
  setBrokerConfigs,
} from "./broker-configs.js";
export {
  alterScramCredentials,
  MAX_SCRAM_USERS,
  type ScramCredentialImage,
  type ScramCredentialOp,
  type ScramUserCredentials,
  scramCredentialsOf,
} from "./scram.js";
