import type { ChangeResult } from "../changes.js";
import type { ClusterImage, PartitionImage, TopicImage } from "../image.js";

/** The leader id of a partition without a leader (Kafka's NO_LEADER). */
export const NO_LEADER = -1;

export interface LivenessChange {
  /** Brokers registered now. */
  readonly live: ReadonlySet<number>;
  /**
   * Live brokers that restarted since the controller last saw them (a new broker epoch): their logs
   * may be behind, so they leave every ISR and lead only a partition nobody else can lead.
   */
  readonly restarted: ReadonlySet<number>;
  /** unclean.leader.election.enable: lead from outside the ISR when no ISR member is alive. */
  readonly uncleanElection?: boolean;
}

/**
 * One partition after a liveness change, or the same object when nothing changes. The new leader
 * comes from the live ISR in replica order (the preferred leader first); dead and restarted
 * members leave the ISR, except that the ISR never becomes empty: with no live member the
 * partition goes offline (leader -1) keeping its last ISR, so the last member can come back and lead.
 */
export function electPartition(p: PartitionImage, change: LivenessChange): PartitionImage {
  const { live, restarted } = change;
  const eligible = (id: number) => live.has(id) && !restarted.has(id);
  let isr = p.isr.filter(eligible);
  let leader: number;
  if (isr.length > 0) {
    leader = eligible(p.leaderId) && isr.includes(p.leaderId) ? p.leaderId : p.replicas.find((r) => isr.includes(r))!;
  } else {
    const comeback = p.isr.filter((id) => live.has(id));
    if (comeback.length > 0) {
      // Only restarted ISR members are left: one of them leads again (it had everything acknowledged).
      leader = p.replicas.find((r) => comeback.includes(r)) ?? comeback[0];
      isr = [leader];
    } else if (change.uncleanElection === true && p.replicas.some((r) => live.has(r))) {
      leader = p.replicas.find((r) => live.has(r))!;
      isr = [leader];
    } else {
      leader = NO_LEADER;
      isr = [...p.isr];
    }
  }
  const leaderChanged = leader !== p.leaderId || (leader !== NO_LEADER && restarted.has(leader));
  const isrChanged = isr.length !== p.isr.length || isr.some((id, i) => p.isr[i] !== id);
  if (!leaderChanged && !isrChanged) return p;
  return {
    ...p,
    leaderId: leader,
    leaderEpoch: leaderChanged ? p.leaderEpoch + 1 : p.leaderEpoch,
    partitionEpoch: p.partitionEpoch + 1,
    isr,
  };
}

/** Applies `electPartition` to every partition; the value counts the partitions that changed. */
export function electLeaders(image: ClusterImage, change: LivenessChange): ChangeResult<number> {
  let changed = 0;
  let topics: Map<string, TopicImage> | undefined;
  for (const [name, t] of image.topics) {
    let parts: PartitionImage[] | undefined;
    t.partitions.forEach((p, i) => {
      const next = electPartition(p, change);
      if (next === p) return;
      parts ??= [...t.partitions];
      parts[i] = next;
      changed++;
    });
    if (parts !== undefined) {
      topics ??= new Map(image.topics);
      topics.set(name, { ...t, partitions: parts });
    }
  }
  if (topics === undefined) return { ok: true, image, value: 0 };
  return { ok: true, image: { ...image, topics, changeCount: image.changeCount + 1 }, value: changed };
}
