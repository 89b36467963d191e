import {
  DEFAULT_MAX_UNCOMPRESSED_BYTES,
  downConvert,
  type ErrorName,
  magicForFetchVersion,
  RecordValidationError,
} from "@samsa/protocol";
import type { FetchPartitionRequest } from "@samsa/replication";
import { BufferPool, StorageError } from "@samsa/storage";
import type { FetchIsolation, Partition } from "../replica/partition.js";
import { AnswersAhead, lastOffsetIn, MAX_AHEAD_BYTES } from "./answer-ahead.js";
import type { AbortedTxn } from "../txn/partition-txns.js";
import type { ReplicaManager } from "../replica/replica-manager.js";
import {
  checkLookup,
  divergence,
  EMPTY_RECORDS,
  failure,
  isPartition,
  refusesZstd,
  resolvedTopic,
} from "./read-checks.js";

/** How this fetch reads: who asks, what they may see, and the request-wide byte limits. */
export interface FetchParams {
  readonly apiVersion: number;
  /** -1 for consumers; a broker id for followers. */
  readonly replicaId: number;
  readonly isolation: FetchIsolation;
  readonly maxBytes: number;
  readonly minBytes: number;
  readonly maxWaitMs: number;
}

/** One partition to read, its topic resolved (or the reason it could not be). */
export interface FetchTarget {
  readonly request: FetchPartitionRequest;
  readonly topicName: string | undefined;
  readonly topicId: string;
  /** Set when the topic could not be resolved: UNKNOWN_TOPIC_ID or UNKNOWN_TOPIC_OR_PARTITION. */
  readonly unresolved?: ErrorName;
}

export interface PartitionReadResult {
  readonly target: FetchTarget;
  readonly error: ErrorName;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  readonly records: Buffer;
  readonly divergingEpoch?: { readonly epoch: number; readonly endOffset: number };
  /** For read_committed the aborted transactions among the records; null for read_uncommitted. */
  readonly abortedTransactions: readonly AbortedTxn[] | null;
  /** The replica read, for parking a delayed fetch on it. */
  readonly partition?: Partition;
  /**
   * Gives the pooled read buffer behind `records` back to storage: call once, when no response
   * references the bytes any more (after the socket wrote them, or when the result is dropped).
   */
  readonly release?: () => void;
}

/** Releases the read buffers of results no response will reference. */
export function releaseAll(results: readonly PartitionReadResult[]): void {
  for (const r of results) r.release?.();
}

/** Down-converted copies for Fetch v0-3, reused once their response is written (as read buffers). */
const convertedBuffers = new BufferPool(32 * 1024 * 1024);

/**
 * What Kafka sends a Fetch v0-v2 (no KIP-74) whose first message does not fit the limit: the start
 * of a message (offset -1, a length beyond the bytes sent). Clients take it as a partial message
 * and grow their fetch size; an empty answer would have them refetch the same offset forever.
 */
const OVERFLOW_MESSAGE = (() => {
  const b = Buffer.alloc(12);
  b.writeBigInt64BE(-1n, 0);
  b.writeInt32BE(61, 8);
  return b;
})();

