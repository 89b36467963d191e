import { AclOperation } from "@samsa/metadata";
import { type ErrorName, ErrorCode, type ListOffsetsResponseListOffsetsPartitionResponse } from "@samsa/protocol";
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, StorageError } from "@samsa/storage";
import type { FetchIsolation, Partition } from "../replica/partition.js";
import { topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** ListOffsets sentinels beyond storage's: local log start (KIP-405) and latest tiered offset. */
const EARLIEST_LOCAL_TIMESTAMP = -4;
const LATEST_TIERED_TIMESTAMP = -5;
const CONSUMER_REPLICA_ID = -1;

interface Found {
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number;
}

class OffsetLookupError extends Error {
  constructor(readonly error: ErrorName) {
    super(error);
  }
}

/**
 * Kafka's Partition.fetchOffsetForTimestamp: consumers see up to the HW (or LSO), other callers up
 * to the log end. A new leader whose HW has not yet reached its epoch's start answers
 * OFFSET_NOT_AVAILABLE for "latest" and for found offsets.
 */
async function lookup(
  partition: Partition,
  timestamp: number,
  isolation: FetchIsolation | undefined,
): Promise<Found | undefined> {
  const lastFetchable = partition.fetchableEnd(isolation ?? "logEnd");
  const epochStart = partition.epochStartOffset();
  const lagging = isolation !== undefined && epochStart !== undefined && epochStart > partition.state.highWatermark;
  const log = partition.log;
  switch (timestamp) {
    case LATEST_TIMESTAMP:
      if (lagging) throw new OffsetLookupError("OFFSET_NOT_AVAILABLE");
      return { timestamp: -1, offset: lastFetchable, leaderEpoch: partition.state.leaderEpoch };
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP: {
      const first = log.leaderEpochCache.all[0];
      const epoch = first !== undefined && first.startOffset <= log.logStartOffset ? first.epoch : -1;
      return { timestamp: -1, offset: log.logStartOffset, leaderEpoch: epoch };
    }
    case LATEST_TIERED_TIMESTAMP:
      return { timestamp: -1, offset: -1, leaderEpoch: -1 };
    default: {
      const found = timestamp === MAX_TIMESTAMP ? log.maxTimestampAndOffset() : await log.offsetForTimestamp(timestamp);
      if (found === undefined) return undefined;
      if (lagging) throw new OffsetLookupError("OFFSET_NOT_AVAILABLE");
      if (found.offset >= lastFetchable) return undefined;
      return found;
    }
  }
}

/**
 * ListOffsets v0's answer (Kafka's legacyFetchOffsetsBefore): segment base offsets and the log end,
 * newest first, at most maxNumOffsets; consumers never see past the HW. Segment modification
 * times are not tracked, so a timestamp lookup counts every segment as written now.
 */
function legacyOffsets(partition: Partition, timestamp: number, maxNumOffsets: number, nowMs: number): number[] {
  const log = partition.log;
  const points = log.segmentBaseOffsets.map((b) => Math.max(b, log.logStartOffset));
  if (log.logEndOffset > (log.segmentBaseOffsets.at(-1) ?? 0)) points.push(log.logEndOffset);
  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = points.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
  else start = timestamp >= nowMs ? points.length - 1 : -1;
  const out: number[] = [];
  for (let i = start; i >= 0 && out.length < maxNumOffsets; i--) out.push(points[i]);
  const hw = partition.state.highWatermark;
  return out.some((o) => o > hw) ? [hw, ...out.filter((o) => o <= hw)] : out;
}

/**
 * ListOffsets v0-v10: earliest (-2), latest (-1, the HW for consumers), max timestamp (-3), local
 * and tiered sentinels (-4, -5), or the first offset whose batch reaches a timestamp; v0 answers
 * in its old shape. Duplicated partitions get INVALID_REQUEST (v1+).
 */
export const listOffsetsHandler = defineHandler({
  apiKey: 2,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req) {
    const { replicas } = ctx.dataPath;
    const version = ctx.apiVersion;
    const isolation: FetchIsolation | undefined =
      req.replicaId !== CONSUMER_REPLICA_ID ? undefined : req.isolationLevel === 1 ? "committed" : "highWatermark";
    const seen = new Map<string, number>();
    for (const t of req.topics) {
      for (const p of t.partitions)
        seen.set(`${t.name}\u0000${p.partitionIndex}`, (seen.get(`${t.name}\u0000${p.partitionIndex}`) ?? 0) + 1);
    }
    const answer = async (
      topic: string,
      p: (typeof req.topics)[number]["partitions"][number],
    ): Promise<ListOffsetsResponseListOffsetsPartitionResponse> => {
      const response = (error: ErrorName, found?: Found, old: number[] = []) => ({
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode[error],
        oldStyleOffsets: version === 0 ? old.map(BigInt) : [],
        timestamp: version >= 1 ? BigInt(found?.timestamp ?? -1) : -1n,
        offset: version >= 1 ? BigInt(found?.offset ?? -1) : -1n,
        leaderEpoch: version >= 4 ? (found?.leaderEpoch ?? -1) : -1,
      });
      if (!topicAllowed(ctx, topic, AclOperation.DESCRIBE)) return response("TOPIC_AUTHORIZATION_FAILED");
      if (version >= 1 && (seen.get(`${topic}\u0000${p.partitionIndex}`) ?? 0) > 1) return response("INVALID_REQUEST");
      const found = await replicas.getPartition(topic, p.partitionIndex);
      if ("error" in found) return response(found.error);
      const partition = found.partition;
      const fenced = partition.state.checkLeaderEpoch(p.currentLeaderEpoch);
      if (fenced !== undefined) return response(fenced);
      const timestamp = Number(p.timestamp);
      if (version === 0) {
        return response(
          "NONE",
          undefined,
          legacyOffsets(partition, timestamp, p.maxNumOffsets, replicas.clock.nowMs()),
        );
      }
      try {
        return response("NONE", await lookup(partition, timestamp, isolation));
      } catch (e) {
        if (e instanceof OffsetLookupError) return response(e.error);
        if (e instanceof StorageError) {
          // A log closed by its topic's deletion mid-lookup: Kafka, whose deletion waits for the
          // lookup, answers as if the request came after it; a disk failure stays a storage error.
          const now = ctx.metadata.image.topics.get(topic);
          return response(now?.topicId === found.topic.topicId ? "KAFKA_STORAGE_ERROR" : "UNKNOWN_TOPIC_OR_PARTITION");
        }
        throw e;
      }
    };
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(t.partitions.map((p) => answer(t.name, p))),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});
