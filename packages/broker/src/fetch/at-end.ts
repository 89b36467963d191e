import type { ReplicaManager } from "../replica/replica-manager.js";
import { checkLookup, divergence, EMPTY_RECORDS, isPartition, refusesZstd, resolvedTopic } from "./read-checks.js";
import { type FetchParams, type FetchTarget, type PartitionReadResult, readResult } from "./read-partitions.js";

/**
 * The answer to a Fetch whose every partition is asked for at its fetchable end (the fetch offset
 * is the high watermark, the last stable offset for read_committed, the log end for a follower):
 * no records, with the offsets a read would report. A consumer following the tail asks exactly
 * this right after each answer, so its long poll parks (and an expired one is answered) without
 * reading. Undefined when any partition needs the read path: a refusal, a diverging epoch, a fetch
 * offset elsewhere, a log that would fail the read.
 */
export async function answerAtEnd(
  replicas: ReplicaManager,
  targets: readonly FetchTarget[],
  params: FetchParams,
): Promise<PartitionReadResult[] | undefined> {
  const out: PartitionReadResult[] = [];
  for (const target of targets) {
    const topic = resolvedTopic(target);
    if (typeof topic !== "string") return undefined;
    const partition = checkLookup(await replicas.getPartition(topic, target.request.partition), target, params);
    if (!isPartition(partition)) return undefined;
    const fetchOffset = target.request.fetchOffset;
    const end = partition.fetchableEnd(params.isolation);
    if (fetchOffset !== end || !partition.log.readsNothingAt(fetchOffset, end)) return undefined;
    const logStart = partition.log.logStartOffset;
    if (refusesZstd(partition, params) || divergence(partition, target, params, logStart) !== undefined)
      return undefined;
    const aborted = params.isolation === "committed" ? [] : null;
    const { highWatermark, lastStableOffset } = partition.state;
    out.push(readResult(target, partition, highWatermark, lastStableOffset, logStart, EMPTY_RECORDS, aborted));
  }
  return out;
}
