import type { ClusterImage } from "@samsa/metadata";
import type { ErrorName } from "@samsa/protocol";
import { type Log, StorageError } from "@samsa/storage";
import type { FetchParams, FetchTarget, PartitionReadResult } from "../fetch/read-partitions.js";
import type { PartitionLogs } from "../partition-logs.js";
import { committedView } from "./committed-view.js";

const EMPTY: Buffer = Buffer.alloc(0);
/** read_committed cut at a transaction larger than the read: read more, up to this many times the size. */
const MAX_READ_GROWTH = 16;

/**
 * The log this broker keeps as an in-sync follower of the target's partition, or undefined (leader,
 * no replica here, or out of the ISR: a restarted follower's high watermark comes from its
 * recovery point and may be above what the leader committed until it has caught up).
 */
export function followerLog(
  image: ClusterImage,
  logs: PartitionLogs,
  nodeId: number,
  target: FetchTarget,
): Log | undefined {
  if (target.unresolved !== undefined || target.topicName === undefined) return undefined;
  const p = image.topics.get(target.topicName)?.partitions[target.request.partition];
  if (p === undefined || p.leaderId === nodeId || !p.replicas.includes(nodeId) || !p.isr.includes(nodeId))
    return undefined;
  return logs.getLog(target.topicName, target.request.partition);
}

/**
 * A consumer's Fetch (v11+) served by a follower (KIP-392): up to the follower's high watermark
 * (read_committed: only transactions whose marker the read holds, see `committedView`). A fetch
 * offset past the follower's log end or below its log start is OFFSET_OUT_OF_RANGE; between its
 * high watermark and log end the answer is empty, as Kafka's follower gives.
 */
export async function readFromFollower(
  image: ClusterImage,
  log: Log,
  target: FetchTarget,
  params: FetchParams,
  maxBytes: number,
): Promise<PartitionReadResult> {
  const req = target.request;
  const p = image.topics.get(target.topicName!)!.partitions[req.partition];
  const hw = log.highWatermark;
  const logStart = log.logStartOffset;
  const fail = (error: ErrorName): PartitionReadResult => ({
    target,
    error,
    highWatermark: hw,
    lastStableOffset: -1,
    logStartOffset: logStart,
    records: EMPTY,
    abortedTransactions: null,
  });
  if (req.currentLeaderEpoch >= 0 && req.currentLeaderEpoch < p.leaderEpoch) return fail("FENCED_LEADER_EPOCH");
  if (req.currentLeaderEpoch > p.leaderEpoch) return fail("UNKNOWN_LEADER_EPOCH");
  if (req.fetchOffset < logStart || req.fetchOffset > log.logEndOffset) return fail("OFFSET_OUT_OF_RANGE");
  const readUpTo = async (bytes: number): Promise<Buffer | ErrorName> => {
    if (req.fetchOffset >= hw) return EMPTY;
    try {
      return (await log.read(req.fetchOffset, bytes, { minOneMessage: true, maxOffset: hw })).records;
    } catch (e) {
      if (e instanceof StorageError && e.code === "OFFSET_OUT_OF_RANGE") return "OFFSET_OUT_OF_RANGE";
      if (e instanceof StorageError) return "KAFKA_STORAGE_ERROR";
      throw e;
    }
  };
  let records = await readUpTo(maxBytes);
  if (typeof records === "string") return fail(records);
  if (params.isolation !== "committed") {
    return { ...fail("NONE"), lastStableOffset: hw, records };
  }
  let view = committedView(records, req.fetchOffset);
  // A transaction bigger than the read would leave nothing to send: read more, within a bound.
  for (let grow = 2; view.records.length === 0 && view.cut && grow <= MAX_READ_GROWTH; grow *= 2) {
    records = await readUpTo(maxBytes * grow);
    if (typeof records === "string") return fail(records);
    view = committedView(records, req.fetchOffset);
  }
  return {
    ...fail("NONE"),
    lastStableOffset: view.cut ? view.endOffset : hw,
    records: view.records,
    abortedTransactions: view.aborted,
  };
}
