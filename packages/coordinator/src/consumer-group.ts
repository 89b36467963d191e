/** KIP-848 consumer groups: the members, epochs and assignments the server reconciles. */

export type ConsumerMemberState = "stable" | "unrevokedPartitions" | "unreleasedPartitions";

export class ConsumerMember {
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: ConsumerMemberState = "stable";
  /** Partitions ("topicId:partition") the member may consume now. */
  readonly assigned = new Set<string>();
  /** Partitions it must give up before it moves to the new epoch. */
  readonly pendingRevocation = new Set<string>();
  subscribedTopicNames: string[] = [];
  serverAssignor: string | null = null;
  rackId: string | null = null;
  rebalanceTimeoutMs = 0;

  constructor(
    readonly memberId: string,
    readonly instanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
  ) {}
}

/** Kafka's names for a consumer group's states (ListGroups, ConsumerGroupDescribe). */
export type ConsumerGroupState = "Empty" | "Assigning" | "Reconciling" | "Stable";

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  readonly staticMembers = new Map<string, string>();
  /** The target assignment of `assignmentEpoch`, per member. */
  target = new Map<string, string[]>();
  /** Partition counts of the subscribed topics when the target was computed, by topic id. */
  subscriptionMetadata = new Map<string, number>();
  stateTimestampMs: number;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return "Empty";
    if (this.groupEpoch > this.assignmentEpoch) return "Assigning";
    for (const m of this.members.values())
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== "stable") return "Reconciling";
    return "Stable";
  }

  /** Whether another member still holds `key` (assigned or not yet revoked). */
  ownedByOther(memberId: string, key: string): boolean {
    for (const m of this.members.values()) {
      if (m.memberId === memberId) continue;
      if (m.assigned.has(key) || m.pendingRevocation.has(key)) return true;
    }
    return false;
  }

  /** The assignor most members prefer; `fallback` when none names one. */
  preferredAssignor(fallback: string): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values())
      if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = fallback;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }
}
