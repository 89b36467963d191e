import { assert } from "@samsa/common";
import type { PartitionErrorName } from "../errors.js";

/**
 * What the local replica contributes to the high watermark. `flushed` (the default) counts only
 * fsynced data, so no consumer reads a record a power loss could erase or renumber; `logEnd` counts
 * everything appended (Kafka's behaviour, chosen when a looser flush policy such as
 * `log.flush.interval.messages` is configured).
 */
export type HighWatermarkPolicy = "flushed" | "logEnd";

/** The "no current leader epoch given" sentinel of Fetch, ListOffsets and OffsetForLeaderEpoch. */
export const NO_LEADER_EPOCH = -1;

export interface PartitionStateInit {
  readonly topic: string;
  readonly partition: number;
  readonly localBrokerId: number;
  readonly leaderEpoch: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Everything below this offset is on disk (storage's recovery point). */
  readonly flushedOffset: number;
  readonly highWatermarkPolicy: HighWatermarkPolicy;
  /** A checkpointed high watermark; clamped to what the policy allows. */
  readonly highWatermark?: number;
  /** In-sync replicas; a single node has only itself. */
  readonly isr?: readonly number[];
}

/**
 * A partition's replication state on the leader: leader epoch, log start / end offsets, the
 * high watermark, and (later) the last stable offset. Pure: offsets come in as events, and each
 * event says whether the high watermark moved so the caller can wake delayed operations.
 */
export class PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly localBrokerId: number;
  readonly highWatermarkPolicy: HighWatermarkPolicy;
  private epoch: number;
  private startOffset: number;
  private endOffset: number;
  private flushed: number;
  private hw: number;
  private firstUnstable: number | undefined;
  private isrSet: Set<number>;
  /** Log end offsets of followers, reported by their fetches; bounded by the replica set. */
  private readonly followerEndOffsets = new Map<number, number>();

  constructor(init: PartitionStateInit) {
    assert(init.logStartOffset <= init.logEndOffset, "log start offset beyond log end offset");
    assert(init.flushedOffset <= init.logEndOffset, "flushed offset beyond log end offset");
    this.topic = init.topic;
    this.partition = init.partition;
    this.localBrokerId = init.localBrokerId;
    this.highWatermarkPolicy = init.highWatermarkPolicy;
    this.epoch = init.leaderEpoch;
    this.startOffset = init.logStartOffset;
    this.endOffset = init.logEndOffset;
    this.flushed = Math.max(init.flushedOffset, init.logStartOffset);
    this.isrSet = new Set(init.isr ?? [init.localBrokerId]);
    assert(this.isrSet.has(init.localBrokerId), "the leader is in its own ISR");
    // Clamped by what this replica holds (and has flushed, per policy), not by followers it has not
    // heard from yet: a checkpointed HW was already committed over the ISR, and must not go back.
    this.hw = Math.min(Math.max(init.highWatermark ?? 0, init.logStartOffset), this.localHighWatermarkBound());
    this.maybeAdvanceHighWatermark();
  }

  get leaderEpoch(): number {
    return this.epoch;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.endOffset;
  }

