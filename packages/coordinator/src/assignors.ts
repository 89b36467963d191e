/**
 * KIP-848 server-side assignors. Both are pure: members with their subscriptions and the current
 * target assignment in, a new target assignment out. Partitions are "topicId:partition" strings.
 */

export interface AssignorMember {
  readonly memberId: string;
  readonly subscribedTopicIds: readonly string[];
  /** The member's partitions in the current target assignment (kept where possible: stickiness). */
  readonly current: readonly string[];
}

export interface AssignorTopic {
  readonly topicId: string;
  readonly numPartitions: number;
}

export type Assignment = Map<string, string[]>;

export interface Assignor {
  readonly name: string;
  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): Assignment;
}

export const partitionKey = (topicId: string, partition: number): string => `${topicId}:${partition}`;

export function parsePartitionKey(key: string): { topicId: string; partition: number } {
  const i = key.lastIndexOf(":");
  return { topicId: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/**
 * `uniform`: spreads every subscribed partition as evenly as the subscriptions allow, keeping each
 * member's current partitions up to its fair share so that a rebalance moves few partitions.
 */
export const uniformAssignor: Assignor = {
  name: "uniform",
  assign(members, topics) {
    const out: Assignment = new Map(members.map((m) => [m.memberId, []]));
    if (members.length === 0) return out;
    const subscribers = new Map<string, string[]>();
    for (const m of members)
      for (const t of m.subscribedTopicIds)
        if (topics.has(t)) subscribers.set(t, [...(subscribers.get(t) ?? []), m.memberId]);
    const all: string[] = [];
    for (const t of [...subscribers.keys()].sort())
      for (let p = 0; p < topics.get(t)!.numPartitions; p++) all.push(partitionKey(t, p));
    // Each member keeps up to the floor of the fair share; only as many members as the remainder may
    // keep one more, or a newcomer could be left with nothing (4 partitions, 2+2 kept, 3rd gets 0).
    const minQuota = Math.floor(all.length / members.length);
    let extraSlots = all.length % members.length;
    const taken = new Set<string>();
    const subscribed = (memberId: string, key: string) =>
      subscribers.get(parsePartitionKey(key).topicId)?.includes(memberId) === true;
    for (const m of members) {
      const mine = out.get(m.memberId)!;
      for (const key of m.current) {
        if (taken.has(key) || !subscribed(m.memberId, key)) continue;
        if (parsePartitionKey(key).partition >= (topics.get(parsePartitionKey(key).topicId)?.numPartitions ?? 0))
          continue;
        if (mine.length >= minQuota) {
          if (mine.length > minQuota || extraSlots === 0) continue;
          extraSlots--;
        }
        mine.push(key);
        taken.add(key);
      }
    }
    // Partitions of topics with fewer subscribers first: they have fewer places to go.
    const constrained = [...all].sort(
      (x, y) =>
        (subscribers.get(parsePartitionKey(x).topicId)?.length ?? 0) -
        (subscribers.get(parsePartitionKey(y).topicId)?.length ?? 0),
    );
    for (const key of constrained) {
      if (taken.has(key)) continue;
      const { topicId } = parsePartitionKey(key);
      let best: string | undefined;
      for (const memberId of subscribers.get(topicId) ?? []) {
        if (best === undefined || out.get(memberId)!.length < out.get(best)!.length) best = memberId;
      }
      if (best !== undefined) {
        out.get(best)!.push(key);
        taken.add(key);
      }
    }
    return out;
  },
};

/**
 * `range`: per topic, its subscribers sorted by member id take contiguous ranges, the first ones one
 * partition more when it doesn't divide evenly (Kafka's classic RangeAssignor shape).
 */
export const rangeAssignor: Assignor = {
  name: "range",
  assign(members, topics) {
    const out: Assignment = new Map(members.map((m) => [m.memberId, []]));
    const topicIds = new Set(members.flatMap((m) => m.subscribedTopicIds));
    for (const topicId of [...topicIds].sort()) {
      const topic = topics.get(topicId);
      if (topic === undefined) continue;
      const subs = members
        .filter((m) => m.subscribedTopicIds.includes(topicId))
        .map((m) => m.memberId)
        .sort();
      const per = Math.floor(topic.numPartitions / subs.length);
      const extra = topic.numPartitions % subs.length;
      let next = 0;
      subs.forEach((memberId, i) => {
        const n = per + (i < extra ? 1 : 0);
        for (let k = 0; k < n; k++) out.get(memberId)!.push(partitionKey(topicId, next++));
      });
    }
    return out;
  },
};

export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  [uniformAssignor.name, uniformAssignor],
  [rangeAssignor.name, rangeAssignor],
]);
