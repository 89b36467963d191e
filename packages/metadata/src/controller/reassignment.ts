import type { ChangeResult } from "../changes.js";
import { type MetadataError, MetadataErrorCode, metadataError } from "../errors.js";
import type { ClusterImage, PartitionImage, TopicImage } from "../image.js";
import { replacePartition } from "./admin-election.js";
import { NO_LEADER } from "./leader-election.js";

export interface ReassignmentRequest {
  readonly topic: string;
  readonly partition: number;
  /** The target replica list (the first is the preferred leader), or null to cancel. */
  readonly replicas: readonly number[] | null;
}

export interface ReassignmentOutcome {
  readonly topic: string;
  readonly partition: number;
  /** undefined: accepted. */
  readonly error: MetadataError | undefined;
}

export interface ReassignmentOptions {
  /** Registered (live) brokers: targets must name only these. */
  readonly live: ReadonlySet<number>;
  /** unclean.leader.election.enable: a cancel may then leave the ISR to a replica outside it. */
  readonly uncleanElection: boolean;
}

export function isReassigning(p: PartitionImage): boolean {
  return (p.addingReplicas?.length ?? 0) > 0 || (p.removingReplicas?.length ?? 0) > 0;
}

/** The replicas the partition had before its reassignment began, and the ISR among them. */
function original(p: PartitionImage): { replicas: number[]; isr: number[] } {
  const adding = p.addingReplicas ?? [];
  return {
    replicas: p.replicas.filter((r) => !adding.includes(r)),
    isr: p.isr.filter((r) => !adding.includes(r)),
  };
}

/**
 * The partition with `replicas` and `isr`; when the leader is no longer in the ISR, the first ISR
 * member in replica order (a live one if any) leads under a new leader epoch.
 */
function settle(
  p: PartitionImage,
  replicas: readonly number[],
  isr: readonly number[],
  live: ReadonlySet<number>,
  adding: readonly number[],
  removing: readonly number[],
): PartitionImage {
  let leaderId = p.leaderId;
  if (!isr.includes(leaderId)) {
    const inIsr = replicas.filter((r) => isr.includes(r));
    leaderId = inIsr.find((r) => live.has(r)) ?? NO_LEADER;
  }
  const next: PartitionImage = {
    partitionIndex: p.partitionIndex,
    leaderId,
    leaderEpoch: leaderId !== p.leaderId ? p.leaderEpoch + 1 : p.leaderEpoch,
    partitionEpoch: p.partitionEpoch + 1,
    replicas,
    isr,
  };
  return adding.length === 0 && removing.length === 0
    ? next
    : { ...next, addingReplicas: adding, removingReplicas: removing };
}

/**
 * Switches a reassigning partition to its target once every target replica is in the ISR: the
 * removing replicas leave replicas and ISR, and a leader outside the target hands over to the
 * first target replica in the ISR. Returns the same object when not complete.
 */
export function completeReassignment(p: PartitionImage, live: ReadonlySet<number>): PartitionImage {
  if (!isReassigning(p)) return p;
  const removing = p.removingReplicas ?? [];
  const target = p.replicas.filter((r) => !removing.includes(r));
  if (!target.every((r) => p.isr.includes(r))) return p;
  const isr = target.filter((r) => p.isr.includes(r));
  return settle(p, target, isr, live, [], []);
}

