import { assert } from "@samsa/common";
import type { ProducerErrorName } from "../errors.js";
import { type BatchMetadata, NO_PRODUCER_EPOCH, ProducerStateEntry } from "./producer-state-entry.js";
import { incrementSequence, inSequence } from "./sequence.js";

/** Kafka's `producer.id.expiration.ms` default: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/** The producer-related header fields of one batch, with the offsets the leader assigned it. */
export interface ProducerBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly transactional: boolean;
  /** A transaction marker (COMMIT/ABORT control batch). */
  readonly control?: boolean;
}

/** Pending producer-state changes of one append; commit them once the batches are in the log. */
export class ProducerStateUpdate {
  constructor(
    readonly entries: ReadonlyMap<number, ProducerStateEntry>,
    readonly baseVersion: number,
  ) {}
}

export type ClientAppendCheck =
  | { readonly kind: "ok"; readonly update: ProducerStateUpdate }
  /** A retry of a batch already in the log: answer with its original offsets, append nothing. */
  | { readonly kind: "duplicate"; readonly batch: BatchMetadata }
  | { readonly kind: "error"; readonly error: ProducerErrorName; readonly message: string };

export interface ProducerStateManagerOptions {
  readonly producerIdExpirationMs?: number;
  /** Bound on producer ids remembered per partition; beyond it the least recently active is forgotten. */
  readonly maxProducerIds?: number;
}

