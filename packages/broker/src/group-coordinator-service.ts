import { type Clock, type Random, SamsaError, seededRandom } from "@samsa/common";
import {
  type CoordinatorRecord,
  decodeCoordinatorRecord,
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  type Effects,
  encodeCoordinatorRecord,
  GroupCoordinator,
  type GroupCoordinatorConfig,
  type OffsetCommitRecord,
  type ReplyTo,
} from "@samsa/coordinator";
import type { ClusterImage, MetadataStore, TopicImage } from "@samsa/metadata";
import type { TopicsView } from "@samsa/coordinator";
import {
  batchSpans,
  buildRecordBatch,
  ErrorCode,
  isControl,
  isTransactional,
  readRecordBatch,
  validateRecordBatch,
} from "@samsa/protocol";
import { type Scheduler, systemScheduler, type TimerHandle } from "@samsa/replication";
import { autoCreateTopic } from "./admin/topics.js";
import type { BrokerConfig } from "./config/broker-config.js";
import type { BrokerServices } from "./handlers/handler.js";
import type { Logger } from "./logger.js";
import { waitForHighWatermark } from "./replica/high-watermark-wait.js";
import type { Partition } from "./replica/partition.js";
import type { ReplicaManager } from "./replica/replica-manager.js";
import type { PendingTxnOffsets } from "./txn/pending-txn-offsets.js";

export const OFFSETS_TOPIC = "__consumer_offsets";
/** Bytes read per step while loading a partition of the offsets topic. */
const LOAD_READ_BYTES = 1024 * 1024;
/** Inflated-size bound for a compressed batch of the offsets topic. */
const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * A partition this broker leads, loaded (or loading) in the leader epoch it had then. A partition
 * whose load failed has no entry, so the next request for it tries again.
 */
interface PartitionLoad {
  state: "loading" | "loaded";
  readonly leaderEpoch: number;
}

export interface GroupCoordinatorServiceOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly replicas: ReplicaManager;
  readonly clock: Clock;
  readonly log: Logger;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  /** Transactional offset commits: staged on load until their marker (none: applied at once). */
  readonly txnOffsets?: PendingTxnOffsets;
}

/** The metadata image as the KIP-848 assignors see it: topic ids and partition counts. */
export function topicsView(metadata: MetadataStore): TopicsView {
  const image = metadata.image;
  return {
    byName(name) {
      const t = image.topics.get(name);
      return t === undefined ? undefined : { topicId: t.topicId, numPartitions: t.partitions.length };
    },
    nameOf: (topicId) => image.topicIds.get(topicId),
  };
}

/** The coordinator settings from the broker's (Kafka-named) configs. */
export function groupCoordinatorConfig(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    ...DEFAULT_GROUP_COORDINATOR_CONFIG,
    minSessionTimeoutMs: config.int("group.min.session.timeout.ms"),
    maxSessionTimeoutMs: config.int("group.max.session.timeout.ms"),
    initialRebalanceDelayMs: config.int("group.initial.rebalance.delay.ms"),
    maxGroupSize: Math.min(config.int("group.max.size"), DEFAULT_GROUP_COORDINATOR_CONFIG.maxGroupSize),
    offsetsRetentionMs: config.long("offsets.retention.minutes") * 60_000,
    offsetsTopicNumPartitions: config.int("offsets.topic.num.partitions"),
    consumerSessionTimeoutMs: config.int("group.consumer.session.timeout.ms"),
    consumerHeartbeatIntervalMs: config.int("group.consumer.heartbeat.interval.ms"),
  };
}

/**
 * Runs the pure group coordinator inside the broker: owns `__consumer_offsets` (created on first
 * use, loaded at start-up), appends the coordinator's records before its answers leave, and drives
 * its deadlines with the scheduler.
 */
export class GroupCoordinatorService {
  readonly coordinator: GroupCoordinator;
  readonly #opts: GroupCoordinatorServiceOptions;
  readonly #scheduler: Scheduler;
  readonly #loads = new Map<number, PartitionLoad>();
  #seenImage: ClusterImage | undefined;
  /** The flush running per offsets-topic partition (bounded by the partition count). */
  readonly #flushes = new Map<number, Promise<void>>();
  #creating: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #timerDeadlineMs: number | null = null;
  #closed = false;

  constructor(opts: GroupCoordinatorServiceOptions) {
    this.#opts = opts;
    this.#scheduler = opts.scheduler ?? systemScheduler;
    this.coordinator = new GroupCoordinator(
      groupCoordinatorConfig(opts.config),
      opts.random ?? seededRandom((Math.random() * 2 ** 32) >>> 0),
      opts.clock.nowMs(),
    );
  }