/** Starts (or replaces, or cancels) one partition's reassignment; may complete it at once. */
export function reassignPartition(
  p: PartitionImage,
  target: readonly number[] | null,
  opts: ReassignmentOptions,
): { partition: PartitionImage } | { error: MetadataError } {
  const invalid = (message: string) => ({
    error: metadataError(MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT, message),
  });
  const base = original(p);
  if (target === null) {
    if (!isReassigning(p))
      return {
        error: metadataError(MetadataErrorCode.NO_REASSIGNMENT_IN_PROGRESS, "No reassignment is in progress."),
      };
    let isr = base.isr;
    if (isr.length === 0) {
      // Only adding replicas were in sync: reverting needs an unclean election.
      if (!opts.uncleanElection)
        return invalid(
          "Unable to revert the partition assignment because it would require an unclean leader election.",
        );
      isr = [base.replicas[0]];
    }
    return { partition: settle(p, base.replicas, isr, opts.live, [], []) };
  }
  if (target.length === 0) return invalid("The manual partition assignment includes an empty replica list.");
  if (new Set(target).size !== target.length)
    return invalid("The manual partition assignment includes a duplicate replica.");
  for (const id of target) {
    if (!opts.live.has(id))
      return invalid(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
  }
  const removing = base.replicas.filter((r) => !target.includes(r));
  const adding = target.filter((r) => !base.replicas.includes(r));
  let isr = base.isr;
  if (isr.length === 0) {
    if (!opts.uncleanElection)
      return invalid("Unable to replace the partition assignment because it would require an unclean leader election.");
    isr = [base.replicas[0]];
  }
  const started = settle(p, [...target, ...removing], isr, opts.live, adding, removing);
  return { partition: completeReassignment(started, opts.live) };
}

/** AlterPartitionReassignments (API 45) as the controller decides it. */
export function alterReassignments(
  image: ClusterImage,
  requests: readonly ReassignmentRequest[],
  opts: ReassignmentOptions,
): ChangeResult<ReassignmentOutcome[]> {
  const topics = new Map<string, TopicImage>(image.topics);
  const outcomes: ReassignmentOutcome[] = [];
  let changed = false;
  for (const req of requests) {
    const t = topics.get(req.topic);
    const p = t?.partitions[req.partition];
    if (t === undefined || p === undefined) {
      const error = metadataError(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Unknown topic or partition.");
      outcomes.push({ topic: req.topic, partition: req.partition, error });
      continue;
    }
    const r = reassignPartition(p, req.replicas, opts);
    if ("error" in r) {
      outcomes.push({ topic: req.topic, partition: req.partition, error: r.error });
      continue;
    }
    topics.set(t.name, replacePartition(t, r.partition));
    changed = true;
    outcomes.push({ topic: req.topic, partition: req.partition, error: undefined });
  }
  if (!changed) return { ok: true, image, value: outcomes };
  return { ok: true, image: { ...image, topics, changeCount: image.changeCount + 1 }, value: outcomes };
}

/** Completes every reassignment whose target replicas are all in sync; the value counts them. */
export function completeReassignments(image: ClusterImage, live: ReadonlySet<number>): ChangeResult<number> {
  let topics: Map<string, TopicImage> | undefined;
  let completed = 0;
  for (const t of image.topics.values()) {
    let topic = t;
    for (const p of t.partitions) {
      const next = completeReassignment(p, live);
      if (next === p) continue;
      topic = replacePartition(topic, next);
      completed++;
    }
    if (topic !== t) {
      topics ??= new Map(image.topics);
      topics.set(t.name, topic);
    }
  }
  if (topics === undefined) return { ok: true, image, value: 0 };
  return { ok: true, image: { ...image, topics, changeCount: image.changeCount + 1 }, value: completed };
}

export interface OngoingReassignment {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/** ListPartitionReassignments (API 46): the reassignments in progress, all or among `filter`. */
export function listReassignments(
  image: ClusterImage,
  filter: readonly { readonly topic: string; readonly partitions: readonly number[] }[] | undefined,
): OngoingReassignment[] {
  const pick: { t: TopicImage; p: PartitionImage }[] = [];
  if (filter === undefined) {
    for (const t of image.topics.values()) for (const p of t.partitions) pick.push({ t, p });
  } else {
    for (const f of filter) {
      const t = image.topics.get(f.topic);
      if (t === undefined) continue;
      for (const i of f.partitions) {
        const p = t.partitions[i];
        if (p !== undefined) pick.push({ t, p });
      }
    }
  }
  return pick
    .filter(({ p }) => isReassigning(p))
    .map(({ t, p }) => ({
      topic: t.name,
      partition: p.partitionIndex,
      replicas: p.replicas,
      addingReplicas: p.addingReplicas ?? [],
      removingReplicas: p.removingReplicas ?? [],
    }));
}
