import { isInternalTopic } from "@samsa/metadata";
import { type ErrorName, isTransactional, type RecordError } from "@samsa/protocol";
import type { LeaderAppendResult, Partition } from "../replica/partition.js";
import type { ReplicaManager } from "../replica/replica-manager.js";
import { type RecordsCheck, type ValidateOptions, validateProduceRecords } from "./validate-records.js";

/** What one partition of a ProduceResponse says, before encoding. */
export interface PartitionProduceResult {
  readonly index: number;
  readonly error: ErrorName;
  readonly baseOffset: number;
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  readonly recordErrors: readonly RecordError[];
  readonly errorMessage: string | null;
  /** Set for appended (or duplicate) partitions: acks=-1 waits for the HW to reach it. */
  readonly ack?: { readonly partition: Partition; readonly requiredOffset: number };
}

export interface AppendRequest {
  readonly topic: string;
  readonly index: number;
  readonly records: Buffer | readonly Buffer[] | null;
  readonly apiVersion: number;
  readonly acks: number;
  readonly transactionalId: string | null;
  /**
   * KIP-890 verification of a transactional batch: NONE when the producer's open transaction has
   * added this partition, else the error to answer. Absent: transactional batches are refused.
   */
  readonly verifyTransaction?: (producerId: number, producerEpoch: number) => ErrorName;
}

/** Errors Kafka answers without a log start offset (its UNKNOWN_LOG_APPEND_INFO cases). */
const WITHOUT_LOG_START_OFFSET: ReadonlySet<ErrorName> = new Set<ErrorName>([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "CORRUPT_MESSAGE",
  "KAFKA_STORAGE_ERROR",
  "INVALID_TOPIC_EXCEPTION",
  "UNSUPPORTED_COMPRESSION_TYPE",
]);

export function failed(
  index: number,
  error: ErrorName,
  logStartOffset = -1,
  recordErrors: readonly RecordError[] = [],
  errorMessage: string | null = null,
): PartitionProduceResult {
  return {
    index,
    error,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: WITHOUT_LOG_START_OFFSET.has(error) ? -1 : logStartOffset,
    recordErrors,
    errorMessage,
  };
}

/**
 * Per broker and partition, the turn of the latest append begun. Requests are handled concurrently
 * (see Connection) and validating a compressed batch awaits the codec, so without turns a small
 * batch could overtake a large compressed one sent before it on the same connection and take the
 * earlier offsets; Kafka handles a connection's requests one at a time. Entries go once idle, so
 * a map holds at most the partitions with appends in progress.
 */
const appendTurns = new WeakMap<ReplicaManager, Map<string, Promise<void>>>();

function turnsOf(replicas: ReplicaManager): Map<string, Promise<void>> {
  let turns = appendTurns.get(replicas);
  if (turns === undefined) {
    turns = new Map();
    appendTurns.set(replicas, turns);
  }
  return turns;
}

/** Waits for the appends to `key` begun before this call; call `done` when finished. */
function takeTurn(turns: Map<string, Promise<void>>, key: string): { ready: Promise<void>; done: () => void } {
  const previous = turns.get(key) ?? Promise.resolve();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // The next append waits for this one and, through it, for every earlier one.
  const turn = previous.then(() => finished);
  turns.set(key, turn);
  return {
    ready: previous,
    done: () => {
      finish();
      void turn.then(() => {
        if (turns.get(key) === turn) turns.delete(key);
      });
    },
  };
}

async function inTurn(
  turns: Map<string, Promise<void>>,
  key: string,
  append: (ready: Promise<void>) => Promise<PartitionProduceResult>,
): Promise<PartitionProduceResult> {
  // Taken before any await, so turns follow the order in which requests arrived.
  const turn = takeTurn(turns, key);
  try {
    return await append(turn.ready);
  } finally {
    turn.done();
  }
}

/**
 * One partition of a produce, as Kafka's KafkaApis + ReplicaManager.appendToLocalLog answer it:
 * topic and partition checks, record validation, the transactional and min.insync.replicas
 * checks, then the leader append with idempotent-producer checks. With no append of the partition
 * in progress here, an open replica and uncompressed records, all of it runs in the caller's turn
 * down to the log write (a result, not a promise, unless the log or a flush needs an await).
 */
