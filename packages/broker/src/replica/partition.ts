import type { Clock } from "@samsa/common";
import {
  type BatchValidation,
  batchSpans,
  buildEndTxnMarkerBatch,
  ControlRecordType,
  isControl,
  isTransactional,
  readBatchHeader,
  readControlRecordType,
  readRecordBatch,
  TimestampType,
  timestampType,
} from "@samsa/protocol";
import {
  type ClientAppendCheck,
  type HighWatermarkPolicy,
  type ProducerBatch,
  PartitionState,
  ProducerStateManager,
} from "@samsa/replication";
import { type AppendResult, type Log, type LogReadResult, StorageError } from "@samsa/storage";
import type { Logger } from "../logger.js";
import { type AbortedTxn, PartitionTxns } from "../txn/partition-txns.js";
import { AppendedBytes } from "./appended-bytes.js";
import { SerialQueue } from "./serial-queue.js";
import type { TopicSettings } from "./topic-settings.js";

/** Kafka error names the data path answers with, for the generated ErrorCode table. */
export type DataPathError =
  | "OFFSET_OUT_OF_RANGE"
  | "CORRUPT_MESSAGE"
  | "UNKNOWN_TOPIC_OR_PARTITION"
  | "NOT_LEADER_OR_FOLLOWER"
  | "REQUEST_TIMED_OUT"
  | "MESSAGE_TOO_LARGE"
  | "RECORD_LIST_TOO_LARGE"
  | "NOT_ENOUGH_REPLICAS"
  | "KAFKA_STORAGE_ERROR"
  | "OUT_OF_ORDER_SEQUENCE_NUMBER"
  | "INVALID_PRODUCER_EPOCH"
  | "INVALID_TXN_STATE"
  | "FENCED_LEADER_EPOCH"
  | "UNKNOWN_LEADER_EPOCH"
  | "POLICY_VIOLATION"
  | "OFFSET_NOT_AVAILABLE"
  | "UNKNOWN_SERVER_ERROR";

/** Which offsets a reader may see: consumers up to the HW (or LSO), followers and debug up to the log end. */
export type FetchIsolation = "highWatermark" | "committed" | "logEnd";

/** One validated v2 batch of a produce, located in the records buffer. */
export interface ValidatedBatch {
  readonly pos: number;
  readonly validation: BatchValidation;
}

export type LeaderAppendResult =
  | {
      readonly kind: "appended" | "duplicate";
      readonly baseOffset: number;
      readonly lastOffset: number;
      /** -1 unless the topic uses LogAppendTime (a duplicate reports its batch's timestamp, as Kafka does). */
      readonly logAppendTimeMs: number;
      readonly logStartOffset: number;
    }
  | {
      readonly kind: "error";
      readonly error: DataPathError;
      readonly message: string;
      readonly logStartOffset: number;
    };

/** An append that passed the producer-state check, ready for the log. */
interface AppendPlan {
  readonly kind: "planned";
  readonly update: Extract<ClientAppendCheck, { kind: "ok" }>["update"];
  readonly producerBatches: readonly ProducerBatch[];
  readonly nowMs: number;
  readonly logAppendTime: boolean;
  readonly logStartOffset: number;
}

export interface PartitionOptions {
  readonly topic: string;
  readonly index: number;
  readonly topicId: string;
  readonly leaderEpoch: number;
  readonly localBrokerId: number;
  readonly log: Log;
  readonly settings: TopicSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly producerIdExpirationMs: number;
  /** The ISR the high watermark counts (cluster mode); a single node has only itself. */
  readonly isr?: readonly number[];
  /** Called whenever the high watermark advances or data is appended, to wake delayed operations. */
  readonly onChange: (partition: Partition) => void;
}

/** Bytes read per step while rebuilding producer state from the log. */
const REPLAY_READ_BYTES = 1024 * 1024;

/**
 * The leader replica of one partition on this broker: its log, replication state (HW, leader
 * epoch) and producer state, with appends serialized so that duplicate and sequence checks see
 * every earlier append. On a single node with the default policy the HW moves when a flush lands.
 */
