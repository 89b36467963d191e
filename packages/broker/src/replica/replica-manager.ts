import type { Clock } from "@samsa/common";
import type { ClusterImage, MetadataStore, PartitionImage, TopicImage } from "@samsa/metadata";
import { Purgatory, type Scheduler, systemScheduler, type TimerHandle } from "@samsa/replication";
import type { Log } from "@samsa/storage";
import type { BrokerConfig } from "../config/broker-config.js";
import type { Logger } from "../logger.js";
import { Partition, partitionKey } from "./partition.js";
import { TopicSettingsCache } from "./topic-settings.js";

/** Where the leader replicas find their logs (storage's LogManager in the broker). */
export interface LogSource {
  getLog(topic: string, partition: number): Log | undefined;
}

export interface ReplicaManagerOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logs: LogSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scheduler?: Scheduler;
  /** Bound on parked produce and fetch requests each. */
  readonly maxDelayedOperations?: number;
}

export type PartitionLookup =
  | { readonly partition: Partition; readonly image: PartitionImage; readonly topic: TopicImage }
  | { readonly error: "UNKNOWN_TOPIC_OR_PARTITION" | "NOT_LEADER_OR_FOLLOWER" | "KAFKA_STORAGE_ERROR" };

/** Kafka's producer.id.expiration.check.interval.ms default. */
const PRODUCER_EXPIRATION_CHECK_MS = 600_000;

/**
 * This broker's leader replicas (Kafka's ReplicaManager, single node): opens a Partition on first
 * use from the metadata image and storage's log, keeps it in step with leader epochs and topic
 * configs, forgets it when its topic goes, and owns the purgatories for acks=-1 produce and
 * long-poll fetch.
 */
export class ReplicaManager {
  readonly nodeId: number;
  readonly producePurgatory: Purgatory;
  readonly fetchPurgatory: Purgatory;
  readonly settings: TopicSettingsCache;
  readonly clock: Clock;
  readonly config: BrokerConfig;
  readonly #metadata: MetadataStore;
  readonly #logs: LogSource;
  readonly #logger: Logger;
  /** Bounded by the partitions in the metadata image: entries of removed topics are pruned. */
  readonly #partitions = new Map<string, Partition>();
  readonly #opening = new Map<string, Promise<Partition>>();
  /** Resigned replicas whose last append is still landing (bounded by the partitions). */
  readonly #retiring = new Map<string, Promise<void>>();
  #seenImage: ClusterImage | undefined;
  readonly #scheduler: Scheduler;
  #expirationTimer: TimerHandle | undefined;

  constructor(opts: ReplicaManagerOptions) {
    this.nodeId = opts.config.nodeId;
    this.config = opts.config;
    this.clock = opts.clock;
    this.#metadata = opts.metadata;
    this.#logs = opts.logs;
    this.#logger = opts.logger;
    this.settings = new TopicSettingsCache(opts.config);
    const scheduler = opts.scheduler ?? systemScheduler;
    this.#scheduler = scheduler;
    const maxWaiting = opts.maxDelayedOperations ?? 10_000;
    this.producePurgatory = new Purgatory({ scheduler, maxWaiting });
    this.fetchPurgatory = new Purgatory({ scheduler, maxWaiting });
    this.#scheduleProducerExpiration();
  }

  get image(): ClusterImage {
    return this.#metadata.image;
  }

  /**
   * `getPartition` in the caller's turn when it needs no await (the replica is open and at the
   * image's leader epoch); undefined otherwise.
   */
  getPartitionNow(topic: string, index: number): PartitionLookup | undefined {
    const images = this.#leaderImages(topic, index);
    if ("error" in images) return images;
    const { topicImage, partitionImage } = images;
    const partition = this.#partitions.get(partitionKey(topic, index));
    if (partition === undefined || partition.topicId !== topicImage.topicId) return undefined;
    if (partitionImage.leaderEpoch > partition.state.leaderEpoch) return undefined;
    partition.settings = this.settings.get(topic, topicImage.configs);
    return { partition, image: partitionImage, topic: topicImage };
  }

  /** The leader replica of `topic`-`index`, opened if needed; or Kafka's error for why there is none. */
  async getPartition(topic: string, index: number): Promise<PartitionLookup> {
    const images = this.#leaderImages(topic, index);
    if ("error" in images) return images;
    const { topicImage, partitionImage } = images;
    const key = partitionKey(topic, index);
    let partition = this.#partitions.get(key);
    if (partition === undefined || partition.topicId !== topicImage.topicId) {
      let opened: Partition | undefined;
      try {
        await this.beforeOpen?.(topic, index);
        opened = await this.#open(key, topicImage, partitionImage);
      } catch (e) {
        this.#logger.error({ err: e, topic, partition: index }, "opening the partition failed");
        return { error: "KAFKA_STORAGE_ERROR" };
      }
      if (opened === undefined) return { error: "NOT_LEADER_OR_FOLLOWER" };
      partition = opened;
    }
    partition.settings = this.settings.get(topic, topicImage.configs);
    if (partitionImage.leaderEpoch > partition.state.leaderEpoch)
      await partition.becomeLeader(partitionImage.leaderEpoch, partitionImage.isr);
    return { partition, image: partitionImage, topic: topicImage };
  }

