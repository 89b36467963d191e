export type { PartitionErrorName, ProducerErrorName } from "./errors.js";
export {
  type HighWatermarkPolicy,
  NO_LEADER_EPOCH,
  PartitionState,
  type PartitionStateInit,
} from "./partition/partition-state.js";
export {
  DEFAULT_PRODUCER_ID_BLOCK_SIZE,
  ProducerIdAllocator,
  type ProducerIdBlock,
  type ProducerIdBlockStore,
  ProducerIdsExhaustedError,
} from "./producer-id/producer-id-allocator.js";
export {
  PRODUCER_ID_BLOCK_FILE,
  ProducerIdBlockFile,
  ProducerIdBlockFileError,
} from "./producer-id/producer-id-block-file.js";
export {
  type BatchMetadata,
  NUM_BATCHES_TO_RETAIN,
  ProducerStateEntry,
} from "./producer-state/producer-state-entry.js";
export {
  type ClientAppendCheck,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  type ProducerBatch,
  ProducerStateManager,
  type ProducerStateManagerOptions,
  ProducerStateUpdate,
} from "./producer-state/producer-state-manager.js";
export { decrementSequence, incrementSequence, inSequence, MAX_SEQUENCE } from "./producer-state/sequence.js";
export type { CompletionReason, DelayedOperation } from "./purgatory/delayed-operation.js";
export { Purgatory, type PurgatoryOptions, type WatchOutcome } from "./purgatory/purgatory.js";
export { ManualScheduler, type Scheduler, systemScheduler, type TimerHandle } from "./scheduler.js";
export {
  FINAL_EPOCH,
  type FetchPartitionRequest,
  type FetchPartitionSummary,
  type FetchSessionErrorName,
  INITIAL_EPOCH,
  INVALID_SESSION_ID,
  isFullFetch,
  nextEpoch,
} from "./fetch-session/fetch-metadata.js";
export { CachedPartition, FetchSession } from "./fetch-session/fetch-session.js";
export {
  DEFAULT_MAX_FETCH_SESSIONS,
  FETCH_SESSION_EVICTION_MS,
  type FetchCompletion,
  type FetchContext,
  type FetchRequestMetadata,
  FetchSessionCache,
  type FetchSessionCacheOptions,
} from "./fetch-session/fetch-session-cache.js";
export {
  type FollowerAction,
  type FollowerLog,
  followerAction,
  type LeaderFetchAnswer,
} from "./follower/follower-fetch.js";
export { type FollowerProgress, type IsrProposal, IsrTracker } from "./follower/isr-tracker.js";
