import type { Clock } from "@samsa/common";
import {
  decodeTxnLogRecord,
  encodeTxnLogRecord,
  type MarkerJob,
  TransactionCoordinator,
  type TransactionCoordinatorConfig,
  type TxnAppend,
  type TxnStep,
} from "@samsa/coordinator";
import type { ClusterImage, MetadataStore } from "@samsa/metadata";
import {
  batchSpans,
  buildRecordBatch,
  ErrorCode,
  type ErrorName,
  isControl,
  readRecordBatch,
  validateRecordBatch,
} from "@samsa/protocol";
import { type Scheduler, systemScheduler, type TimerHandle } from "@samsa/replication";
import { autoCreateTopic } from "../admin/topics.js";
import type { BrokerConfig } from "../config/broker-config.js";
import { type GroupCoordinatorService, OFFSETS_TOPIC } from "../group-coordinator-service.js";
import type { BrokerServices } from "../handlers/handler.js";
import type { Logger } from "../logger.js";
import { waitForHighWatermark } from "../replica/high-watermark-wait.js";
import type { DataPathError } from "../replica/partition.js";
import type { ReplicaManager } from "../replica/replica-manager.js";
import type { PendingTxnOffsets } from "./pending-txn-offsets.js";
import { RemoteMarkerSender } from "./remote-markers.js";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";
const LOAD_READ_BYTES = 1024 * 1024;
const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Marker writes that fail for a retriable reason are retried with this backoff (ms), doubling. */
const MARKER_RETRY_MIN_MS = 100;
const MARKER_RETRY_MAX_MS = 5000;
/** Timeout aborts and expirations are checked at most this often (each check scans every id). */
const MIN_POLL_INTERVAL_MS = 100;
/** How long a request waits for the previous transaction's markers before CONCURRENT_TRANSACTIONS. */
const COMPLETION_WAIT_MS = 1000;
/** How long a `__transaction_state` append waits for the ISR before COORDINATOR_NOT_AVAILABLE. */
const TXN_LOG_REPLICATION_WAIT_MS = 5000;
/** Bound on marker jobs in flight. */
const MAX_MARKER_JOBS = 10_000;

export interface TxnAnswer {
  readonly error: ErrorName;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface TransactionCoordinatorServiceOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly replicas: ReplicaManager;
  readonly groups: GroupCoordinatorService;
  /** Shared with the group coordinator's loader. */
  readonly txnOffsets: PendingTxnOffsets;
  readonly clock: Clock;
  readonly log: Logger;
  readonly scheduler?: Scheduler;
}

export function transactionCoordinatorConfig(config: BrokerConfig): TransactionCoordinatorConfig {
  return {
    numPartitions: config.int("transaction.state.log.num.partitions"),
    maxTimeoutMs: config.int("transaction.max.timeout.ms"),
    transactionalIdExpirationMs: config.int("transactional.id.expiration.ms"),
    maxTransactionalIds: 100_000,
    maxPartitionsPerTxn: 10_000,
  };
}

/**
 * Runs the pure transaction coordinator inside the broker: owns `__transaction_state` (created on
 * first FindCoordinator, loaded at start-up), appends the coordinator's records before answering,
 * writes commit/abort markers to the transaction's partitions (retrying until they land), and
 * drives transaction timeouts and id expiration with one timer.
 */
export class TransactionCoordinatorService {
  readonly coordinator: TransactionCoordinator;
  /** Transactional offset commits waiting for their transaction's marker. */
  readonly txnOffsets: PendingTxnOffsets;
  readonly #opts: TransactionCoordinatorServiceOptions;
  readonly #scheduler: Scheduler;
  /** Loaded (or loading) partitions with the leader epoch they were loaded in. */
  readonly #loads = new Map<number, number>();
  #seenImage: ClusterImage | undefined;
  #markerJobs = 0;
  /** Transactional id -> its marker job in flight (bounded by MAX_MARKER_JOBS). */
  readonly #completing = new Map<string, Promise<void>>();
  #creating: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #timerDeadlineMs: number | null = null;
  #lastPollMs = Number.NEGATIVE_INFINITY;
  #closed = false;
  readonly #remoteMarkers: RemoteMarkerSender;

