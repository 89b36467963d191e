import { errorInfo, type FetchRequest, type FetchResponsePartitionData } from "@samsa/protocol";
import { followerAction, type LeaderFetchAnswer } from "@samsa/replication";
import type { Log } from "@samsa/storage";
import type { Logger } from "../logger.js";
import type { LogSource } from "../replica/replica-manager.js";
import type { BrokerChannel } from "./broker-channel.js";

/** A partition this broker follows from one leader. */
export interface FollowedPartition {
  readonly topic: string;
  readonly index: number;
  readonly leaderEpoch: number;
}

export interface ReplicaFetcherOptions {
  readonly nodeId: number;
  readonly leaderId: number;
  readonly channel: BrokerChannel;
  readonly logs: LogSource;
  readonly logger: Logger;
  /** replica.fetch.wait.max.ms */
  readonly maxWaitMs: number;
  /** replica.fetch.max.bytes (per partition) and replica.fetch.response.max.bytes. */
  readonly partitionMaxBytes: number;
  readonly responseMaxBytes: number;
  /** replica.fetch.backoff.ms */
  readonly backoffMs: number;
  /** replica.socket.timeout.ms */
  readonly socketTimeoutMs: number;
}

/** Fetch v12: replica id in the request, topic names, last fetched epoch and diverging epochs. */
const FETCH_VERSION = 12;

function key(topic: string, index: number): string {
  return `${topic}\u0000${index}`;
}

/**
 * Kafka's ReplicaFetcherThread for one leader: fetches every partition this broker follows from
 * that leader with its replica id, appends what comes back as follower (offsets and epochs as the
 * leader wrote them), follows the leader's high watermark, and truncates where the leader says
 * the logs diverge. Decisions come from replication's `followerAction`.
 */
export class ReplicaFetcher {
  readonly #opts: ReplicaFetcherOptions;
  /** Bounded by the partitions in the metadata image. */
  readonly #partitions = new Map<string, FollowedPartition & { backoffUntilMs: number }>();
  #running = false;
  #wake: (() => void) | undefined;
  /** The fetch being sent and applied, if any. */
  #inflight: Promise<void> | undefined;
  /** The partitions that fetch carries (bounded like #partitions). */
  #inflightKeys: ReadonlySet<string> = new Set();

  constructor(opts: ReplicaFetcherOptions) {
    this.#opts = opts;
  }

  get leaderId(): number {
    return this.#opts.leaderId;
  }

  get size(): number {
    return this.#partitions.size;
  }

  /** Adds or updates a followed partition (a new leader epoch keeps the fetch position). */
  follow(p: FollowedPartition): void {
    const k = key(p.topic, p.index);
    const old = this.#partitions.get(k);
    this.#partitions.set(k, { ...p, backoffUntilMs: old?.leaderEpoch === p.leaderEpoch ? old.backoffUntilMs : 0 });
    this.#wake?.();
  }

  unfollow(topic: string, index: number): void {
    this.#partitions.delete(key(topic, index));
  }

  /**
   * Stops following and waits for a fetch in flight to finish applying, so the log is this
   * broker's alone before it opens as leader (no old leader's records land after the new epoch starts).
   */
  async release(topic: string, index: number): Promise<void> {
    this.unfollow(topic, index);
    // Only a fetch carrying this partition can still write to its log: waiting on another one (a
    // long poll of up to replica.fetch.wait.max.ms) held up every leader opening behind it.
    if (!this.#inflightKeys.has(key(topic, index))) return;
    // Its failure (a dead leader) is the fetch loop's to report, not the caller's.
    await this.#inflight?.catch(() => undefined);
  }

  has(topic: string, index: number): boolean {
    return this.#partitions.has(key(topic, index));
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop().catch((e: unknown) => {
      this.#opts.logger.error({ err: e, leader: this.#opts.leaderId }, "replica fetcher stopped");
      this.#running = false;
    });
  }

  stop(): void {
    this.#running = false;
    this.#wake?.();
    this.#opts.channel.close();
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      const now = Date.now();
      const batch: { p: FollowedPartition; log: Log }[] = [];
      for (const p of this.#partitions.values()) {
        if (p.backoffUntilMs > now) continue;
        const log = this.#opts.logs.getLog(p.topic, p.index);
        if (log !== undefined) batch.push({ p, log });
      }
      if (batch.length === 0) {
        await this.#sleep(Math.min(this.#opts.backoffMs, 100));
        continue;
      }
      try {
        this.#inflightKeys = new Set(batch.map(({ p }) => key(p.topic, p.index)));
        this.#inflight = this.#fetchOnce(batch);
        await this.#inflight;
      } catch (e) {
        this.#opts.logger.warn({ err: e, leader: this.#opts.leaderId }, "replica fetch failed");
        await this.#sleep(this.#opts.backoffMs);
      }
    }
  }

