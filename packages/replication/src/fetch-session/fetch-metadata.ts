/** KIP-227 sentinels: session id 0 means "no session"; epoch 0 opens one, -1 closes it. */
export const INVALID_SESSION_ID = 0;
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

/** A request is full (not incremental) when it opens a session or wants none. */
export function isFullFetch(epoch: number): boolean {
  return epoch === INITIAL_EPOCH || epoch === FINAL_EPOCH;
}

/** The epoch after `epoch`; it wraps to 1, as 0 is reserved for opening a session. */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  if (epoch === 0x7fffffff) return 1;
  return epoch + 1;
}

/** Errors a fetch session answers with at the top level of a FetchResponse. */
export type FetchSessionErrorName =
  | "FETCH_SESSION_ID_NOT_FOUND"
  | "INVALID_FETCH_SESSION_EPOCH"
  | "FETCH_SESSION_TOPIC_ID_ERROR";

/** One partition as a fetch request names it; `topic` is the name before v13, the topic id from v13. */
export interface FetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
  readonly lastFetchedEpoch: number;
  /** The follower's log start offset; -1 from consumers. */
  readonly logStartOffset: number;
}

/** The parts of a partition's answer a session compares to decide whether to resend it. */
export interface FetchPartitionSummary {
  readonly topic: string;
  readonly partition: number;
  /** 0 when there is no error. */
  readonly errorCode: number;
  readonly recordsBytes: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly hasDivergingEpoch?: boolean;
  readonly hasPreferredReadReplica?: boolean;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