  constructor(opts: TransactionCoordinatorServiceOptions) {
    this.#opts = opts;
    this.txnOffsets = opts.txnOffsets;
    this.#scheduler = opts.scheduler ?? systemScheduler;
    this.coordinator = new TransactionCoordinator(transactionCoordinatorConfig(opts.config));
    this.#remoteMarkers = new RemoteMarkerSender(opts.metadata, opts.config.nodeId);
  }

  start(): void {
    const topic = this.#opts.metadata.image.topics.get(TRANSACTION_STATE_TOPIC);
    if (topic !== undefined) for (const p of topic.partitions) this.#load(p.partitionIndex);
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#remoteMarkers.close();
  }

  /** NONE when this broker serves the transactional id now, else the Kafka error to answer. */
  coordinatorError(transactionalId: string): ErrorName {
    if (!this.#opts.metadata.image.topics.has(TRANSACTION_STATE_TOPIC)) return "COORDINATOR_NOT_AVAILABLE";
    this.#syncLeadership();
    const partition = this.coordinator.partitionFor(transactionalId);
    const image = this.#opts.metadata.image.topics
      .get(TRANSACTION_STATE_TOPIC)
      ?.partitions.find((p) => p.partitionIndex === partition);
    if (image === undefined) return "COORDINATOR_NOT_AVAILABLE";
    if (image.leaderId !== this.#opts.config.nodeId) return "NOT_COORDINATOR";
    const status = this.coordinator.coordinatorError(transactionalId);
    if (status !== "NOT_COORDINATOR") return status;
    this.#load(partition);
    return "COORDINATOR_LOAD_IN_PROGRESS";
  }

  /** The broker leading the transactional id's `__transaction_state` partition (its coordinator), or -1. */
  coordinatorNode(transactionalId: string): number {
    const partition = this.coordinator.partitionFor(transactionalId);
    const topic = this.#opts.metadata.image.topics.get(TRANSACTION_STATE_TOPIC);
    return topic?.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
  }

  /** FindCoordinator key type 1: creates `__transaction_state` on first use, as Kafka does. */
  findCoordinator(services: BrokerServices, transactionalId: string): number {
    if (!this.#opts.metadata.image.topics.has(TRANSACTION_STATE_TOPIC)) {
      this.#ensureTopic(services);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const error = this.coordinatorError(transactionalId);
    return error === "COORDINATOR_LOAD_IN_PROGRESS" ? ErrorCode.NONE : ErrorCode[error];
  }

  /** Runs one coordinator step; answers once its record (if any) is appended and flushed. */
  async run(step: (nowMs: number) => TxnStep, transactionalId?: string): Promise<TxnAnswer> {
    let s = step(this.#opts.clock.nowMs());
    // The previous transaction is still writing its markers: rather than CONCURRENT_TRANSACTIONS
    // (and the client's retry backoff), wait briefly for it to complete and try once more.
    const completing = transactionalId === undefined ? undefined : this.#completing.get(transactionalId);
    if (s.kind === "answer" && s.error === "CONCURRENT_TRANSACTIONS" && completing !== undefined) {
      await Promise.race([
        completing,
        new Promise<void>((resolve) => this.#scheduler.schedule(COMPLETION_WAIT_MS, resolve)),
      ]);
      s = step(this.#opts.clock.nowMs());
    }
    if (s.kind === "answer") return s;
    return this.#appendAndComplete(s.append);
  }

  async #appendAndComplete(append: TxnAppend): Promise<TxnAnswer> {
    let error: ErrorName;
    try {
      error = await this.#append(append);
    } catch (e) {
      this.#opts.log.error({ err: e }, "appending to __transaction_state failed");
      error = "COORDINATOR_NOT_AVAILABLE";
    }
    const out = this.coordinator.completeAppend(append, error, this.#opts.clock.nowMs());
    if (out.markers !== undefined) this.#startMarkers(out.markers);
    this.#armAt(this.coordinator.deadlineOf(append.transactionalId));
    return out;
  }

  async #append(append: TxnAppend): Promise<ErrorName> {
    const lookup = await this.#opts.replicas.getPartition(TRANSACTION_STATE_TOPIC, append.partition);
    if ("error" in lookup)
      return lookup.error === "NOT_LEADER_OR_FOLLOWER" ? "NOT_COORDINATOR" : "COORDINATOR_NOT_AVAILABLE";
    const nowMs = this.#opts.clock.nowMs();
    const { key, value } = encodeTxnLogRecord(TransactionCoordinator.recordOf(append));
    const batch = buildRecordBatch([{ key, value, timestamp: nowMs }], { timestamp: nowMs });
    const validation = validateRecordBatch(batch, 0, {
      maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES,
      origin: "coordinator",
    });
    const result = await lookup.partition.appendAsLeader(batch, [{ pos: 0, validation }], "coordinator");
    if (result.kind === "error") return appendErrorName(result.error);
    // CompleteCommit/CompleteAbort promise no one anything: if a crash loses it, the reload finds
    // PrepareCommit/PrepareAbort and writes the markers again. Everything else is answered over
    // flushed data.
    const p = lookup.partition;
    if (append.purpose !== "complete" && p.state.highWatermark <= result.lastOffset) {
      await p.flush();
      // In cluster mode the HW also waits for the ISR (transaction.state.log.min.isr of them).
      if (p.state.highWatermark <= result.lastOffset) {
        if (!(await waitForHighWatermark(this.#opts.replicas, p, result.lastOffset, TXN_LOG_REPLICATION_WAIT_MS)))
          return p.resigned ? "NOT_COORDINATOR" : "COORDINATOR_NOT_AVAILABLE";
      }
    }
    return "NONE";
  }

  // ---- markers --------------------------------------------------------------------------------

  #startMarkers(job: MarkerJob): void {
    if (this.#markerJobs >= MAX_MARKER_JOBS) {
      // Resent after the next reload of the partition; the transaction stays in PrepareCommit/Abort.
      this.#opts.log.error({ transactionalId: job.transactionalId }, "too many marker jobs in flight");
      return;
    }
    this.#markerJobs++;
    const done = this.#writeMarkers(job)
      .catch((e: unknown) => this.#opts.log.error({ err: e, transactionalId: job.transactionalId }, "markers failed"))
      .finally(() => {
        this.#markerJobs--;
        if (this.#completing.get(job.transactionalId) === done) this.#completing.delete(job.transactionalId);
      });
    this.#completing.set(job.transactionalId, done);
  }

  async #writeMarkers(job: MarkerJob): Promise<void> {
    let remaining = [...job.partitions];
    let backoffMs = MARKER_RETRY_MIN_MS;
    while (remaining.length > 0) {
      // Once this broker no longer coordinates the id (or reloads it), the coordinator that loads
      // the prepared transaction resends its markers: a stale retry could otherwise close the
      // producer's next transaction on that partition.
      if (this.#closed || this.coordinatorError(job.transactionalId) !== "NONE") return;
      const failed: typeof remaining = [];
      for (const tp of remaining) {
        const error = await this.#writeMarker(job, tp.topic, tp.partition);
        if (error !== "NONE" && error !== "UNKNOWN_TOPIC_OR_PARTITION") failed.push(tp);
      }
      remaining = failed;
      if (remaining.length > 0) {
        await new Promise<void>((resolve) => this.#scheduler.schedule(backoffMs, resolve));
        backoffMs = Math.min(backoffMs * 2, MARKER_RETRY_MAX_MS);
      }
    }
    // As Kafka, CompleteCommit/CompleteAbort is retried while it fails for a retriable reason and
    // this broker still coordinates the id: a transaction left in PrepareCommit/PrepareAbort would
    // answer CONCURRENT_TRANSACTIONS until the partition is loaded again.
    for (;;) {
      const complete = this.coordinator.markersWritten(job, this.#opts.clock.nowMs());
      if (complete === undefined || this.#closed) return;
      const out = await this.#appendAndComplete(complete);
      if (out.error !== "COORDINATOR_NOT_AVAILABLE") return;
      await new Promise<void>((resolve) => this.#scheduler.schedule(backoffMs, resolve));
      backoffMs = Math.min(backoffMs * 2, MARKER_RETRY_MAX_MS);
    }
  }

  /** One marker; a topic deleted since is skipped (UNKNOWN_TOPIC_OR_PARTITION), as Kafka does. */
  async #writeMarker(job: MarkerJob, topic: string, index: number): Promise<ErrorName> {
    // The group loader must have staged the transaction's offsets before the marker decides them.
    if (topic === OFFSETS_TOPIC && this.#opts.groups.loading()) return "COORDINATOR_LOAD_IN_PROGRESS";
    const lookup = await this.#opts.replicas.getPartition(topic, index);
    if ("error" in lookup) {
      // Cluster mode: another broker leads the partition; it writes the marker (WriteTxnMarkers).
      const leaderId =
        this.#opts.metadata.image.topics.get(topic)?.partitions.find((p) => p.partitionIndex === index)?.leaderId ?? -1;
      if (lookup.error !== "NOT_LEADER_OR_FOLLOWER" || leaderId < 0 || leaderId === this.#opts.config.nodeId)
        return lookup.error;
      const timeoutMs = this.#opts.config.int("replica.socket.timeout.ms");
      const remote = await this.#remoteMarkers.send(leaderId, job, topic, index, timeoutMs);
      return remote === "INVALID_PRODUCER_EPOCH" ? "NONE" : remote;
    }
    const result = await lookup.partition.appendTxnMarker({
      producerId: job.producerId,
      producerEpoch: job.producerEpoch,
      coordinatorEpoch: job.coordinatorEpoch,
      commit: job.commit,
    });
    // An older epoch than the partition knows: the producer moved on, nothing left to close here.
    if (result.error === "INVALID_PRODUCER_EPOCH") return "NONE";
    if (result.error === "NONE" && topic === OFFSETS_TOPIC) this.applyTxnOffsets(index, job.producerId, job.commit);
    return result.error;
  }

  /** A marker landed in a `__consumer_offsets` partition: committed offsets become the group's. */
  applyTxnOffsets(partition: number, producerId: number, commit: boolean): void {
    const records = this.txnOffsets.complete(partition, producerId);
    if (!commit) return;
    for (const r of records) this.#opts.groups.coordinator.replay(r);
  }

  // ---- loading --------------------------------------------------------------------------------

  #ensureTopic(services: BrokerServices): void {
    if (this.#creating !== undefined) return;
    this.#creating = autoCreateTopic(services, TRANSACTION_STATE_TOPIC)
      .then((outcome) => {
        if (!outcome.ok && !this.#opts.metadata.image.topics.has(TRANSACTION_STATE_TOPIC))
          this.#opts.log.error({ error: outcome.error }, "creating __transaction_state failed");
        const topic = this.#opts.metadata.image.topics.get(TRANSACTION_STATE_TOPIC);
        if (topic !== undefined) for (const p of topic.partitions) this.#load(p.partitionIndex);
      })
      .catch((e: unknown) => this.#opts.log.error({ err: e }, "creating __transaction_state failed"))
      .finally(() => {
        this.#creating = undefined;
      });
  }

  /**
   * Unloads partitions this broker no longer leads, or leads in a newer epoch (cluster mode: the
   * controller moved them), so their transactions answer NOT_COORDINATOR and load afresh.
   */
  #syncLeadership(): void {
    const image = this.#opts.metadata.image;
    if (image === this.#seenImage) return;
    this.#seenImage = image;
    const topic = image.topics.get(TRANSACTION_STATE_TOPIC);
    for (const [partition, leaderEpoch] of [...this.#loads]) {
      const p = topic?.partitions.find((x) => x.partitionIndex === partition);
      if (p !== undefined && p.leaderId === this.#opts.config.nodeId && p.leaderEpoch === leaderEpoch) continue;
      this.coordinator.unload(partition);
      this.#loads.delete(partition);
    }
  }

  #load(partition: number): void {
    if (this.#loads.has(partition)) return;
    const image = this.#opts.metadata.image.topics
      .get(TRANSACTION_STATE_TOPIC)
      ?.partitions.find((p) => p.partitionIndex === partition);
    this.#loads.set(partition, image?.leaderEpoch ?? -1);
    this.#loadPartition(partition).then(
      (jobs) => {
        if (jobs === undefined) {
          this.#loads.delete(partition);
          return;
        }
        for (const job of jobs) this.#startMarkers(job);
        this.#armAt(this.coordinator.nextDeadlineMs());
      },
      (e: unknown) => {
        this.#opts.log.error({ err: e, partition }, "loading __transaction_state failed");
        this.coordinator.unload(partition);
        this.#loads.delete(partition);
      },
    );
  }

  async #loadPartition(partition: number): Promise<MarkerJob[] | undefined> {
    const lookup = await this.#opts.replicas.getPartition(TRANSACTION_STATE_TOPIC, partition);
    if ("error" in lookup) {
      this.#opts.log.warn({ partition, error: lookup.error }, "cannot load __transaction_state partition");
      return undefined;
    }
    const p = lookup.partition;
    this.coordinator.beginLoad(partition, p.state.leaderEpoch);
    let offset = p.log.logStartOffset;
    const end = p.log.logEndOffset;
    let skipped = 0;
    while (offset < end) {
      const read = await p.read(offset, LOAD_READ_BYTES, true, "logEnd");
      try {
        if (read.records.length === 0) break;
        for (const span of batchSpans(read.records, true)) {
          const view = readRecordBatch(read.records, span.pos, MAX_UNCOMPRESSED_BYTES);
          const h = view.header;
          offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
          if (isControl(h.attributes)) continue;
          for (const rec of view) {
            if (rec.key === null) continue;
            try {
              const decoded = decodeTxnLogRecord(rec.key, rec.value);
              if (decoded !== null && this.coordinator.partitionFor(decoded.transactionalId) === partition)
                this.coordinator.replay(decoded);
            } catch {
              skipped++;
            }
          }
        }
      } finally {
        read.release();
      }
    }
    if (skipped > 0) this.#opts.log.warn({ partition, skipped }, "skipped undecodable __transaction_state records");
    return this.coordinator.completeLoad(partition);
  }

  // ---- timer ----------------------------------------------------------------------------------

  /**
   * Keeps one timer no later than `deadlineMs`. Requests arm it in O(1) from their own id's
   * deadline; only a firing scans every id (poll, then the next deadline), at most once per
   * MIN_POLL_INTERVAL_MS, as Kafka's periodic abort check does.
   */
  #armAt(deadlineMs: number | null): void {
    if (this.#closed || deadlineMs === null) return;
    if (this.#timer !== undefined && this.#timerDeadlineMs !== null && this.#timerDeadlineMs <= deadlineMs) return;
    this.#timer?.cancel();
    const nowMs = this.#opts.clock.nowMs();
    const at = Math.max(deadlineMs, this.#lastPollMs + MIN_POLL_INTERVAL_MS);
    this.#timerDeadlineMs = at;
    // Capped so that a far expiration does not overflow setTimeout.
    this.#timer = this.#scheduler.schedule(Math.min(Math.max(0, at - nowMs), 3_600_000), () => this.#poll());
  }

  #poll(): void {
    this.#timer = undefined;
    this.#timerDeadlineMs = null;
    if (this.#closed) return;
    const nowMs = this.#opts.clock.nowMs();
    this.#lastPollMs = nowMs;
    for (const append of this.coordinator.poll(nowMs)) {
      this.#appendAndComplete(append).catch((e: unknown) => this.#opts.log.error({ err: e }, "timeout abort failed"));
    }
    this.#armAt(this.coordinator.nextDeadlineMs());
  }
}

/** Kafka's mapping of a failed `__transaction_state` append to the coordinator's answer. */
function appendErrorName(error: DataPathError): ErrorName {
  switch (error) {
    case "NOT_LEADER_OR_FOLLOWER":
    case "FENCED_LEADER_EPOCH":
    case "KAFKA_STORAGE_ERROR":
      return "NOT_COORDINATOR";
    case "MESSAGE_TOO_LARGE":
    case "RECORD_LIST_TOO_LARGE":
      return "UNKNOWN_SERVER_ERROR";
    default:
      return "COORDINATOR_NOT_AVAILABLE";
  }
}