  get flushedOffset(): number {
    return this.flushed;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Offsets below it are decided (committed or aborted): the HW, or the first unstable offset below it. */
  get lastStableOffset(): number {
    return this.firstUnstable === undefined ? this.hw : Math.min(this.hw, this.firstUnstable);
  }

  /** The first offset of the oldest undecided transaction (the caller tracks transactions), if any. */
  setFirstUnstableOffset(offset: number | undefined): void {
    this.firstUnstable = offset;
  }

  get isr(): readonly number[] {
    return [...this.isrSet];
  }

  /**
   * Kafka's current-leader-epoch check on Produce, Fetch, ListOffsets and OffsetForLeaderEpoch:
   * an older epoch than ours is fenced; a newer one means our metadata is behind.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): PartitionErrorName | undefined {
    if (currentLeaderEpoch === NO_LEADER_EPOCH) return undefined;
    if (currentLeaderEpoch < this.epoch) return "FENCED_LEADER_EPOCH";
    if (currentLeaderEpoch > this.epoch) return "UNKNOWN_LEADER_EPOCH";
    return undefined;
  }

  /**
   * A new leader epoch; the caller records its start offset (the log end offset) in the log's
   * leader epoch cache, which storage owns and persists.
   */
  becomeLeader(leaderEpoch: number, isr: readonly number[] = [this.localBrokerId]): boolean {
    assert(leaderEpoch >= this.epoch, "leader epochs only grow");
    assert(isr.includes(this.localBrokerId), "the leader is in its own ISR");
    this.epoch = leaderEpoch;
    this.isrSet = new Set(isr);
    for (const id of this.followerEndOffsets.keys()) if (!this.isrSet.has(id)) this.followerEndOffsets.delete(id);
    return this.maybeAdvanceHighWatermark();
  }

  /**
   * The ISR changed within the leader epoch: a committed change, or an expansion the leader counts
   * at once (KIP-841's maximal ISR). Returns whether the HW advanced.
   */
  updateIsr(isr: readonly number[]): boolean {
    assert(isr.includes(this.localBrokerId), "the leader is in its own ISR");
    this.isrSet = new Set(isr);
    for (const id of this.followerEndOffsets.keys()) if (!this.isrSet.has(id)) this.followerEndOffsets.delete(id);
    return this.maybeAdvanceHighWatermark();
  }

  /** Batches ending just below `newLogEndOffset` were appended. Returns whether the HW advanced. */
  onAppend(newLogEndOffset: number): boolean {
    assert(newLogEndOffset >= this.endOffset, "the log end offset only grows on append");
    this.endOffset = newLogEndOffset;
    return this.maybeAdvanceHighWatermark();
  }

  /** Storage fsynced everything below `flushedOffset`. Returns whether the HW advanced. */
  onFlush(flushedOffset: number): boolean {
    assert(flushedOffset <= this.endOffset, "cannot flush beyond the log end offset");
    if (flushedOffset > this.flushed) this.flushed = flushedOffset;
    return this.maybeAdvanceHighWatermark();
  }

  /** A follower in the replica set fetched at `logEndOffset`. Returns whether the HW advanced. */
  onFollowerFetch(brokerId: number, logEndOffset: number): boolean {
    if (brokerId === this.localBrokerId || !this.isrSet.has(brokerId)) return false;
    this.followerEndOffsets.set(brokerId, Math.min(logEndOffset, this.endOffset));
    return this.maybeAdvanceHighWatermark();
  }

  /**
   * DeleteRecords / retention moved the log start offset. Kafka refuses to move it past the HW
   * (OFFSET_OUT_OF_RANGE) and never moves it backwards.
   */
  incrementLogStartOffset(newLogStartOffset: number): PartitionErrorName | undefined {
    if (newLogStartOffset < 0 || newLogStartOffset > this.hw) return "OFFSET_OUT_OF_RANGE";
    if (newLogStartOffset > this.startOffset) this.startOffset = newLogStartOffset;
    return undefined;
  }

  /** The log was truncated to `endOffset` (a follower diverged, or a torn tail was cut). */
  truncateTo(endOffset: number): void {
    assert(endOffset >= this.startOffset, "cannot truncate below the log start offset");
    if (endOffset >= this.endOffset) return;
    this.endOffset = endOffset;
    this.flushed = Math.min(this.flushed, endOffset);
    this.hw = Math.min(this.hw, endOffset);
  }

  private localHighWatermarkBound(): number {
    return this.highWatermarkPolicy === "flushed" ? this.flushed : this.endOffset;
  }

  private candidateHighWatermark(): number {
    let candidate = this.localHighWatermarkBound();
    for (const id of this.isrSet) {
      if (id === this.localBrokerId) continue;
      candidate = Math.min(candidate, this.followerEndOffsets.get(id) ?? this.startOffset);
    }
    return candidate;
  }

  /** The leader's HW only moves forward: to the lowest end offset the ISR has durably reached. */
  private maybeAdvanceHighWatermark(): boolean {
    const candidate = this.candidateHighWatermark();
    if (candidate <= this.hw) return false;
    this.hw = candidate;
    return true;
  }
}
