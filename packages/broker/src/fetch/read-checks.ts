import type { ErrorName } from "@samsa/protocol";
import { Partition } from "../replica/partition.js";
import type { PartitionLookup } from "../replica/replica-manager.js";
import type { FetchParams, FetchTarget, PartitionReadResult } from "./read-partitions.js";

/** The records of an answer that has none, shared by every such answer (nothing writes to it). */
export const EMPTY_RECORDS = Buffer.alloc(0);

/** An answer carrying only an error (and, where Kafka sends them, the HW and log start offset). */
export function failure(
  target: FetchTarget,
  error: ErrorName,
  offsets?: { hw: number; logStart: number },
): PartitionReadResult {
  return {
    target,
    error,
    highWatermark: offsets?.hw ?? -1,
    lastStableOffset: -1,
    logStartOffset: offsets?.logStart ?? -1,
    records: EMPTY_RECORDS,
    abortedTransactions: null,
  };
}

/** Kafka's replica check for follower fetches: a broker outside the replica set is told to refresh. */
function followerError(lookup: PartitionLookup, params: FetchParams, target: FetchTarget): ErrorName | undefined {
  if (params.replicaId < 0 || "error" in lookup) return undefined;
  if (lookup.image.replicas.includes(params.replicaId)) return undefined;
  return target.request.currentLeaderEpoch >= 0 ? "UNKNOWN_LEADER_EPOCH" : "NOT_LEADER_OR_FOLLOWER";
}

/** The topic to read, or the answer for a target whose topic could not be resolved. */
export function resolvedTopic(target: FetchTarget): string | PartitionReadResult {
  if (target.unresolved !== undefined || target.topicName === undefined) {
    return failure(target, target.unresolved ?? "UNKNOWN_TOPIC_OR_PARTITION");
  }
  return target.topicName;
}

/**
 * What a read checks, once its partition was looked up, before it looks at offsets: this broker
 * leads the partition, the client's leader epoch, a follower's membership. A follower's fetch
 * offset is its log end offset, so it may move the HW over the ISR here, before the answer's HW is
 * taken. Returns the partition to read, or the answer refusing the read. Synchronous, so a read
 * pays one promise (the lookup's) for its checks.
 */
export function checkLookup(
  lookup: PartitionLookup,
  target: FetchTarget,
  params: FetchParams,
): Partition | PartitionReadResult {
  if ("error" in lookup) return failure(target, lookup.error);
  const { partition } = lookup;
  const req = target.request;
  const fenced = partition.state.checkLeaderEpoch(req.currentLeaderEpoch);
  if (fenced !== undefined) return failure(target, fenced);
  const notReplica = followerError(lookup, params, target);
  if (notReplica !== undefined) return failure(target, notReplica);
  if (params.replicaId >= 0) partition.onFollowerFetch(params.replicaId, req.fetchOffset);
  return partition;
}

/** Narrows checkLookup's answer. */
export function isPartition(checked: Partition | PartitionReadResult): checked is Partition {
  return checked instanceof Partition;
}

/**
 * Fetch v12+ with a last fetched epoch: where the consumer's log diverges from this one (the end
 * of that epoch here), OFFSET_OUT_OF_RANGE when the epoch is unknown here or the fetch offset is
 * below the log start, undefined when the logs agree up to the fetch offset.
 */
export function divergence(
  partition: Partition,
  target: FetchTarget,
  params: FetchParams,
  logStart: number,
): { readonly epoch: number; readonly endOffset: number } | "OFFSET_OUT_OF_RANGE" | undefined {
  const req = target.request;
  if (req.lastFetchedEpoch < 0 || params.apiVersion < 12) return undefined;
  const end = partition.log.endOffsetForEpoch(req.lastFetchedEpoch);
  if (end.endOffset < 0 || end.epoch < 0 || req.fetchOffset < logStart) return "OFFSET_OUT_OF_RANGE";
  if (end.epoch < req.lastFetchedEpoch || end.endOffset < req.fetchOffset) {
    return { epoch: end.epoch, endOffset: end.endOffset };
  }
  return undefined;
}

/** Clients before Fetch v10 cannot read zstd; Kafka refuses zstd topics to them outright. */
export function refusesZstd(partition: Partition, params: FetchParams): boolean {
  return params.apiVersion < 10 && params.replicaId < 0 && partition.settings.compressionType === "zstd";
}
