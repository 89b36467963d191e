import { assert } from "@samsa/common";
import type { ErrorName } from "@samsa/protocol";
import { groupPartition } from "../group-partition.js";
import {
  countPartitions,
  fromLogValue,
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  partitionList,
  type TopicPartition,
  type TxnAppend,
  type TxnAppendPurpose,
  type TxnMetadata,
  type TxnTransit,
} from "./txn-metadata.js";
import type { TxnLogRecord } from "./txn-records.js";
import { isValidTransition, TxnState, txnStateName } from "./txn-state.js";

export interface TransactionCoordinatorConfig {
  /** `transaction.state.log.num.partitions`. */
  readonly numPartitions: number;
  /** `transaction.max.timeout.ms`. */
  readonly maxTimeoutMs: number;
  /** `transactional.id.expiration.ms`. */
  readonly transactionalIdExpirationMs: number;
  /** Bound on transactional ids kept in memory; beyond it new ids are refused. */
  readonly maxTransactionalIds: number;
  /** Bound on the partitions of one transaction. */
  readonly maxPartitionsPerTxn: number;
}

export const DEFAULT_TRANSACTION_COORDINATOR_CONFIG: TransactionCoordinatorConfig = {
  numPartitions: 50,
  maxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  maxTransactionalIds: 100_000,
  maxPartitionsPerTxn: 10_000,
};

/** A step's outcome: answer now, or append a record first and answer from completeAppend. */
export type TxnStep =
  | { readonly kind: "answer"; readonly error: ErrorName; readonly producerId: number; readonly producerEpoch: number }
  | { readonly kind: "append"; readonly append: TxnAppend };

/** Commit or abort markers to write to every partition of a transaction, then report markersWritten. */
export interface MarkerJob {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly partitions: readonly TopicPartition[];
}

export interface AppendOutcome {
  /** The answer of the request that waited on the append. */
  readonly error: ErrorName;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Set when the append moved the transaction to PrepareCommit/PrepareAbort. */
  readonly markers?: MarkerJob;
}

