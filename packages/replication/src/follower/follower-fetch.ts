/** The follower's own log, as far as a fetch decision needs it. */
export interface FollowerLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** The largest epoch <= `epoch` this log has and where it ends (OffsetForLeaderEpoch, locally). */
  endOffsetForEpoch(epoch: number): { readonly epoch: number; readonly endOffset: number };
}

/** One partition of the leader's Fetch response, decoded. */
export interface LeaderFetchAnswer {
  readonly errorName: string;
  readonly fetchOffset: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly recordsBytes: number;
  /** Set when the leader says the follower's log diverged (Fetch v12+). */
  readonly divergingEpoch?: { readonly epoch: number; readonly endOffset: number };
}

/** What the follower does with one partition's answer. */
export type FollowerAction =
  | { readonly kind: "append"; readonly highWatermark: number }
  | { readonly kind: "advance"; readonly highWatermark: number }
  | { readonly kind: "truncate"; readonly offset: number }
  | { readonly kind: "truncateFully"; readonly offset: number }
  | { readonly kind: "backoff"; readonly reason: string };

/**
 * The follower's decision for one fetched partition (Kafka's AbstractFetcherThread, KIP-101/595):
 * records are appended and the high watermark follows the leader's (never past the local log end);
 * a diverging epoch truncates to where both logs agree for that epoch; a fetch offset below the
 * leader's log start restarts the log there; anything else waits for metadata and retries.
 */
export function followerAction(log: FollowerLog, answer: LeaderFetchAnswer): FollowerAction {
  switch (answer.errorName) {
    case "NONE": {
      const d = answer.divergingEpoch;
      if (d !== undefined && d.epoch >= 0) {
        const local = log.endOffsetForEpoch(d.epoch);
        const agreed =
          local.epoch < 0 || local.endOffset < 0
            ? Math.min(d.endOffset, log.logEndOffset)
            : Math.min(d.endOffset, local.endOffset);
        return { kind: "truncate", offset: Math.max(log.logStartOffset, agreed) };
      }
      if (answer.recordsBytes > 0) return { kind: "append", highWatermark: answer.highWatermark };
      return { kind: "advance", highWatermark: Math.min(answer.highWatermark, log.logEndOffset) };
    }
    case "OFFSET_OUT_OF_RANGE": {
      if (answer.logStartOffset >= 0 && answer.fetchOffset < answer.logStartOffset)
        return { kind: "truncateFully", offset: answer.logStartOffset };
      if (answer.highWatermark >= 0 && answer.highWatermark < log.logEndOffset)
        return { kind: "truncate", offset: Math.max(log.logStartOffset, answer.highWatermark) };
      return { kind: "backoff", reason: "OFFSET_OUT_OF_RANGE" };
    }
    default:
      return { kind: "backoff", reason: answer.errorName };
  }
}
