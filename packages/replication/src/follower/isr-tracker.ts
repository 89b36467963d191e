import { assert } from "@samsa/common";

/** What the leader knows about one follower, from its fetches. */
export interface FollowerProgress {
  readonly logEndOffset: number;
  /** The last time the follower had everything the leader had (Kafka's lastCaughtUpTimeMs). */
  readonly lastCaughtUpTimeMs: number;
}

interface MutableProgress {
  logEndOffset: number;
  lastCaughtUpTimeMs: number;
  /** The leader's log end offset and the time at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
}

/** A proposed ISR for the controller, with the partition epoch it is based on. */
export interface IsrProposal {
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
}

/**
 * The leader's view of its followers and of the ISR (Kafka's Partition ISR logic, KIP-841). The
 * committed ISR comes from the controller; a proposal in flight is remembered until a new
 * partition epoch arrives. The maximal ISR (what the high watermark and acks=-1 count) is the
 * committed ISR plus a proposed expansion: a shrink counts only once committed, an expansion at once.
 */
export class IsrTracker {
  readonly #leaderId: number;
  readonly #lagTimeMaxMs: number;
  #replicas: readonly number[];
  #committed: readonly number[];
  #partitionEpoch: number;
  #pending: IsrProposal | undefined;
  /** Bounded by the replica set. */
  readonly #followers = new Map<number, MutableProgress>();

  constructor(opts: {
    leaderId: number;
    replicas: readonly number[];
    isr: readonly number[];
    partitionEpoch: number;
    lagTimeMaxMs: number;
    nowMs: number;
  }) {
    this.#leaderId = opts.leaderId;
    this.#lagTimeMaxMs = opts.lagTimeMaxMs;
    this.#replicas = opts.replicas;
    this.#committed = opts.isr;
    this.#partitionEpoch = opts.partitionEpoch;
    for (const id of opts.replicas) {
      if (id === opts.leaderId) continue;
      // Followers start out caught up as of now, as Kafka assumes when a leader takes over.
      this.#followers.set(id, {
        logEndOffset: -1,
        lastCaughtUpTimeMs: opts.nowMs,
        lastFetchLeaderLogEndOffset: -1,
        lastFetchTimeMs: opts.nowMs,
      });
    }
  }

  get committedIsr(): readonly number[] {
    return this.#committed;
  }

  get partitionEpoch(): number {
    return this.#partitionEpoch;
  }

  get pending(): IsrProposal | undefined {
    return this.#pending;
  }

  /** The ISR the high watermark and acks=-1 count: committed plus a pending expansion. */
  get maximalIsr(): readonly number[] {
    if (this.#pending === undefined) return this.#committed;
    const union = new Set([...this.#committed, ...this.#pending.isr]);
    return this.#replicas.filter((r) => union.has(r));
  }

  progress(followerId: number): FollowerProgress | undefined {
    return this.#followers.get(followerId);
  }

  /**
   * The controller's committed state arrived. A newer partition epoch settles any proposal (it was
   * applied, refused or overtaken); returns whether the committed ISR changed.
   */
  onCommitted(replicas: readonly number[], isr: readonly number[], partitionEpoch: number, nowMs: number): boolean {
    if (partitionEpoch < this.#partitionEpoch) return false;
    const changed = partitionEpoch > this.#partitionEpoch;
    this.#replicas = replicas;
    this.#committed = isr;
    this.#partitionEpoch = partitionEpoch;
    if (changed) this.#pending = undefined;
    for (const id of replicas) {
      if (id !== this.#leaderId && !this.#followers.has(id)) {
        this.#followers.set(id, {
          logEndOffset: -1,
          lastCaughtUpTimeMs: nowMs,
          lastFetchLeaderLogEndOffset: -1,
          lastFetchTimeMs: nowMs,
        });
      }
    }
    for (const id of this.#followers.keys()) if (!replicas.includes(id)) this.#followers.delete(id);
    return changed;
  }

  /** The controller did not take the proposal (or it got lost): allow a new one. */
  clearPending(): void {
    this.#pending = undefined;
  }

  /** A follower fetched from `fetchOffset` while the leader's log ended at `leaderLogEndOffset`. */
  onFollowerFetch(followerId: number, fetchOffset: number, leaderLogEndOffset: number, nowMs: number): void {
    const f = this.#followers.get(followerId);
    if (f === undefined) return;
    if (fetchOffset >= leaderLogEndOffset) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, nowMs);
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset)
      f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
    f.logEndOffset = fetchOffset;
    f.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    f.lastFetchTimeMs = nowMs;
  }

  /**
   * The next ISR to propose, if any: caught-up live followers join (fetching recently, their log end
   * at or past the high watermark and the start of the leader's epoch), followers lagging longer than
   * replica.lag.time.max.ms leave. One proposal at a time, as Kafka's AlterPartition manager.
   */
  propose(
    nowMs: number,
    highWatermark: number,
    epochStartOffset: number,
    live: ReadonlySet<number>,
  ): IsrProposal | undefined {
    if (this.#pending !== undefined) return undefined;
    const current = new Set(this.#committed);
    assert(current.has(this.#leaderId), "the leader is in its own ISR");
    let changed = false;
    for (const [id, f] of this.#followers) {
      const inSync = current.has(id);
      const caughtUp =
        live.has(id) &&
        nowMs - f.lastCaughtUpTimeMs <= this.#lagTimeMaxMs &&
        f.logEndOffset >= 0 &&
        f.logEndOffset >= highWatermark &&
        f.logEndOffset >= epochStartOffset;
      if (!inSync && caughtUp) {
        current.add(id);
        changed = true;
      } else if (inSync && nowMs - f.lastCaughtUpTimeMs > this.#lagTimeMaxMs) {
        current.delete(id);
        changed = true;
      }
    }
    if (!changed) return undefined;
    this.#pending = { isr: this.#replicas.filter((r) => current.has(r)), partitionEpoch: this.#partitionEpoch };
    return this.#pending;
  }
}