export interface InitProducerIdInput {
  readonly transactionalId: string;
  readonly timeoutMs: number;
  /** -1 unless the producer recovers an existing id (KIP-360). */
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface ProducerRef {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface DescribedTransaction {
  readonly transactionalId: string;
  readonly state: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly timeoutMs: number;
  readonly startMs: number;
  readonly partitions: readonly TopicPartition[];
}

export interface ListTransactionsFilter {
  readonly states: readonly TxnState[];
  readonly producerIds: readonly number[];
  /** Only transactions open longer than this; -1 for all. */
  readonly minDurationMs: number;
}

interface PartitionLoad {
  readonly coordinatorEpoch: number;
  loaded: boolean;
}

const answer = (error: ErrorName, producerId = NO_PRODUCER_ID, producerEpoch = NO_PRODUCER_EPOCH): TxnStep => ({
  kind: "answer",
  error,
  producerId,
  producerEpoch,
});

/**
 * Kafka's transaction coordinator as a pure state machine over `__transaction_state`. Requests and
 * `now` come in; records to append, answers and marker jobs come out. A transactional id moves only
 * once its record is appended (completeAppend); meanwhile it answers CONCURRENT_TRANSACTIONS.
 */
export class TransactionCoordinator {
  readonly config: TransactionCoordinatorConfig;
  readonly #txns = new Map<string, TxnMetadata>();
  readonly #partitions = new Map<number, PartitionLoad>();

  constructor(config: TransactionCoordinatorConfig = DEFAULT_TRANSACTION_COORDINATOR_CONFIG) {
    assert(config.numPartitions > 0, "transaction.state.log.num.partitions must be positive");
    this.config = config;
  }

  partitionFor(transactionalId: string): number {
    return groupPartition(transactionalId, this.config.numPartitions);
  }

  get size(): number {
    return this.#txns.size;
  }

  /** NONE when this coordinator serves the id now; else NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS. */
  coordinatorError(transactionalId: string): ErrorName {
    const load = this.#partitions.get(this.partitionFor(transactionalId));
    if (load === undefined) return "NOT_COORDINATOR";
    return load.loaded ? "NONE" : "COORDINATOR_LOAD_IN_PROGRESS";
  }

  // ---- loading -------------------------------------------------------------------------------

  /** This broker became the leader of `partition` (with its leader epoch): replay its records next. */
  beginLoad(partition: number, coordinatorEpoch: number): void {
    this.unload(partition);
    this.#partitions.set(partition, { coordinatorEpoch, loaded: false });
  }

  /** Replays one record of a partition being loaded, in log order (the last record of an id wins). */
  replay(record: TxnLogRecord): void {
    const partition = this.partitionFor(record.transactionalId);
    assert(this.#partitions.get(partition)?.loaded === false, "replay outside of a load");
    if (record.value === null) this.#txns.delete(record.transactionalId);
    else this.#txns.set(record.transactionalId, fromLogValue(record.transactionalId, record.value));
  }

  /** Ends a load; transactions caught in PrepareCommit/PrepareAbort get their markers (re)sent. */
  completeLoad(partition: number): MarkerJob[] {
    const load = this.#partitions.get(partition);
    assert(load !== undefined && !load.loaded, "completeLoad without beginLoad");
    load.loaded = true;
    const jobs: MarkerJob[] = [];
    for (const t of this.#txns.values()) {
      if (this.partitionFor(t.transactionalId) !== partition) continue;
      if (t.state === TxnState.PrepareCommit || t.state === TxnState.PrepareAbort) jobs.push(this.#markerJob(t));
    }
    return jobs;
  }

  /** Forgets a partition (lost leadership, or a failed load). */
  unload(partition: number): void {
    this.#partitions.delete(partition);
    for (const id of this.#txns.keys()) if (this.partitionFor(id) === partition) this.#txns.delete(id);
  }

  // ---- requests ------------------------------------------------------------------------------

  /** InitProducerId with a transactional id. `freshProducerId` is used if a new id is needed. */
  initProducerId(req: InitProducerIdInput, freshProducerId: number, nowMs: number): TxnStep {
    if (req.timeoutMs <= 0 || req.timeoutMs > this.config.maxTimeoutMs) return answer("INVALID_TRANSACTION_TIMEOUT");
    const notServing = this.coordinatorError(req.transactionalId);
    if (notServing !== "NONE") return answer(notServing);
    let t = this.#txns.get(req.transactionalId);
    if (t === undefined) {
      if (this.#txns.size >= this.config.maxTransactionalIds) return answer("COORDINATOR_NOT_AVAILABLE");
      t = {
        transactionalId: req.transactionalId,
        producerId: freshProducerId,
        lastProducerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        timeoutMs: req.timeoutMs,
        state: TxnState.Empty,
        partitions: new Map(),
        startMs: -1,
        lastUpdateMs: nowMs,
        pending: undefined,
      };
      this.#txns.set(req.transactionalId, t);
    }
    if (t.pending !== undefined) return answer("CONCURRENT_TRANSACTIONS");
    const expected = req.producerId === NO_PRODUCER_ID ? undefined : req;
    if (expected !== undefined && !isValidProducerId(t, expected.producerId, expected.producerEpoch)) {
      return answer("PRODUCER_FENCED");
    }
    switch (t.state) {
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
      case TxnState.Dead:
      case TxnState.PrepareEpochFence:
        return answer("CONCURRENT_TRANSACTIONS");
      case TxnState.Ongoing:
        // Abort the open transaction under a bumped epoch; the producer retries and bumps once more.
        return this.#abort(t, "fenceAbort", nowMs);
      default:
        break;
    }
    if (isEpochExhausted(t.producerEpoch) && (expected === undefined || expected.producerEpoch === t.producerEpoch)) {
      return this.#prepare(t, "init", {
        ...this.#base(t, nowMs),
        producerId: freshProducerId,
        lastProducerId: t.producerId,
        producerEpoch: 0,
        lastProducerEpoch: expected === undefined ? NO_PRODUCER_EPOCH : t.producerEpoch,
        timeoutMs: req.timeoutMs,
        state: TxnState.Empty,
        partitions: new Map(),
        startMs: -1,
      });
    }
    const bumped = t.producerEpoch + 1;
    let epoch: number;
    let lastEpoch: number;
    if (expected === undefined) {
      epoch = bumped;
      lastEpoch = NO_PRODUCER_EPOCH;
    } else if (t.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === t.producerEpoch) {
      epoch = bumped;
      lastEpoch = t.producerEpoch;
    } else if (expected.producerEpoch === t.lastProducerEpoch) {
      // A retry of a bump whose answer the producer never got.
      epoch = t.producerEpoch;
      lastEpoch = t.lastProducerEpoch;
    } else return answer("PRODUCER_FENCED");
    return this.#prepare(t, "init", {
      ...this.#base(t, nowMs),
      producerEpoch: epoch,
      lastProducerEpoch: lastEpoch,
      timeoutMs: req.timeoutMs,
      state: TxnState.Empty,
      partitions: new Map(),
      startMs: -1,
    });
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn, with the group's `__consumer_offsets` partition). */
  addPartitions(req: ProducerRef, partitions: readonly TopicPartition[], nowMs: number): TxnStep {
    const checked = this.#checkProducer(req);
    if ("error" in checked) return checked.error;
    const meta = checked.meta;
    if (meta.pending !== undefined) return answer("CONCURRENT_TRANSACTIONS");
    if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) {
      return answer("CONCURRENT_TRANSACTIONS");
    }
    if (meta.state === TxnState.Dead || meta.state === TxnState.PrepareEpochFence) return answer("INVALID_TXN_STATE");
    const merged = new Map<string, Set<number>>();
    for (const [topic, ps] of meta.partitions) merged.set(topic, new Set(ps));
    let added = 0;
    for (const p of partitions) {
      let set = merged.get(p.topic);
      if (set === undefined) {
        set = new Set();
        merged.set(p.topic, set);
      }
      if (!set.has(p.partition)) {
        set.add(p.partition);
        added++;
      }
    }
    if (meta.state === TxnState.Ongoing && added === 0) {
      return answer("NONE", meta.producerId, meta.producerEpoch);
    }
    if (countPartitions(merged) > this.config.maxPartitionsPerTxn) return answer("INVALID_REQUEST");
    return this.#prepare(meta, "addPartitions", {
      ...this.#base(meta, nowMs),
      state: TxnState.Ongoing,
      partitions: merged,
      startMs: meta.state === TxnState.Ongoing ? meta.startMs : nowMs,
    });
  }