async function readOne(
  replicas: ReplicaManager,
  target: FetchTarget,
  params: FetchParams,
  maxBytes: number,
  minOneMessage: boolean,
): Promise<PartitionReadResult> {
  const topic = resolvedTopic(target);
  if (typeof topic !== "string") return topic;
  const partition = checkLookup(await replicas.getPartition(topic, target.request.partition), target, params);
  if (!isPartition(partition)) return partition;
  const req = target.request;
  const hw = partition.state.highWatermark;
  const lso = partition.state.lastStableOffset;
  const logStart = partition.log.logStartOffset;
  let aborted: AbortedTxn[] | null = params.isolation === "committed" ? [] : null;
  const diverged = divergence(partition, target, params, logStart);
  if (diverged === "OFFSET_OUT_OF_RANGE") return failure(target, diverged, { hw, logStart });
  if (diverged !== undefined) {
    return readResult(target, partition, hw, lso, logStart, EMPTY_RECORDS, aborted, undefined, diverged);
  }
  const zstdRefused = refusesZstd(partition, params);
  const magic = magicForFetchVersion(params.apiVersion);
  const ahead = !zstdRefused && req.fetchOffset >= logStart && usesAnswerAhead(params, maxBytes);
  // A consumer following the tail finds nothing prepared: no key to build, no promise to await.
  if (ahead && answersAhead.size > 0) {
    const key = AnswersAhead.key(partition, req.fetchOffset, magic, maxBytes, params.isolation);
    const ready = await answersAhead.take(
      key,
      partition,
      partition.state.leaderEpoch,
      partition.fetchableEnd(params.isolation),
    );
    if (ready !== undefined) {
      prepareAhead(partition, ready.nextOffset, magic, maxBytes, params.isolation);
      if (aborted !== null) aborted = partition.abortedTransactions(req.fetchOffset, lso);
      return readResult(target, partition, hw, lso, logStart, ready.records, aborted, ready.release);
    }
  }
  let records: Buffer;
  let release: () => void;
  try {
    const read = await partition.read(req.fetchOffset, maxBytes, minOneMessage, params.isolation);
    records = read.records;
    release = read.release;
  } catch (e) {
    if (e instanceof StorageError && e.code === "OFFSET_OUT_OF_RANGE") {
      return failure(target, "OFFSET_OUT_OF_RANGE", { hw, logStart });
    }
    if (e instanceof StorageError) return failure(target, "KAFKA_STORAGE_ERROR");
    throw e;
  }
  if (zstdRefused) {
    release();
    return failure(target, "UNSUPPORTED_COMPRESSION_TYPE");
  }
  if (
    params.apiVersion < 3 &&
    records.length === 0 &&
    maxBytes > 0 &&
    req.fetchOffset < partition.fetchableEnd(params.isolation)
  ) {
    release();
    return readResult(target, partition, hw, lso, logStart, OVERFLOW_MESSAGE, aborted);
  }
  if (records.length > 0) {
    const nextOffset = lastOffsetIn(records) + 1;
    if (magic !== 2) {
      try {
        ({ records, release } = convert(records, release, magic));
      } catch (e) {
        if (e instanceof RecordValidationError) return failure(target, e.code, { hw, logStart });
        throw e;
      }
    }
    if (ahead) prepareAhead(partition, nextOffset, magic, maxBytes, params.isolation);
  }
  if (aborted !== null && records.length > 0) aborted = partition.abortedTransactions(req.fetchOffset, lso);
  return readResult(target, partition, hw, lso, logStart, records, aborted, release);
}

/** A read's answer, every field written out (a spread plus fields costs ~1 KB per answer on V8). */
export function readResult(
  target: FetchTarget,
  partition: Partition,
  highWatermark: number,
  lastStableOffset: number,
  logStartOffset: number,
  records: Buffer,
  abortedTransactions: readonly AbortedTxn[] | null,
  release?: () => void,
  divergingEpoch?: { readonly epoch: number; readonly endOffset: number },
): PartitionReadResult {
  return {
    target,
    error: "NONE",
    highWatermark,
    lastStableOffset,
    logStartOffset,
    records,
    divergingEpoch,
    abortedTransactions,
    partition,
    release,
  };
}

/**
 * Down-converts read batches for Fetch v0-3 into a pooled copy (or a view of the read, when they
 * are already legacy). The returned release gives back both; on an error both are given back.
 */
function convert(records: Buffer, releaseRead: () => void, magic: 0 | 1): { records: Buffer; release: () => void } {
  let converted: Buffer | undefined;
  let out: Buffer;
  try {
    out = downConvert(records, magic, {
      maxUncompressedBytes: DEFAULT_MAX_UNCOMPRESSED_BYTES,
      alloc: (bytes) => {
        converted = convertedBuffers.acquire(bytes);
        return converted;
      },
    });
  } catch (e) {
    releaseRead();
    if (converted !== undefined) convertedBuffers.release(converted);
    throw e;
  }
  const copy = converted;
  // A down-converted copy may still share the read buffer (legacy batches pass through): release after the write.
  const release =
    copy === undefined
      ? releaseRead
      : () => {
          releaseRead();
          convertedBuffers.release(copy);
        };
  return { records: out, release };
}

/** Consumers' answers prepared ahead of their request (see AnswersAhead). */
const answersAhead = new AnswersAhead();

/**
 * Consumers' reads. An answer is prepared without KIP-74's first-batch rule and only kept when
 * it has records: then the rule would not have changed it, so it serves either kind of read.
 */
function usesAnswerAhead(params: FetchParams, maxBytes: number): boolean {
  return params.replicaId < 0 && maxBytes > 0 && maxBytes <= MAX_AHEAD_BYTES;
}