  /** The current image's `topic`-`index` when this broker leads it; or Kafka's error for why not. */
  #leaderImages(
    topic: string,
    index: number,
  ):
    | { topicImage: TopicImage; partitionImage: PartitionImage }
    | { readonly error: "UNKNOWN_TOPIC_OR_PARTITION" | "NOT_LEADER_OR_FOLLOWER" } {
    const image = this.#metadata.image;
    if (image !== this.#seenImage) this.#prune(image);
    const topicImage = image.topics.get(topic);
    const partitionImage = topicImage?.partitions.find((p) => p.partitionIndex === index);
    if (topicImage === undefined || partitionImage === undefined) return { error: "UNKNOWN_TOPIC_OR_PARTITION" };
    if (partitionImage.leaderId !== this.nodeId || this.fenced?.() === true) return { error: "NOT_LEADER_OR_FOLLOWER" };
    return { topicImage, partitionImage };
  }

  /** Cluster mode: true while this broker's session may have lapsed (its image may be stale): it leads nothing. */
  fenced: (() => boolean) | undefined;

  /** Cluster mode: awaited before a leader replica opens (the follower fetcher lets go of its log first). */
  beforeOpen: ((topic: string, index: number) => Promise<void>) | undefined;

  /** Cluster mode: called for each leader replica opened (to track its followers); unset on a single node. */
  onOpen: ((partition: Partition, image: PartitionImage) => void) | undefined;

  /** The open leader replicas. */
  openPartitions(): IterableIterator<Partition> {
    return this.#partitions.values();
  }

  /** Forgets the leader replica of `topic`-`index` (leadership moved away); a later lookup reopens it. */
  resign(topic: string, index: number): void {
    const key = partitionKey(topic, index);
    const p = this.#partitions.get(key);
    this.#partitions.delete(key);
    if (p !== undefined) {
      const drained = p.resign().finally(() => {
        if (this.#retiring.get(key) === drained) this.#retiring.delete(key);
      });
      this.#retiring.set(key, drained);
      this.producePurgatory.checkAndComplete(key);
    }
  }

  /** Whether `p` is still the open replica of its partition (not replaced after a topic re-creation). */
  isCurrent(p: Partition): boolean {
    return this.#partitions.get(p.key) === p;
  }

  /** Completes delayed operations waiting on this partition (HW advanced or data appended). */
  wake(partition: Partition): void {
    this.producePurgatory.checkAndComplete(partition.key);
    this.fetchPurgatory.checkAndComplete(partition.key);
  }

  /** Drops idle producer ids everywhere (producer.id.expiration.ms), as Kafka's periodic check does. */
  removeExpiredProducers(): number {
    const nowMs = this.clock.nowMs();
    let removed = 0;
    for (const p of this.#partitions.values()) removed += p.producers.removeExpiredProducers(nowMs);
    return removed;
  }

  #scheduleProducerExpiration(): void {
    this.#expirationTimer = this.#scheduler.schedule(PRODUCER_EXPIRATION_CHECK_MS, () => {
      this.removeExpiredProducers();
      this.#scheduleProducerExpiration();
    });
  }

  /** Answers every parked request and stops the periodic tasks (shutdown). */
  close(): void {
    this.#expirationTimer?.cancel();
    this.#expirationTimer = undefined;
    this.producePurgatory.shutdown();
    this.fetchPurgatory.shutdown();
  }

  #open(key: string, topic: TopicImage, image: PartitionImage): Promise<Partition | undefined> {
    const pending = this.#opening.get(key);
    if (pending !== undefined) return pending;
    const log = this.#logs.getLog(topic.name, image.partitionIndex);
    if (log === undefined) return Promise.resolve(undefined);
    // The replica resigned before must finish its last append before this one replays the log.
    const retiring = this.#retiring.get(key) ?? Promise.resolve();
    const opening = retiring
      .then(() =>
        Partition.open({
          topic: topic.name,
          index: image.partitionIndex,
          topicId: topic.topicId,
          leaderEpoch: image.leaderEpoch,
          localBrokerId: this.nodeId,
          log,
          settings: this.settings.get(topic.name, topic.configs),
          clock: this.clock,
          logger: this.#logger,
          producerIdExpirationMs: this.config.long("producer.id.expiration.ms"),
          isr: image.isr,
          onChange: (p) => this.wake(p),
        }),
      )
      .then((p) => {
        this.#partitions.set(key, p);
        this.onOpen?.(p, image);
        return p;
      })
      .finally(() => this.#opening.delete(key));
    this.#opening.set(key, opening);
    return opening;
  }

  /** Forgets partitions whose topic was deleted or re-created since the last image. */
  #prune(image: ClusterImage): void {
    this.#seenImage = image;
    for (const [key, p] of this.#partitions) {
      const t = image.topics.get(p.topic);
      if (t === undefined || t.topicId !== p.topicId || t.partitions.length <= p.index) this.#partitions.delete(key);
    }
  }
}
