import type { ChangeResult } from "../changes.js";
import { type MetadataError, MetadataErrorCode, metadataError } from "../errors.js";
import type { ClusterImage, PartitionImage, TopicImage } from "../image.js";
import { NO_LEADER } from "./leader-election.js";

/** Kafka's ElectionType: 0 elects the preferred replica, 1 a live replica when no ISR member is alive. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;
export type ElectionType = (typeof ElectionType)[keyof typeof ElectionType];

export interface ElectionTarget {
  readonly topic: string;
  readonly partition: number;
}

export interface ElectionOutcome extends ElectionTarget {
  /** undefined: elected. */
  readonly error: MetadataError | undefined;
}

/** The partition with a new leader (and epochs bumped), or the error Kafka answers for it. */
export function electOne(
  p: PartitionImage,
  type: ElectionType,
  live: ReadonlySet<number>,
): { partition: PartitionImage } | { error: MetadataError } {
  if (type === ElectionType.PREFERRED) {
    const preferred = p.replicas[0];
    if (p.leaderId === preferred)
      return { error: metadataError(MetadataErrorCode.ELECTION_NOT_NEEDED, "The preferred replica leads already.") };
    if (!live.has(preferred) || !p.isr.includes(preferred))
      return {
        error: metadataError(
          MetadataErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
          `The preferred replica ${preferred} is not alive or not in the ISR.`,
        ),
      };
    return { partition: withLeader(p, preferred, p.isr) };
  }
  if (p.leaderId !== NO_LEADER && live.has(p.leaderId))
    return { error: metadataError(MetadataErrorCode.ELECTION_NOT_NEEDED, "The partition has a live leader.") };
  const clean = p.replicas.find((r) => live.has(r) && p.isr.includes(r));
  if (clean !== undefined)
    return {
      partition: withLeader(
        p,
        clean,
        p.isr.filter((r) => live.has(r)),
      ),
    };
  const unclean = p.replicas.find((r) => live.has(r));
  if (unclean === undefined)
    return {
      error: metadataError(MetadataErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No replica of the partition is alive."),
    };
  return { partition: withLeader(p, unclean, [unclean]) };
}

function withLeader(p: PartitionImage, leaderId: number, isr: readonly number[]): PartitionImage {
  return { ...p, leaderId, isr, leaderEpoch: p.leaderEpoch + 1, partitionEpoch: p.partitionEpoch + 1 };
}

/**
 * ElectLeaders (API 43) as the controller decides it. `targets` undefined means every partition;
 * then, as Kafka does, partitions that need no election are left out of the outcomes.
 */
export function electLeadersFor(
  image: ClusterImage,
  type: ElectionType,
  targets: readonly ElectionTarget[] | undefined,
  live: ReadonlySet<number>,
): ChangeResult<ElectionOutcome[]> {
  const all = targets === undefined;
  const list: ElectionTarget[] =
    targets !== undefined
      ? [...targets]
      : [...image.topics.values()].flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
        );
  const topics = new Map(image.topics);
  const outcomes: ElectionOutcome[] = [];
  let changed = false;
  for (const target of list) {
    const t = topics.get(target.topic);
    const p = t?.partitions[target.partition];
    if (t === undefined || p === undefined) {
      const error = metadataError(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unknown topic or partition.");
      outcomes.push({ ...target, error });
      continue;
    }
    const r = electOne(p, type, live);
    if ("error" in r) {
      if (!(all && r.error.errorCode === MetadataErrorCode.ELECTION_NOT_NEEDED))
        outcomes.push({ ...target, error: r.error });
      continue;
    }
    topics.set(t.name, replacePartition(t, r.partition));
    changed = true;
    outcomes.push({ ...target, error: undefined });
  }
  if (!changed) return { ok: true, image, value: outcomes };
  return { ok: true, image: { ...image, topics, changeCount: image.changeCount + 1 }, value: outcomes };
}

export function replacePartition(t: TopicImage, p: PartitionImage): TopicImage {
  return { ...t, partitions: t.partitions.map((q) => (q.partitionIndex === p.partitionIndex ? p : q)) };
}

/**
 * Kafka's automatic preferred-leader rebalance: for each broker, the share of partitions it is
 * the preferred leader of but does not lead; where that share exceeds `imbalancePercentage`, its
 * partitions whose preferred replica is alive and in the ISR get it back as leader. The value
 * counts the partitions that moved.
 */
export function rebalancePreferredLeaders(
  image: ClusterImage,
  live: ReadonlySet<number>,
  imbalancePercentage: number,
): ChangeResult<number> {
  const preferredOf = new Map<number, { total: number; notLed: ElectionTarget[] }>();
  for (const t of image.topics.values()) {
    for (const p of t.partitions) {
      const preferred = p.replicas[0];
      const entry = preferredOf.get(preferred) ?? { total: 0, notLed: [] };
      entry.total++;
      if (p.leaderId !== preferred && (p.addingReplicas?.length ?? 0) === 0)
        entry.notLed.push({ topic: t.name, partition: p.partitionIndex });
      preferredOf.set(preferred, entry);
    }
  }
  const targets: ElectionTarget[] = [];
  for (const [broker, { total, notLed }] of preferredOf) {
    if (!live.has(broker) || notLed.length === 0) continue;
    if ((notLed.length * 100) / total > imbalancePercentage) targets.push(...notLed);
  }
  if (targets.length === 0) return { ok: true, image, value: 0 };
  const r = electLeadersFor(image, ElectionType.PREFERRED, targets, live);
  if (!r.ok) return r;
  return { ok: true, image: r.image, value: r.value.filter((o) => o.error === undefined).length };
}