/**
 * Once this answer is on its way (setImmediate: after the response is written), reads (and for
 * Fetch v0-3 converts) the one for `nextOffset`, if the partition has data there; once that one
 * is ready, the one after it too (`second`: that one starts no further answer).
 */
function prepareAhead(
  partition: Partition,
  nextOffset: number,
  magic: 0 | 1 | 2,
  maxBytes: number,
  isolation: FetchIsolation,
  second = false,
): void {
  // A consumer at the bound (following the tail) gets nothing prepared: its next answer is not there yet.
  if (nextOffset >= partition.fetchableEnd(isolation)) return;
  const key = AnswersAhead.key(partition, nextOffset, magic, maxBytes, isolation);
  const prepare = async () => {
    const fetchableEnd = partition.fetchableEnd(isolation);
    if (nextOffset >= fetchableEnd) return undefined;
    const leaderEpoch = partition.state.leaderEpoch;
    const read = await partition.read(nextOffset, maxBytes, false, isolation);
    if (read.records.length === 0) {
      read.release();
      return undefined;
    }
    const after = lastOffsetIn(read.records) + 1;
    const { records, release } =
      magic === 2 ? { records: read.records, release: read.release } : convert(read.records, read.release, magic);
    return {
      answer: { records, release, nextOffset: after },
      snapshot: { partition, leaderEpoch, fetchableEnd, limitBound: after < fetchableEnd },
    };
  };
  setImmediate(() => {
    if (second) answersAhead.startSecond(key, prepare);
    else if (magic === 2) answersAhead.start(key, prepare);
    else answersAhead.start(key, prepare, (after) => prepareAhead(partition, after, magic, maxBytes, isolation, true));
  });
}

/**
 * Reads the partitions in order within the request's byte budget, as Kafka's readFromLog: each
 * partition gets min(its max, what is left); from v3 the first partition with data returns its
 * first batch whole even beyond the limits (KIP-74). A consumer's partitions are read concurrently
 * first where that gives the same answer (see readConcurrently); a result is read again in order
 * only where the sequential walk would have read it differently.
 */
export async function readPartitions(
  replicas: ReplicaManager,
  targets: readonly FetchTarget[],
  params: FetchParams,
): Promise<PartitionReadResult[]> {
  const early =
    params.replicaId < 0 && targets.length > 1 ? await readConcurrently(replicas, targets, params) : NOTHING_EARLY;
  let remaining = params.maxBytes;
  let minOneMessage = params.apiVersion >= 3;
  const out: PartitionReadResult[] = [];
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    const limit = Math.max(0, Math.min(target.request.partitionMaxBytes, remaining));
    let result: PartitionReadResult | undefined;
    if (i < early.length) {
      const e = early[i];
      // minOneMessage changes only an answer that came back empty (its first batch over the limit).
      const same = e.limit === limit && (e.minOneMessage === minOneMessage || e.result.records.length > 0);
      if (same) result = e.result;
      else e.result.release?.();
    }
    result ??= await readOne(replicas, target, params, limit, minOneMessage);
    if (result.records.length > 0) minOneMessage = false;
    remaining = Math.max(0, remaining - result.records.length);
    out.push(result);
  }
  return out;
}

/** What readConcurrently read, with the limit and rule each partition was read with. */
interface EarlyRead {
  readonly result: PartitionReadResult;
  readonly limit: number;
  readonly minOneMessage: boolean;
}

const NOTHING_EARLY: readonly EarlyRead[] = [];

/**
 * While the request's byte budget cannot bind (the partitions' limits add up to no more than it),
 * every partition reads up to its own limit whatever the others return: a consumer's partitions
 * are read (and down-converted) at once instead of one by one. From v3 only the first is read
 * with KIP-74's first-batch rule; a later one that needs it is read again in order. A request
 * whose budget may bind reads in order only.
 */
async function readConcurrently(
  replicas: ReplicaManager,
  targets: readonly FetchTarget[],
  params: FetchParams,
): Promise<readonly EarlyRead[]> {
  const limits = targets.map((t) => Math.max(0, Math.min(t.request.partitionMaxBytes, params.maxBytes)));
  const sum = limits.reduce((n, l) => n + l, 0);
  if (params.apiVersion >= 3 && sum > params.maxBytes) return [];
  return Promise.all(
    targets.map(async (t, i) => {
      const minOneMessage = params.apiVersion >= 3 && i === 0;
      return { result: await readOne(replicas, t, params, limits[i], minOneMessage), limit: limits[i], minOneMessage };
    }),
  );
}