  /** Starts loading every partition of an existing offsets topic; answers wait with LOAD_IN_PROGRESS. */
  start(): void {
    const topic = this.#opts.metadata.image.topics.get(OFFSETS_TOPIC);
    if (topic !== undefined) this.#loadLed(topic);
    this.rearm();
  }

  /** Answers parked requests with NOT_COORDINATOR and stops the timer (shutdown). */
  close(): void {
    for (const r of this.coordinator.abandonParkedRequests(this.#opts.clock.nowMs()).replies) r.deliver();
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Whether some partition of the offsets topic is still being loaded. */
  loading(): boolean {
    for (const l of this.#loads.values()) if (l.state === "loading") return true;
    return false;
  }

  /** NONE when this broker can serve the group now, else Kafka's error for why not. */
  coordinatorError(groupId: string): number {
    this.#syncLeadership();
    const topic = this.#opts.metadata.image.topics.get(OFFSETS_TOPIC);
    if (topic === undefined || this.#creating !== undefined) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = this.coordinator.partitionFor(groupId);
    const image = topic.partitions.find((p) => p.partitionIndex === partition);
    if (image === undefined || image.leaderId < 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (image.leaderId !== this.#opts.config.nodeId) return ErrorCode.NOT_COORDINATOR;
    const load = this.#loads.get(partition);
    if (load === undefined) {
      this.#load(partition, image.leaderEpoch);
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    }
    return load.state === "loading" ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /** The broker leading the group's `__consumer_offsets` partition (its coordinator), or -1. */
  coordinatorNode(groupId: string): number {
    const topic = this.#opts.metadata.image.topics.get(OFFSETS_TOPIC);
    const partition = this.coordinator.partitionFor(groupId);
    return topic?.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
  }

  /**
   * Unloads partitions this broker no longer leads, or leads in a newer epoch (cluster mode: the
   * controller moved them), so no stale group state answers or expires members.
   */
  #syncLeadership(): void {
    const image = this.#opts.metadata.image;
    if (image === this.#seenImage) return;
    const previous = this.#seenImage;
    this.#seenImage = image;
    if (previous !== undefined) this.#dropDeletedTopics(previous, image);
    const topic = image.topics.get(OFFSETS_TOPIC);
    for (const [partition, load] of [...this.#loads]) {
      const p = topic?.partitions.find((x) => x.partitionIndex === partition);
      if (p !== undefined && p.leaderId === this.#opts.config.nodeId && p.leaderEpoch === load.leaderEpoch) continue;
      this.#unload(partition);
    }
  }

  /** Topics gone from the image (or re-created under a new id) lose their committed offsets, as in Kafka. */
  #dropDeletedTopics(previous: ClusterImage, image: ClusterImage): void {
    const deleted = new Set<string>();
    for (const [name, t] of previous.topics) if (image.topics.get(name)?.topicId !== t.topicId) deleted.add(name);
    if (deleted.size > 0) this.#apply(this.coordinator.onTopicsDeleted(deleted, this.#opts.clock.nowMs()));
  }

  #unload(partition: number): void {
    this.#loads.delete(partition);
    this.#opts.txnOffsets?.clearPartition(partition);
    for (const r of this.coordinator.unloadPartition(partition, this.#opts.clock.nowMs()).replies) r.deliver();
  }

  /**
   * FindCoordinator's check: creates the offsets topic on first use (answering
   * COORDINATOR_NOT_AVAILABLE meanwhile, as Kafka does), then reports the group's readiness.
   */
  findCoordinator(services: BrokerServices, groupId: string): number {
    if (!this.#opts.metadata.image.topics.has(OFFSETS_TOPIC)) {
      this.#ensureTopic(services);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const error = this.coordinatorError(groupId);
    return error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : error;
  }

  #ensureTopic(services: BrokerServices): void {
    if (this.#creating !== undefined) return;
    this.#creating = autoCreateTopic(services, OFFSETS_TOPIC)
      .then((outcome) => {
        if (!outcome.ok && !this.#opts.metadata.image.topics.has(OFFSETS_TOPIC))
          this.#opts.log.error({ error: outcome.error }, "creating __consumer_offsets failed");
        const topic = this.#opts.metadata.image.topics.get(OFFSETS_TOPIC);
        if (topic !== undefined) this.#loadLed(topic);
      })
      .catch((e: unknown) => this.#opts.log.error({ err: e }, "creating __consumer_offsets failed"))
      .finally(() => {
        this.#creating = undefined;
      });
  }

  /**
   * Runs one coordinator step and returns its answer once the records it produced are appended
   * (and flushed): the answer never promises what a crash could undo.
   */
  run<T>(step: (reply: ReplyTo<T>, nowMs: number) => Effects): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const reply: ReplyTo<T> = {
        resolve,
        fail: (errorCode) => reject(new CoordinatorAppendError(errorCode)),
      };
      const fx = step(reply, this.#opts.clock.nowMs());
      this.#apply(fx);
    });
  }

  #apply(fx: Effects): void {
    this.rearm();
    if (fx.records.length === 0) {
      fx.appended();
      for (const r of fx.replies) r.deliver();
      return;
    }
    this.#append(fx.records)
      .catch((e: unknown) => {
        this.#opts.log.error({ err: e }, "appending to __consumer_offsets failed");
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      })
      .then((error) => {
        if (error === ErrorCode.NONE) {
          fx.appended();
          for (const r of fx.replies) r.deliver();
          return;
        }
        // Memory goes back to what the log holds, and the clients hear Kafka's retriable code.
        for (const r of fx.replies) r.fail(error);
        if (!this.#closed) this.#apply(this.coordinator.appendFailed(fx, error, this.#opts.clock.nowMs()));
      });
  }

  /**
   * Appends records grouped by partition, one batch each; resolves to NONE or the append's Kafka
   * error (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, REQUEST_TIMED_OUT, ...), which each
   * answer maps to its client-facing code.
   */
  async #append(records: readonly CoordinatorRecord[]): Promise<number> {
    const byPartition = new Map<number, CoordinatorRecord[]>();
    for (const r of records) {
      const p = this.coordinator.partitionFor(r.groupId);
      const list = byPartition.get(p) ?? [];
      list.push(r);
      byPartition.set(p, list);
    }
    const results = await Promise.all([...byPartition].map(([p, rs]) => this.#appendPartition(p, rs)));
    return results.find((e) => e !== ErrorCode.NONE) ?? ErrorCode.NONE;
  }

  async #appendPartition(partition: number, records: readonly CoordinatorRecord[]): Promise<number> {
    const lookup = await this.#opts.replicas.getPartition(OFFSETS_TOPIC, partition);
    if ("error" in lookup)
      return lookup.error === "NOT_LEADER_OR_FOLLOWER"
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const nowMs = this.#opts.clock.nowMs();
    const batch = buildRecordBatch(
      records.map((r) => {
        const { key, value } = encodeCoordinatorRecord(r);
        return { key, value, timestamp: nowMs };
      }),
      { timestamp: nowMs },
    );
    const validation = validateRecordBatch(batch, 0, {
      maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES,
      origin: "coordinator",
    });
    const result = await lookup.partition.appendAsLeader(batch, [{ pos: 0, validation }]);
    if (result.kind === "error") {
      if (result.error === "NOT_LEADER_OR_FOLLOWER" || result.error === "FENCED_LEADER_EPOCH")
        return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      if (result.error === "MESSAGE_TOO_LARGE") return ErrorCode.MESSAGE_TOO_LARGE;
      if (result.error === "RECORD_LIST_TOO_LARGE") return ErrorCode.RECORD_LIST_TOO_LARGE;
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    }
    return this.#durable(partition, lookup.partition, result.lastOffset);
  }

  /**
   * Waits until the high watermark (which moves with flushes) covers `lastOffset`. Concurrent
   * appends share flushes: one runs per partition at a time and covers everything appended before
   * it started, so a waiter needs at most the running flush and the next.
   */
  async #durable(index: number, partition: Partition, lastOffset: number): Promise<number> {
    while (partition.state.highWatermark <= lastOffset) {
      let flush = this.#flushes.get(index);
      const mine = flush === undefined;
      if (flush === undefined) {
        flush = partition.flush().finally(() => this.#flushes.delete(index));
        this.#flushes.set(index, flush);
      }
      await flush;
      // A flush that started after the append covers it on a single node; in cluster mode the HW
      // also waits for the ISR (offsets.commit.timeout.ms), and leadership may move meanwhile.
      if (mine && partition.state.highWatermark <= lastOffset) {
        const timeoutMs = this.#opts.config.int("offsets.commit.timeout.ms");
        if (await waitForHighWatermark(this.#opts.replicas, partition, lastOffset, timeoutMs)) return ErrorCode.NONE;
        // As an acks=all produce the ISR did not confirm in time (Kafka's DelayedProduce timeout).
        return partition.resigned ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.REQUEST_TIMED_OUT;
      }
    }
    return ErrorCode.NONE;
  }

  /** Starts loading every partition of the offsets topic this broker leads. */
  #loadLed(topic: TopicImage): void {
    for (const p of topic.partitions)
      if (p.leaderId === this.#opts.config.nodeId) this.#load(p.partitionIndex, p.leaderEpoch);
  }

  #load(partition: number, leaderEpoch: number): void {
    if (this.#loads.has(partition)) return;
    const load: PartitionLoad = { state: "loading", leaderEpoch };
    this.#loads.set(partition, load);
    // A load that lost its partition meanwhile (leadership moved) drops what it replayed.
    const current = () => this.#loads.get(partition) === load;
    this.#loadPartition(partition).then(
      (ok) => {
        if (!current()) {
          if (!this.#loads.has(partition)) this.#unload(partition);
        } else if (ok) {
          load.state = "loaded";
          this.coordinator.onLoaded(partition, this.#opts.clock.nowMs());
        } else this.#loads.delete(partition);
        this.rearm();
      },
      (e: unknown) => {
        this.#opts.log.error({ err: e, partition }, "loading __consumer_offsets failed");
        if (current()) this.#loads.delete(partition);
      },
    );
  }

  /** Replays every record of one partition in log order. Undecodable records are skipped, loudly. */
  async #loadPartition(partition: number): Promise<boolean> {
    const lookup = await this.#opts.replicas.getPartition(OFFSETS_TOPIC, partition);
    if ("error" in lookup) {
      this.#opts.log.warn({ partition, error: lookup.error }, "cannot load __consumer_offsets partition");
      return false;
    }
    const p = lookup.partition;
    let offset = p.log.logStartOffset;
    const end = p.log.logEndOffset;
    let skipped = 0;
    const txnOffsets = this.#opts.txnOffsets;
    txnOffsets?.clearPartition(partition);
    while (offset < end) {
      const read = await p.read(offset, LOAD_READ_BYTES, true, "logEnd");
      try {
        if (read.records.length === 0) break;
        for (const span of batchSpans(read.records, true)) {
          const view = readRecordBatch(read.records, span.pos, MAX_UNCOMPRESSED_BYTES);
          const h = view.header;
          offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
          if (isControl(h.attributes)) {
            txnOffsets?.replayMarker(partition, h.producerId, view, (r) => this.coordinator.replay(r));
            continue;
          }
          // A transaction's offsets wait for its marker.
          const staged: OffsetCommitRecord[] | undefined =
            txnOffsets !== undefined && isTransactional(h.attributes) ? [] : undefined;
          for (const rec of view) {
            if (h.baseOffset + rec.offsetDelta < p.log.logStartOffset || rec.key === null) continue;
            try {
              const decoded = decodeCoordinatorRecord(rec.key, rec.value);
              if (decoded?.type === "offset" && staged !== undefined) staged.push(decoded);
              else if (decoded !== null) this.coordinator.replay(decoded);
            } catch {
              skipped++;
            }
          }
          if (staged !== undefined && staged.length > 0) txnOffsets?.stage(partition, h.producerId, staged);
        }
      } finally {
        read.release();
      }
    }
    if (skipped > 0) this.#opts.log.warn({ partition, skipped }, "skipped undecodable __consumer_offsets records");
    return true;
  }

  /** Keeps one real timer armed at the coordinator's next deadline. */
  rearm(): void {
    if (this.#closed) return;
    const next = this.coordinator.nextDeadlineMs();
    if (next === this.#timerDeadlineMs) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerDeadlineMs = next;
    if (next === null) return;
    this.#timer = this.#scheduler.schedule(Math.max(0, next - this.#opts.clock.nowMs()), () => {
      this.#timer = undefined;
      this.#timerDeadlineMs = null;
      if (this.#closed) return;
      this.#syncLeadership();
      this.#apply(this.coordinator.poll(this.#opts.clock.nowMs()));
    });
  }
}

/** The records behind an answer could not be appended; the handler answers with `errorCode`. */
export class CoordinatorAppendError extends SamsaError {
  constructor(readonly errorCode: number) {
    super("COORDINATOR_APPEND_FAILED", `appending to ${OFFSETS_TOPIC} failed with Kafka error ${errorCode}`);
  }
}

/** Awaits a coordinator answer; a failed append becomes the handler's error answer. */
export async function answerOr<T>(answer: Promise<T>, onError: (errorCode: number) => T): Promise<T> {
  try {
    return await answer;
  } catch (e) {
    if (e instanceof CoordinatorAppendError) return onError(e.errorCode);
    throw e;
  }
}