  /** AddPartitionsToTxn v4+ with verify_only: whether each partition is in the open transaction. */
  verifyPartitions(req: ProducerRef, partitions: readonly TopicPartition[]): ErrorName[] {
    const checked = this.#checkProducer(req);
    if ("error" in checked) {
      const error = checked.error.kind === "answer" ? checked.error.error : "UNKNOWN_SERVER_ERROR";
      return partitions.map(() => error);
    }
    const meta = checked.meta;
    if (meta.pending !== undefined && meta.pending.purpose !== "addPartitions") {
      return partitions.map(() => "CONCURRENT_TRANSACTIONS");
    }
    return partitions.map((p) =>
      meta.state === TxnState.Ongoing && meta.partitions.get(p.topic)?.has(p.partition) === true
        ? "NONE"
        : "INVALID_TXN_STATE",
    );
  }

  /** EndTxn: answers once PrepareCommit/PrepareAbort is appended; markers follow. */
  endTxn(req: ProducerRef, commit: boolean, nowMs: number): TxnStep {
    const checked = this.#checkProducer(req);
    if ("error" in checked) return checked.error;
    const meta = checked.meta;
    if (meta.pending !== undefined) return answer("CONCURRENT_TRANSACTIONS");
    const ok = answer("NONE", meta.producerId, meta.producerEpoch);
    switch (meta.state) {
      case TxnState.Ongoing:
        return commit
          ? this.#prepare(meta, "endTxn", this.#endTransit(meta, true, nowMs))
          : this.#abort(meta, "endTxn", nowMs);
      case TxnState.CompleteCommit:
        return commit ? ok : answer("INVALID_TXN_STATE");
      case TxnState.CompleteAbort:
        return commit ? answer("INVALID_TXN_STATE") : ok;
      case TxnState.PrepareCommit:
        return commit ? answer("CONCURRENT_TRANSACTIONS") : answer("INVALID_TXN_STATE");
      case TxnState.PrepareAbort:
        return commit ? answer("INVALID_TXN_STATE") : answer("CONCURRENT_TRANSACTIONS");
      default:
        return answer("INVALID_TXN_STATE");
    }
  }