export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly topicId: string;
  readonly key: string;
  readonly log: Log;
  readonly state: PartitionState;
  readonly producers: ProducerStateManager;
  /** Open, completing and aborted transactions: the LSO and Fetch's aborted_transactions. */
  readonly txns = new PartitionTxns();
  readonly #appends = new SerialQueue();
  readonly #bytes: AppendedBytes;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onChange: (partition: Partition) => void;
  #settings: TopicSettings;
  #flushScheduled = false;

  private constructor(opts: PartitionOptions, policy: HighWatermarkPolicy) {
    this.topic = opts.topic;
    this.index = opts.index;
    this.topicId = opts.topicId;
    this.key = partitionKey(opts.topic, opts.index);
    this.log = opts.log;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#onChange = opts.onChange;
    this.#settings = opts.settings;
    this.state = new PartitionState({
      topic: opts.topic,
      partition: opts.index,
      localBrokerId: opts.localBrokerId,
      leaderEpoch: opts.leaderEpoch,
      logStartOffset: opts.log.logStartOffset,
      logEndOffset: opts.log.logEndOffset,
      flushedOffset: opts.log.recoveryPoint,
      highWatermarkPolicy: policy,
      highWatermark: opts.log.highWatermark,
      isr: opts.isr,
    });
    this.producers = new ProducerStateManager(this.key, { producerIdExpirationMs: opts.producerIdExpirationMs });
    this.#bytes = new AppendedBytes(opts.log.logEndOffset);
    this.#syncHighWatermark();
  }

  /** Opens the leader replica: records the epoch start, rebuilds producer state from recent batches. */
  static async open(opts: PartitionOptions): Promise<Partition> {
    const policy: HighWatermarkPolicy = Number.isFinite(opts.settings.flushMessages) ? "logEnd" : "flushed";
    const p = new Partition(opts, policy);
    if (opts.leaderEpoch >= 0) await opts.log.leaderEpochCache.assign(opts.leaderEpoch, opts.log.logEndOffset);
    await p.#replayProducerState(opts.producerIdExpirationMs);
    // Data recovered but not yet known to be on disk becomes visible once flushed.
    if (p.state.highWatermark < p.log.logEndOffset) p.#scheduleFlush();
    return p;
  }

  get settings(): TopicSettings {
    return this.#settings;
  }

  set settings(s: TopicSettings) {
    this.#settings = s;
  }

  /** The start offset of the current leader epoch, when known. */
  epochStartOffset(): number | undefined {
    const latest = this.log.leaderEpochCache.latest;
    return latest !== undefined && latest.epoch === this.state.leaderEpoch ? latest.startOffset : undefined;
  }

  /** Cluster mode: told of every follower fetch before it counts (ISR tracking); unset on a single node. */
  followerFetched: ((partition: Partition, replicaId: number, fetchOffset: number) => void) | undefined;

  /** Cluster mode: set once leadership moved away; parked acks=-1 produces then answer NOT_LEADER_OR_FOLLOWER. */
  resigned = false;

  /**
   * Stops appending as leader: queued appends answer NOT_LEADER_OR_FOLLOWER. Resolves once the
   * append in progress (if any) is in the log, so a replica opened next replays a log that no
   * longer moves under it.
   */
  resign(): Promise<void> {
    this.resigned = true;
    return this.#appends.run(async () => undefined);
  }

  /** A follower fetched from `fetchOffset`, its log end offset: the HW may move over the ISR. */
  onFollowerFetch(replicaId: number, fetchOffset: number): void {
    this.followerFetched?.(this, replicaId, fetchOffset);
    if (this.state.onFollowerFetch(replicaId, fetchOffset)) {
      this.#syncHighWatermark();
      this.#changed();
    }
  }

  /** The ISR the HW counts changed within the epoch (committed, or a caught-up follower joined). */
  updateIsr(isr: readonly number[]): void {
    if (this.state.updateIsr(isr)) {
      this.#syncHighWatermark();
      this.#changed();
    }
  }

  /** The leader epoch moved on (metadata bumped it): record where it starts. */
  async becomeLeader(leaderEpoch: number, isr?: readonly number[]): Promise<void> {
    if (leaderEpoch <= this.state.leaderEpoch) return;
    const hwMoved = this.state.becomeLeader(leaderEpoch, isr);
    await this.log.leaderEpochCache.assign(leaderEpoch, this.log.logEndOffset);
    if (hwMoved) this.#changed();
  }

  /**
   * Appends a client's validated batches as leader: assigns offsets from the log end offset,
   * checks producer state (answering a retried batch with its original offsets), then appends and
   * commits the producer state. Never throws for client mistakes.
   */
  appendAsLeader(
    records: Buffer,
    batches: readonly ValidatedBatch[],
    origin: "client" | "coordinator" = "client",
  ): Promise<LeaderAppendResult> {
    return this.#appends.run(async () => {
      const plan = this.#planAppend(batches, origin);
      if (plan.kind !== "planned") return plan;
      let appended: AppendResult;
      try {
        appended = await this.log.append(records, { assignOffsets: true, leaderEpoch: this.state.leaderEpoch });
      } catch (e) {
        return this.#appendFailed(e, plan.logStartOffset);
      }
      const result = this.#appended(plan, records, appended);
      await this.#afterAppend();
      this.#changed();
      return result;
    });
  }

  /**
   * `appendAsLeader` of a client's batches in the caller's turn when no other append is queued and
   * the log appends without an await (Log.appendNow); otherwise, or when a flush.messages flush is
   * due, through the queue as before, so appends to the partition stay in order.
   */
  appendAsLeaderNow(
    records: Buffer,
    batches: readonly ValidatedBatch[],
  ): LeaderAppendResult | Promise<LeaderAppendResult> {
    if (!this.#appends.idle || this.resigned) return this.appendAsLeader(records, batches);
    const plan = this.#planAppend(batches, "client");
    if (plan.kind !== "planned") return plan;
    let appended: AppendResult | undefined;
    try {
      appended = this.log.appendNow(records, { assignOffsets: true, leaderEpoch: this.state.leaderEpoch });
    } catch (e) {
      return this.#appendFailed(e, plan.logStartOffset);
    }
    if (appended === undefined) return this.appendAsLeader(records, batches);
    const result = this.#appended(plan, records, appended);
    if (this.state.highWatermarkPolicy === "flushed") {
      this.#scheduleFlush();
      this.#changed();
      return result;
    }
    // The flush.messages flush runs as the next task: later appends wait for it, as they would.
    return this.#appends.run(async () => {
      await this.#afterAppend();
      this.#changed();
      return result;
    });
  }

  /** Offsets for the batches from the log end and the producer-state check; an answer if not appending. */
  #planAppend(batches: readonly ValidatedBatch[], origin: "client" | "coordinator"): AppendPlan | LeaderAppendResult {
    const logStartOffset = this.log.logStartOffset;
    if (this.resigned) {
      return { kind: "error", error: "NOT_LEADER_OR_FOLLOWER", message: "leadership moved", logStartOffset };
    }
    const nowMs = this.#clock.nowMs();
    const logAppendTime = this.#settings.logAppendTime;
    let next = this.log.logEndOffset;
    const producerBatches: ProducerBatch[] = [];
    for (const b of batches) {
      const h = b.validation.header;
      const firstOffset = next;
      next += h.lastOffsetDelta + 1;
      producerBatches.push({
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
        firstOffset,
        lastOffset: next - 1,
        maxTimestamp: logAppendTime ? nowMs : b.validation.maxTimestamp,
        transactional: isTransactional(h.attributes),
      });
    }
    const check = this.producers.checkClientAppend(producerBatches, origin === "client");
    if (check.kind === "duplicate") {
      return {
        kind: "duplicate",
        baseOffset: check.batch.firstOffset,
        lastOffset: check.batch.lastOffset,
        logAppendTimeMs: check.batch.timestamp,
        logStartOffset,
      };
    }
    if (check.kind === "error") return { kind: "error", error: check.error, message: check.message, logStartOffset };
    return { kind: "planned", update: check.update, producerBatches, nowMs, logAppendTime, logStartOffset };
  }

  #appendFailed(e: unknown, logStartOffset: number): LeaderAppendResult {
    if (e instanceof StorageError) {
      return { kind: "error", error: storageErrorName(e), message: e.message, logStartOffset };
    }
    throw e;
  }

  /** Commits producer state and moves the LEO (and the HW where it follows) after a log append. */
  #appended(plan: AppendPlan, records: Buffer, appended: AppendResult): LeaderAppendResult {
    this.producers.commit(plan.update);
    for (const b of plan.producerBatches) if (b.transactional) this.txns.onData(b.producerId, b.firstOffset);
    this.#bytes.record(appended.lastOffset + 1, records.length);
    this.state.onAppend(this.log.logEndOffset);
    this.#syncHighWatermark();
    return {
      kind: "appended",
      baseOffset: appended.baseOffset,
      lastOffset: appended.lastOffset,
      logAppendTimeMs: plan.logAppendTime ? (appended.logAppendTimeMs ?? plan.nowMs) : -1,
      logStartOffset: this.log.logStartOffset,
    };
  }

  /**
   * WriteTxnMarkers: appends a COMMIT or ABORT control batch for `producerId`, closing its
   * transaction here. A marker of an older epoch than the producer's is refused.
   */
  appendTxnMarker(marker: TxnMarker): Promise<MarkerAppendResult> {
    return this.#appends.run(async () => {
      if (this.resigned) return { error: "NOT_LEADER_OR_FOLLOWER" };
      const entry = this.producers.lastEntry(marker.producerId);
      if (entry !== undefined && marker.producerEpoch < entry.producerEpoch) return { error: "INVALID_PRODUCER_EPOCH" };
      const nowMs = this.#clock.nowMs();
      const batch = buildEndTxnMarkerBatch({ ...marker, timestamp: nowMs });
      let appended: Awaited<ReturnType<Log["append"]>>;
      try {
        appended = await this.log.append(batch, { assignOffsets: true, leaderEpoch: this.state.leaderEpoch });
      } catch (e) {
        if (e instanceof StorageError) return { error: storageErrorName(e) };
        throw e;
      }
      this.producers.replay({
        producerId: marker.producerId,
        producerEpoch: marker.producerEpoch,
        baseSequence: -1,
        firstOffset: appended.baseOffset,
        lastOffset: appended.lastOffset,
        maxTimestamp: nowMs,
        transactional: true,
        control: true,
      });
      const aborted = this.txns.onMarker(marker.producerId, appended.baseOffset, marker.commit);
      if (aborted !== undefined) await this.log.abortedTxns.append(aborted);
      this.#bytes.record(appended.lastOffset + 1, batch.length);
      this.state.onAppend(this.log.logEndOffset);
      this.#syncHighWatermark();
      await this.#afterAppend();
      this.#changed();
      return { error: "NONE", offset: appended.baseOffset };
    });
  }

  /** Aborted transactions a read_committed fetch from `fetchOffset` must be told about. */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.txns.abortedBetween(fetchOffset, upperBoundOffset);
  }

  /** Reads whole batches from `fetchOffset` up to what `isolation` allows. Throws StorageError. */
  read(
    fetchOffset: number,
    maxBytes: number,
    minOneMessage: boolean,
    isolation: FetchIsolation,
  ): Promise<LogReadResult> {
    return this.log.read(fetchOffset, maxBytes, { minOneMessage, maxOffset: this.fetchableEnd(isolation) });
  }

  /** The offset readers with `isolation` may read up to (exclusive). */
  fetchableEnd(isolation: FetchIsolation): number {
    if (isolation === "logEnd") return this.log.logEndOffset;
    if (isolation === "committed") return this.state.lastStableOffset;
    return this.state.highWatermark;
  }

  /** Bytes between `fetchOffset` and what `isolation` allows, for a delayed fetch's min_bytes. */
  bytesAvailable(fetchOffset: number, isolation: FetchIsolation): number {
    return this.#bytes.between(fetchOffset, this.fetchableEnd(isolation));
  }

  /** DeleteRecords: moves the log start offset (at most to the HW, never backwards). */
  async deleteRecordsBefore(offset: number): Promise<DataPathError | undefined> {
    if (offset < 0 || offset > this.state.highWatermark) return "OFFSET_OUT_OF_RANGE";
    try {
      await this.log.deleteRecordsBefore(offset);
    } catch (e) {
      if (e instanceof StorageError) return storageErrorName(e);
      throw e;
    }
    this.txns.retainFrom(this.log.logStartOffset);
    const refused = this.state.incrementLogStartOffset(this.log.logStartOffset);
    return refused === undefined ? undefined : "UNKNOWN_SERVER_ERROR";
  }

  /** Flushes now and lets the HW follow (acks=-1 callers wait on the HW, not on this promise). */
  async flush(): Promise<void> {
    const flushed = await this.log.flush();
    if (this.state.onFlush(Math.min(flushed, this.state.logEndOffset))) {
      this.#syncHighWatermark();
      this.#changed();
    }
  }

  async #afterAppend(): Promise<void> {
    if (this.state.highWatermarkPolicy === "flushed") {
      this.#scheduleFlush();
      return;
    }
    // The looser policy flushes every flush.messages messages, inside the append as Kafka does.
    if (this.log.logEndOffset - this.log.recoveryPoint >= this.#settings.flushMessages) await this.flush();
  }

  /**
   * Group commit: one flush runs at a time and covers every append before it started; appends
   * arriving meanwhile are covered by the next one.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.flush().catch((e: unknown) => {
        this.#logger.error({ err: e, partition: this.key }, "flush failed");
      });
    });
  }

  #syncHighWatermark(): void {
    this.log.highWatermark = this.state.highWatermark;
    this.state.setFirstUnstableOffset(this.txns.firstUnstableOffset(this.state.highWatermark));
  }

  #changed(): void {
    this.#onChange(this);
  }

  /**
   * Rebuilds producer state from batch headers. Producers idle longer than the expiration would be
   * dropped anyway, so the replay starts at the first batch newer than that (via the time index).
   */
  async #replayProducerState(expirationMs: number): Promise<void> {
    const log = this.log;
    const from = await log.offsetForTimestamp(this.#clock.nowMs() - expirationMs);
    let offset = Math.max(from?.offset ?? log.logEndOffset, log.logStartOffset);
    // Aborted transactions come from storage's index; the replayed tail adds what it lost in a crash.
    const indexed = log.abortedTxns.lastOffset;
    this.txns.loadAborted(log.abortedTxns.all);
    while (offset < log.logEndOffset) {
      const read = await log.read(offset, REPLAY_READ_BYTES, { minOneMessage: true });
      if (read.records.length === 0) break;
      for (const span of batchSpans(read.records, true)) {
        if (span.magic !== 2) continue;
        const h = readBatchHeader(read.records, span.pos);
        const lastOffset = h.baseOffset + h.lastOffsetDelta;
        offset = Math.max(offset, lastOffset + 1);
        if (h.producerId < 0) continue;
        if (isControl(h.attributes)) this.#replayMarker(read.records, span.pos, h.producerId, h.baseOffset, indexed);
        else if (isTransactional(h.attributes)) this.txns.onData(h.producerId, h.baseOffset);
        this.producers.replay({
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
          firstOffset: h.baseOffset,
          lastOffset,
          maxTimestamp: h.maxTimestamp,
          transactional: isTransactional(h.attributes),
          control: isControl(h.attributes),
        });
      }
      read.release();
    }
    this.producers.retainFrom(log.logStartOffset);
    this.producers.removeExpiredProducers(this.#clock.nowMs());
    for (const a of this.txns.abortedBetween(indexed + 1, log.logEndOffset)) {
      if (a.lastOffset > indexed) await log.abortedTxns.append(a);
    }
    this.#syncHighWatermark();
  }

  /** A control batch read back from the log: a COMMIT/ABORT marker closes its producer's transaction. */
  #replayMarker(records: Buffer, pos: number, producerId: number, offset: number, indexed: number): void {
    try {
      for (const rec of readRecordBatch(records, pos, 1024)) {
        const type = readControlRecordType(rec.key);
        if (type === ControlRecordType.COMMIT || type === ControlRecordType.ABORT) {
          this.txns.onMarker(producerId, offset, type === ControlRecordType.COMMIT, indexed);
        }
        return;
      }
    } catch (e) {
      this.#logger.warn({ err: e, partition: this.key, offset }, "unreadable control batch skipped");
    }
  }
}

/** A transaction marker to append (WriteTxnMarkers). */
export interface TxnMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
}

export type MarkerAppendResult =
  | { readonly error: "NONE"; readonly offset: number }
  | { readonly error: DataPathError };

export function partitionKey(topic: string, index: number): string {
  return `${topic}\u0000${index}`;
}

/** Whether a batch carries LogAppendTime, as set by a producer. */
export function batchUsesLogAppendTime(attributes: number): boolean {
  return timestampType(attributes) === TimestampType.LOG_APPEND_TIME;
}

function storageErrorName(e: StorageError): DataPathError {
  switch (e.code) {
    case "OFFSET_OUT_OF_RANGE":
    case "CORRUPT_MESSAGE":
    case "UNKNOWN_TOPIC_OR_PARTITION":
    case "MESSAGE_TOO_LARGE":
    case "RECORD_LIST_TOO_LARGE":
    case "KAFKA_STORAGE_ERROR":
      return e.code;
    default:
      return "UNKNOWN_SERVER_ERROR";
  }
}
