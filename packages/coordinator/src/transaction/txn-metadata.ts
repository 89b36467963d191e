import type { TxnLogValue, TxnTopicPartitions } from "./txn-records.js";
import type { TxnState } from "./txn-state.js";

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** Kafka rotates the producer id once the epoch reaches Short.MAX_VALUE - 1. */
export const MAX_PRODUCER_EPOCH = 32_767;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH - 1;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Why an append to `__transaction_state` was made: decides the answer once it lands. */
export type TxnAppendPurpose =
  | "init"
  | "addPartitions"
  | "endTxn"
  /** InitProducerId found a transaction open: it is aborted under a bumped epoch first. */
  | "fenceAbort"
  | "timeoutAbort"
  | "complete"
  | "expire";

/** The state a transactional id moves to once its record is appended (Kafka's TxnTransitMetadata). */
export interface TxnTransit {
  readonly producerId: number;
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TxnState;
  readonly partitions: ReadonlyMap<string, ReadonlySet<number>>;
  readonly startMs: number;
  readonly lastUpdateMs: number;
}

/** A record for `__transaction_state` whose append the caller reports back with completeAppend. */
export interface TxnAppend {
  readonly transactionalId: string;
  /** The `__transaction_state` partition it goes to. */
  readonly partition: number;
  readonly purpose: TxnAppendPurpose;
  readonly transit: TxnTransit;
}

/** What one transactional id looks like in memory (Kafka's TransactionMetadata). */
export interface TxnMetadata extends TxnTransit {
  readonly transactionalId: string;
  /** The append in flight; other requests meanwhile get CONCURRENT_TRANSACTIONS. */
  pending: TxnAppend | undefined;
}

export function partitionList(partitions: ReadonlyMap<string, ReadonlySet<number>>): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const [topic, ps] of partitions) for (const partition of ps) out.push({ topic, partition });
  return out;
}

export function countPartitions(partitions: ReadonlyMap<string, ReadonlySet<number>>): number {
  let n = 0;
  for (const ps of partitions.values()) n += ps.size;
  return n;
}

export function toLogValue(t: TxnTransit): TxnLogValue {
  const partitions: TxnTopicPartitions[] = [];
  for (const [topic, ps] of t.partitions) partitions.push({ topic, partitions: [...ps].sort((a, b) => a - b) });
  return {
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    timeoutMs: t.timeoutMs,
    state: t.state,
    partitions,
    lastUpdateMs: t.lastUpdateMs,
    startMs: t.startMs,
  };
}

export function fromLogValue(transactionalId: string, v: TxnLogValue): TxnMetadata {
  const partitions = new Map<string, Set<number>>();
  for (const p of v.partitions) partitions.set(p.topic, new Set(p.partitions));
  return {
    transactionalId,
    producerId: v.producerId,
    lastProducerId: NO_PRODUCER_ID,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs: v.timeoutMs,
    state: v.state,
    partitions,
    startMs: v.startMs,
    lastUpdateMs: v.lastUpdateMs,
    pending: undefined,
  };
}