class ProducerCheckError extends Error {
  constructor(
    readonly error: ProducerErrorName,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Idempotent-producer state of one partition (Kafka's ProducerStateManager): per producer id the
 * epoch and the last five batches. A client append is checked against it (duplicates, epoch fencing,
 * sequence gaps) before the batches are written; replaying batch headers from the log rebuilds it.
 */
export class ProducerStateManager {
  readonly producerIdExpirationMs: number;
  readonly maxProducerIds: number;
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** Counts appends, so a commit can assert that no append slipped in after its check. */
  private version = 0;

  constructor(
    readonly topicPartition: string,
    options: ProducerStateManagerOptions = {},
  ) {
    this.producerIdExpirationMs = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    this.maxProducerIds = options.maxProducerIds ?? 100_000;
    assert(this.maxProducerIds > 0, "maxProducerIds must be positive");
  }

  get size(): number {
    return this.producers.size;
  }

  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  activeProducers(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /**
   * Checks a client's batches (in log order, offsets assigned) as Kafka's
   * analyzeAndValidateProducerState does. Batches without a producer id (-1) are skipped.
   * Coordinator appends (transactional offset commits) carry no sequences: `fromClient` false
   * skips the duplicate and sequence checks, as Kafka does for its coordinator origin.
   */
  checkClientAppend(batches: readonly ProducerBatch[], fromClient = true): ClientAppendCheck {
    const updates = new Map<number, AppendInfo>();
    try {
      for (const batch of batches) {
        if (batch.producerId < 0) continue;
        const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffset - batch.firstOffset);
        const current = this.producers.get(batch.producerId);
        const duplicate = fromClient
          ? current?.findDuplicateBatch(batch.producerEpoch, batch.baseSequence, lastSeq)
          : undefined;
        if (duplicate !== undefined) return { kind: "duplicate", batch: duplicate };
        let info = updates.get(batch.producerId);
        if (info === undefined) {
          const entry = current ?? new ProducerStateEntry(batch.producerId);
          info = new AppendInfo(this.topicPartition, entry, fromClient);
          updates.set(batch.producerId, info);
        }
        info.appendDataBatch(batch, lastSeq);
      }
    } catch (e) {
      if (e instanceof ProducerCheckError) return { kind: "error", error: e.error, message: e.message };
      throw e;
    }
    const entries = new Map<number, ProducerStateEntry>();
    for (const [pid, info] of updates) entries.set(pid, info.updated);
    return { kind: "ok", update: new ProducerStateUpdate(entries, this.version) };
  }

  /** Applies a checked update once its batches are in the log. No other append may come between. */
  commit(update: ProducerStateUpdate): void {
    assert(update.baseVersion === this.version, "producer state changed between check and commit");
    for (const [pid, next] of update.entries) this.put(pid, next);
    this.version++;
  }

  /**
   * Rebuilds state from a batch read back from the log (recovery, or a follower's replication):
   * no sequence checks, an older epoch is taken as written.
   */
  replay(batch: ProducerBatch): void {
    if (batch.producerId < 0) return;
    const current = this.producers.get(batch.producerId) ?? new ProducerStateEntry(batch.producerId);
    const info = new AppendInfo(this.topicPartition, current, false);
    if (batch.control) info.appendEndTxnMarker(batch);
    else info.appendDataBatch(batch, incrementSequence(batch.baseSequence, batch.lastOffset - batch.firstOffset));
    this.put(batch.producerId, info.updated);
    this.version++;
  }

  /** Forgets producers with no data left at or after `logStartOffset` (after a reload, as Kafka does). */
  retainFrom(logStartOffset: number): void {
    for (const [pid, entry] of this.producers) {
      if (entry.isEmpty || entry.lastDataOffset < logStartOffset) this.producers.delete(pid);
    }
  }

  /** Drops producers idle for `producer.id.expiration.ms` with no open transaction. Returns how many. */
  removeExpiredProducers(nowMs: number): number {
    let removed = 0;
    for (const [pid, entry] of this.producers) {
      if (this.isExpired(entry, nowMs)) {
        this.producers.delete(pid);
        removed++;
      }
    }
    return removed;
  }

  /** Forgets everything (log truncated fully, or about to be replayed). */
  clear(): void {
    this.producers.clear();
    this.version++;
  }

  private isExpired(entry: ProducerStateEntry, nowMs: number): boolean {
    return entry.currentTxnFirstOffset === undefined && nowMs - entry.lastTimestamp >= this.producerIdExpirationMs;
  }

  private put(pid: number, next: ProducerStateEntry): void {
    const current = this.producers.get(pid);
    if (current !== undefined) {
      current.update(next);
      // Map order doubles as recency for eviction.
      this.producers.delete(pid);
      this.producers.set(pid, current);
      return;
    }
    if (this.producers.size >= this.maxProducerIds) this.evictOne();
    const entry = new ProducerStateEntry(pid);
    entry.update(next);
    this.producers.set(pid, entry);
  }

  /** Forgets the least recently written producer outside a transaction; it then restarts as unknown. */
  private evictOne(): void {
    for (const [pid, entry] of this.producers) {
      if (entry.currentTxnFirstOffset === undefined) {
        this.producers.delete(pid);
        return;
      }
    }
    const first = this.producers.keys().next();
    if (!first.done) this.producers.delete(first.value);
  }
}

/** The changes one append makes to one producer (Kafka's ProducerAppendInfo). */
class AppendInfo {
  readonly updated: ProducerStateEntry;

  constructor(
    private readonly topicPartition: string,
    private readonly current: ProducerStateEntry,
    private readonly fromClient: boolean,
  ) {
    this.updated = current.emptyCopy();
  }

  appendDataBatch(batch: ProducerBatch, lastSeq: number): void {
    this.checkProducerEpoch(batch.producerEpoch, batch.firstOffset);
    if (this.fromClient) this.checkSequence(batch.producerEpoch, batch.baseSequence, batch.firstOffset);
    this.updated.addBatch(
      batch.producerEpoch,
      lastSeq,
      batch.lastOffset,
      batch.lastOffset - batch.firstOffset,
      batch.maxTimestamp,
    );
    const open = this.updated.currentTxnFirstOffset;
    if (open !== undefined && !batch.transactional) {
      this.fail(
        "INVALID_TXN_STATE",
        `non-transactional batch from producer ${batch.producerId} while its transaction is open`,
      );
    } else if (open === undefined && batch.transactional) {
      this.updated.currentTxnFirstOffset = batch.firstOffset;
    }
  }

  appendEndTxnMarker(batch: ProducerBatch): void {
    this.checkProducerEpoch(batch.producerEpoch, batch.firstOffset);
    this.updated.maybeUpdateProducerEpoch(batch.producerEpoch);
    this.updated.currentTxnFirstOffset = undefined;
    this.updated.lastTimestamp = batch.maxTimestamp;
  }

  private checkProducerEpoch(producerEpoch: number, offset: number): void {
    if (producerEpoch < this.updated.producerEpoch && this.fromClient) {
      this.fail(
        "INVALID_PRODUCER_EPOCH",
        `epoch ${producerEpoch} of producer ${this.updated.producerId} at offset ${offset} in ${this.topicPartition} ` +
          `is older than the last seen epoch ${this.updated.producerEpoch}`,
      );
    }
  }

  private checkSequence(producerEpoch: number, firstSeq: number, offset: number): void {
    const pid = this.updated.producerId;
    if (producerEpoch !== this.updated.producerEpoch) {
      // A new epoch must start at sequence 0, unless we know nothing about the producer (KIP-360).
      if (firstSeq !== 0 && this.updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        this.fail(
          "OUT_OF_ORDER_SEQUENCE_NUMBER",
          `invalid sequence ${firstSeq} for new epoch ${producerEpoch} of producer ${pid} at offset ${offset} ` +
            `in ${this.topicPartition} (current epoch ${this.updated.producerEpoch})`,
        );
      }
      return;
    }
    let currentLastSeq: number;
    if (!this.updated.isEmpty) currentLastSeq = this.updated.lastSeq;
    else if (producerEpoch === this.current.producerEpoch) currentLastSeq = this.current.lastSeq;
    else currentLastSeq = -1;
    // With no epoch on record (all its data deleted by retention or DeleteRecords) any sequence goes.
    if (this.current.producerEpoch !== NO_PRODUCER_EPOCH && !inSequence(currentLastSeq, firstSeq)) {
      this.fail(
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
        `out of order sequence ${firstSeq} for producer ${pid} at offset ${offset} in ${this.topicPartition} ` +
          `(last sequence ${currentLastSeq})`,
      );
    }
  }

  private fail(error: ProducerErrorName, message: string): never {
    throw new ProducerCheckError(error, message);
  }
}