  async #fetchOnce(batch: readonly { p: FollowedPartition; log: Log }[]): Promise<void> {
    const o = this.#opts;
    const offsets = new Map<string, number>();
    const epochs = new Map<string, number>();
    const byTopic = new Map<string, FetchRequest["topics"][number]>();
    for (const { p, log } of batch) {
      offsets.set(key(p.topic, p.index), log.logEndOffset);
      epochs.set(key(p.topic, p.index), p.leaderEpoch);
      let t = byTopic.get(p.topic);
      if (t === undefined) {
        t = { topic: p.topic, topicId: "AAAAAAAAAAAAAAAAAAAAAA", partitions: [] };
        byTopic.set(p.topic, t);
      }
      t.partitions.push({
        partition: p.index,
        currentLeaderEpoch: p.leaderEpoch,
        fetchOffset: BigInt(log.logEndOffset),
        lastFetchedEpoch: log.leaderEpochCache.latest?.epoch ?? -1,
        logStartOffset: BigInt(log.logStartOffset),
        partitionMaxBytes: o.partitionMaxBytes,
        replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
      });
    }
    const res = await o.channel.send(
      1,
      FETCH_VERSION,
      {
        clusterId: null,
        replicaId: o.nodeId,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: o.maxWaitMs,
        minBytes: 1,
        maxBytes: o.responseMaxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic.values()],
        forgottenTopicsData: [],
        rackId: "",
      },
      o.maxWaitMs + o.socketTimeoutMs,
    );
    if (res.errorCode !== 0) throw new Error(`fetch error ${errorInfo(res.errorCode)?.name ?? res.errorCode}`);
    for (const t of res.responses) {
      for (const part of t.partitions) {
        const k = key(t.topic, part.partitionIndex);
        const followed = this.#partitions.get(k);
        const fetchOffset = offsets.get(k);
        const log = o.logs.getLog(t.topic, part.partitionIndex);
        if (followed === undefined || fetchOffset === undefined || log === undefined) continue;
        // Leadership moved while the fetch was out: the answer is from a leader we no longer follow.
        if (followed.leaderEpoch !== epochs.get(k)) continue;
        // The log moved while the fetch was out (a truncation or a new leader): drop this answer.
        if (log.logEndOffset !== fetchOffset) continue;
        await this.#applyAnswer(followed, log, fetchOffset, part);
      }
    }
  }

  async #applyAnswer(
    followed: FollowedPartition & { backoffUntilMs: number },
    log: Log,
    fetchOffset: number,
    part: FetchResponsePartitionData,
  ): Promise<void> {
    const records = part.records;
    const bytes = records instanceof Buffer ? records : null;
    const answer: LeaderFetchAnswer = {
      errorName: errorInfo(part.errorCode)?.name ?? "UNKNOWN_SERVER_ERROR",
      fetchOffset,
      highWatermark: Number(part.highWatermark),
      logStartOffset: Number(part.logStartOffset),
      recordsBytes: bytes?.length ?? 0,
      divergingEpoch:
        part.divergingEpoch.epoch >= 0
          ? { epoch: part.divergingEpoch.epoch, endOffset: Number(part.divergingEpoch.endOffset) }
          : undefined,
    };
    const action = followerAction(
      {
        logStartOffset: log.logStartOffset,
        logEndOffset: log.logEndOffset,
        endOffsetForEpoch: (e) => log.endOffsetForEpoch(e),
      },
      answer,
    );
    const where = { topic: followed.topic, partition: followed.index, leader: this.#opts.leaderId };
    switch (action.kind) {
      case "append":
        await log.append(bytes!, { assignOffsets: false, leaderEpoch: -1 });
        log.highWatermark = Math.max(log.highWatermark, Math.min(action.highWatermark, log.logEndOffset));
        return;
      case "advance":
        log.highWatermark = Math.max(log.highWatermark, action.highWatermark);
        return;
      case "truncate":
        this.#opts.logger.info(
          { ...where, offset: action.offset, logEndOffset: log.logEndOffset },
          "follower truncating",
        );
        await log.truncateTo(action.offset);
        // An epoch this broker began as leader without appending anything ends at the log end too
        // (storage keeps the epoch entry when nothing is truncated); else the divergence repeats forever.
        await log.leaderEpochCache.truncateFromEnd(log.logEndOffset);
        return;
      case "truncateFully":
        this.#opts.logger.info(
          { ...where, offset: action.offset },
          "follower restarting its log at the leader's start",
        );
        await log.truncateFullyAndStartAt(action.offset);
        return;
      case "backoff":
        followed.backoffUntilMs = Date.now() + this.#opts.backoffMs;
        return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }
}