export function appendPartition(
  replicas: ReplicaManager,
  req: AppendRequest,
): PartitionProduceResult | Promise<PartitionProduceResult> {
  const turns = turnsOf(replicas);
  // Mostly no partition has a turn in progress: then no key is built.
  if (turns.size > 0) {
    const key = turnKey(req);
    if (turns.has(key)) return inTurn(turns, key, (ready) => appendInTurn(replicas, req, ready));
  }
  const lookup = replicas.getPartitionNow(req.topic, req.index);
  if (lookup === undefined) return inTurn(turns, turnKey(req), (ready) => appendInTurn(replicas, req, ready));
  if ("error" in lookup) return failed(req.index, lookup.error);
  const { partition } = lookup;
  const checked = validateProduceRecords(req.records, validateOptions(replicas, req, partition));
  if (checked instanceof Promise) {
    return inTurn(turns, turnKey(req), async (ready) => appendValidated(req, partition, await checked, ready));
  }
  const refused = refusal(req, partition, checked);
  if (refused !== undefined || !checked.ok || checked.records === null) return refused ?? failed(req.index, "NONE");
  let result: LeaderAppendResult | Promise<LeaderAppendResult>;
  try {
    result = partition.appendAsLeaderNow(checked.records, checked.batches);
  } catch (e) {
    checked.release?.();
    throw e;
  }
  if (result instanceof Promise) {
    const release = checked.release;
    return result.then((r) => toResult(req, partition, r)).finally(() => release?.());
  }
  checked.release?.();
  return toResult(req, partition, result);
}

function turnKey(req: AppendRequest): string {
  return `${req.index}:${req.topic}`;
}

function validateOptions(replicas: ReplicaManager, req: AppendRequest, partition: Partition): ValidateOptions {
  return {
    apiVersion: req.apiVersion,
    settings: partition.settings,
    nowMs: replicas.clock.nowMs(),
    topicPartition: `${req.topic}-${req.index}`,
  };
}

async function appendInTurn(
  replicas: ReplicaManager,
  req: AppendRequest,
  ready: Promise<void>,
): Promise<PartitionProduceResult> {
  const lookup = await replicas.getPartition(req.topic, req.index);
  if ("error" in lookup) return failed(req.index, lookup.error);
  const { partition } = lookup;
  const checked = await validateProduceRecords(req.records, validateOptions(replicas, req, partition));
  return appendValidated(req, partition, checked, ready);
}

/** The answer without appending (a refusal, or no records), if there is one. */
function refusal(req: AppendRequest, partition: Partition, checked: RecordsCheck): PartitionProduceResult | undefined {
  const logStartOffset = partition.log.logStartOffset;
  if (!checked.ok) {
    // Record-level errors come with Kafka's summary message; batch-level ones without.
    const message = checked.recordErrors.length > 0 ? checked.message : null;
    return failed(req.index, checked.error, logStartOffset, checked.recordErrors, message);
  }
  if (isInternalTopic(req.topic)) return failed(req.index, "INVALID_TOPIC_EXCEPTION");
  if (checked.records === null) {
    return { ...failed(req.index, "NONE", logStartOffset), logStartOffset };
  }
  const transactional = checked.batches.find((b) => isTransactional(b.validation.header.attributes));
  if (transactional !== undefined) {
    const h = transactional.validation.header;
    const error = req.verifyTransaction?.(h.producerId, h.producerEpoch) ?? "INVALID_TXN_STATE";
    if (error !== "NONE") return failed(req.index, error, logStartOffset);
  }
  if (req.acks === -1 && partition.state.isr.length < partition.settings.minInsyncReplicas) {
    return failed(req.index, "NOT_ENOUGH_REPLICAS", logStartOffset);
  }
  return undefined;
}

async function appendValidated(
  req: AppendRequest,
  partition: Partition,
  checked: RecordsCheck,
  ready: Promise<void>,
): Promise<PartitionProduceResult> {
  const refused = refusal(req, partition, checked);
  if (refused !== undefined || !checked.ok || checked.records === null) return refused ?? failed(req.index, "NONE");
  // Validation (inflating compressed batches) ran concurrently; appends go in arrival order.
  let result: LeaderAppendResult;
  try {
    await ready;
    result = await partition.appendAsLeader(checked.records, checked.batches);
  } finally {
    // The bytes are in the log file (or refused): nothing reads the buffer from here on.
    checked.release?.();
  }
  return toResult(req, partition, result);
}

function toResult(req: AppendRequest, partition: Partition, result: LeaderAppendResult): PartitionProduceResult {
  if (result.kind === "error") return failed(req.index, result.error, result.logStartOffset);
  return {
    index: req.index,
    error: "NONE",
    baseOffset: result.baseOffset,
    logAppendTimeMs: result.logAppendTimeMs,
    logStartOffset: result.logStartOffset,
    recordErrors: [],
    errorMessage: null,
    ack: { partition, requiredOffset: result.lastOffset + 1 },
  };
}
