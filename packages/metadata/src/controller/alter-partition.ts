import type { ChangeResult } from "../changes.js";
import { MetadataErrorCode, metadataError } from "../errors.js";
import type { MetadataErrorCode as ErrorCodeValue } from "../errors.js";
import type { ClusterImage, TopicImage } from "../image.js";

/** A leader's request to change its partition's ISR (Kafka's AlterPartition). */
export interface AlterPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** The partition epoch the leader based its request on: a stale one is refused. */
  readonly partitionEpoch: number;
  readonly isr: readonly number[];
}

/**
 * The controller's AlterPartition decision: the request must come from the current leader in its
 * current epochs, name only live replicas, and keep the leader in the ISR. The committed ISR gets
 * a new partition epoch; only then may the leader count a shrunk ISR.
 */
export function alterPartition(
  image: ClusterImage,
  req: AlterPartitionRequest,
  live: ReadonlySet<number>,
): ChangeResult<TopicImage> {
  const fail = (code: ErrorCodeValue, message: string): ChangeResult<TopicImage> => ({
    ok: false,
    error: metadataError(code, message),
  });
  const topic = image.topics.get(req.topic);
  const p = topic?.partitions[req.partition];
  if (topic === undefined || p === undefined)
    return fail(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${req.topic}-${req.partition}`);
  if (p.leaderId !== req.leaderId || p.leaderEpoch !== req.leaderEpoch)
    return fail(MetadataErrorCode.FENCED_LEADER_EPOCH, "the request's leader or leader epoch is not current");
  if (p.partitionEpoch !== req.partitionEpoch)
    return fail(MetadataErrorCode.INVALID_UPDATE_VERSION, "the request's partition epoch is not current");
  if (!req.isr.includes(req.leaderId) || new Set(req.isr).size !== req.isr.length)
    return fail(MetadataErrorCode.INVALID_REQUEST, "the ISR must hold the leader once");
  for (const id of req.isr) {
    if (!p.replicas.includes(id)) return fail(MetadataErrorCode.INVALID_REQUEST, `broker ${id} is not a replica`);
    if (!live.has(id)) return fail(MetadataErrorCode.INELIGIBLE_REPLICA, `broker ${id} is not registered`);
  }
  const isr = p.replicas.filter((r) => req.isr.includes(r));
  const updated: TopicImage = {
    ...topic,
    partitions: topic.partitions.map((q) => (q === p ? { ...p, isr, partitionEpoch: p.partitionEpoch + 1 } : q)),
  };
  const topics = new Map(image.topics).set(topic.name, updated);
  return { ok: true, image: { ...image, topics, changeCount: image.changeCount + 1 }, value: updated };
}