  /**
   * The append of `append` finished with `error` (NONE on success): the transactional id moves on
   * (or stays, on failure) and the waiting request gets its answer.
   */
  completeAppend(append: TxnAppend, error: ErrorName, _nowMs: number): AppendOutcome {
    const t = this.#txns.get(append.transactionalId);
    if (t === undefined || t.pending !== append) {
      return { error: "NOT_COORDINATOR", producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    }
    t.pending = undefined;
    if (error !== "NONE") {
      if (append.purpose === "init" && t.producerEpoch === NO_PRODUCER_EPOCH) this.#txns.delete(t.transactionalId);
      return { error, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    }
    assert(isValidTransition(t.state, append.transit.state), `${t.transactionalId}: invalid transition`);
    if (append.purpose === "expire") {
      this.#txns.delete(t.transactionalId);
      return { error: "NONE", producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    }
    Object.assign(t, append.transit);
    const s = append.transit.state;
    const markers = s === TxnState.PrepareCommit || s === TxnState.PrepareAbort ? this.#markerJob(t) : undefined;
    return {
      error: append.purpose === "fenceAbort" ? "CONCURRENT_TRANSACTIONS" : "NONE",
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      markers,
    };
  }

  /** Every marker of `job` is written: the transaction completes (an append of CompleteCommit/Abort). */
  markersWritten(job: MarkerJob, nowMs: number): TxnAppend | undefined {
    const t = this.#txns.get(job.transactionalId);
    if (t === undefined || t.pending !== undefined || t.producerEpoch !== job.producerEpoch) return undefined;
    if (t.producerId !== job.producerId) return undefined;
    const state = job.commit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    if (t.state !== (job.commit ? TxnState.PrepareCommit : TxnState.PrepareAbort)) return undefined;
    const step = this.#prepare(t, "complete", { ...this.#base(t, nowMs), state, partitions: new Map() });
    return step.kind === "append" ? step.append : undefined;
  }

  /**
   * Periodic work: aborts transactions open longer than their timeout (bumping the epoch, which
   * fences the producer) and expires ids idle for `transactional.id.expiration.ms`.
   */
  poll(nowMs: number, maxAppends = 1000): TxnAppend[] {
    const out: TxnAppend[] = [];
    for (const t of this.#txns.values()) {
      if (out.length >= maxAppends) break;
      if (t.pending !== undefined || this.coordinatorError(t.transactionalId) !== "NONE") continue;
      let step: TxnStep | undefined;
      if (t.state === TxnState.Ongoing && t.startMs + t.timeoutMs < nowMs) step = this.#abort(t, "timeoutAbort", nowMs);
      else if (
        (t.state === TxnState.Empty || t.state === TxnState.CompleteCommit || t.state === TxnState.CompleteAbort) &&
        t.lastUpdateMs + this.config.transactionalIdExpirationMs <= nowMs
      ) {
        step = this.#prepare(t, "expire", { ...this.#base(t, nowMs), state: TxnState.Dead, partitions: new Map() });
      }
      if (step?.kind === "append") out.push(step.append);
    }
    return out;
  }

  /** When poll next has work: the earliest transaction timeout or id expiration (a scan of every id). */
  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const t of this.#txns.values()) {
      const at = this.#deadline(t);
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }

  /** When one transactional id next needs poll (its timeout or expiration), or null. */
  deadlineOf(transactionalId: string): number | null {
    const t = this.#txns.get(transactionalId);
    return t === undefined ? null : this.#deadline(t);
  }

  #deadline(t: TxnMetadata): number | null {
    if (t.pending !== undefined) return null;
    if (t.state === TxnState.Ongoing) return t.startMs + t.timeoutMs + 1;
    if (t.state === TxnState.Empty || t.state === TxnState.CompleteCommit || t.state === TxnState.CompleteAbort)
      return t.lastUpdateMs + this.config.transactionalIdExpirationMs;
    return null;
  }

  /** The record an append writes to `__transaction_state`. */
  static recordOf(append: TxnAppend): TxnLogRecord {
    if (append.transit.state === TxnState.Dead) return { transactionalId: append.transactionalId, value: null };
    const t = append.transit;
    const partitions = [...t.partitions].map(([topic, ps]) => ({
      topic,
      partitions: [...ps].sort((a, b) => a - b),
    }));
    return {
      transactionalId: append.transactionalId,
      value: {
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        timeoutMs: t.timeoutMs,
        state: t.state,
        partitions,
        lastUpdateMs: t.lastUpdateMs,
        startMs: t.startMs,
      },
    };
  }

  // ---- describe ------------------------------------------------------------------------------

  describe(transactionalId: string): DescribedTransaction | undefined {
    const t = this.#txns.get(transactionalId);
    if (t === undefined || t.state === TxnState.Dead) return undefined;
    return {
      transactionalId,
      state: txnStateName(t.state),
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      timeoutMs: t.timeoutMs,
      startMs: t.startMs,
      partitions: partitionList(t.partitions),
    };
  }

  list(filter: ListTransactionsFilter, nowMs: number): DescribedTransaction[] {
    const out: DescribedTransaction[] = [];
    for (const t of this.#txns.values()) {
      if (this.coordinatorError(t.transactionalId) !== "NONE" || t.state === TxnState.Dead) continue;
      if (filter.states.length > 0 && !filter.states.includes(t.state)) continue;
      if (filter.producerIds.length > 0 && !filter.producerIds.includes(t.producerId)) continue;
      if (filter.minDurationMs >= 0 && (t.state !== TxnState.Ongoing || nowMs - t.startMs <= filter.minDurationMs))
        continue;
      const d = this.describe(t.transactionalId);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  // ---- internals -----------------------------------------------------------------------------

  /** The id's metadata if it is served here and the producer matches; else the error answer. */
  #checkProducer(req: ProducerRef): { readonly meta: TxnMetadata } | { readonly error: TxnStep } {
    const notServing = this.coordinatorError(req.transactionalId);
    if (notServing !== "NONE") return { error: answer(notServing) };
    const t = this.#txns.get(req.transactionalId);
    if (t === undefined || t.producerId !== req.producerId) return { error: answer("INVALID_PRODUCER_ID_MAPPING") };
    if (t.producerEpoch !== req.producerEpoch) return { error: answer("PRODUCER_FENCED") };
    return { meta: t };
  }

  #base(t: TxnMetadata, nowMs: number): TxnTransit {
    return {
      producerId: t.producerId,
      lastProducerId: t.lastProducerId,
      producerEpoch: t.producerEpoch,
      lastProducerEpoch: t.lastProducerEpoch,
      timeoutMs: t.timeoutMs,
      state: t.state,
      partitions: t.partitions,
      startMs: t.startMs,
      lastUpdateMs: nowMs,
    };
  }

  #endTransit(t: TxnMetadata, commit: boolean, nowMs: number): TxnTransit {
    return { ...this.#base(t, nowMs), state: commit ? TxnState.PrepareCommit : TxnState.PrepareAbort };
  }

  /** Aborts the open transaction; timeouts and fencing bump the epoch so the old producer is fenced. */
  #abort(t: TxnMetadata, purpose: TxnAppendPurpose, nowMs: number): TxnStep {
    const transit = this.#endTransit(t, false, nowMs);
    if (purpose === "endTxn") return this.#prepare(t, purpose, transit);
    // An exhausted epoch is not bumped; the producer's retry of InitProducerId rotates the id.
    const epoch = isEpochExhausted(t.producerEpoch) ? t.producerEpoch : t.producerEpoch + 1;
    return this.#prepare(t, purpose, { ...transit, producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH });
  }

  #prepare(t: TxnMetadata, purpose: TxnAppendPurpose, transit: TxnTransit): TxnStep {
    assert(t.pending === undefined, "a transition is already in flight");
    assert(isValidTransition(t.state, transit.state), `${t.transactionalId}: invalid transition`);
    const append: TxnAppend = {
      transactionalId: t.transactionalId,
      partition: this.partitionFor(t.transactionalId),
      purpose,
      transit,
    };
    t.pending = append;
    return { kind: "append", append };
  }

  #markerJob(t: TxnMetadata): MarkerJob {
    const load = this.#partitions.get(this.partitionFor(t.transactionalId));
    return {
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      coordinatorEpoch: load?.coordinatorEpoch ?? 0,
      commit: t.state === TxnState.PrepareCommit,
      partitions: partitionList(t.partitions),
    };
  }
}

/** Kafka's isValidProducerId for InitProducerId with an expected producer id and epoch (KIP-360). */
function isValidProducerId(t: TxnMetadata, producerId: number, producerEpoch: number): boolean {
  return (
    t.producerEpoch === NO_PRODUCER_EPOCH ||
    producerId === t.producerId ||
    (producerId === t.lastProducerId && isEpochExhausted(producerEpoch))
  );
}
