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
