/**
 * The KIP-848 consumer protocol: ConsumerGroupHeartbeat drives membership, a server-side assignor
 * computes the target assignment per group epoch, and each member is reconciled towards it: it
 * first revokes what others will get, then receives what is free, moving to the new epoch.
 */
import { ErrorCode } from "@samsa/protocol";
import { ASSIGNORS, type AssignorTopic, parsePartitionKey, partitionKey } from "./assignors.js";
import { ConsumerGroup, ConsumerMember } from "./consumer-group.js";
import type { ConsumerGroupRecord } from "./consumer-records.js";
import type { Effects } from "./effects.js";
import type { Timers } from "./timers.js";

/** The topics the coordinator may assign, as the metadata image has them. */
export interface TopicsView {
  byName(name: string): { readonly topicId: string; readonly numPartitions: number } | undefined;
  nameOf(topicId: string): string | undefined;
}

export interface ConsumerHeartbeatInput {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[] | null;
  readonly serverAssignor: string | null;
  readonly topicPartitions: readonly { readonly topicId: string; readonly partitions: readonly number[] }[] | null;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface ConsumerHeartbeatResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  readonly assignment: { readonly topicId: string; readonly partitions: number[] }[] | null;
}

export interface ConsumerGroupsConfig {
  /** group.consumer.session.timeout.ms (45000) */
  readonly sessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (5000) */
  readonly heartbeatIntervalMs: number;
  /** group.consumer.assignors: the first is the default. */
  readonly assignors: readonly string[];
  readonly maxGroupSize: number;
}

const LEAVE_EPOCH = -1;
const STATIC_LEAVE_EPOCH = -2;

const sessionKey = (g: string, m: string) => `consumer-session:${g}:${m}`;
const revocationKey = (g: string, m: string) => `consumer-revocation:${g}:${m}`;

function failure(
  errorCode: number,
  errorMessage: string | null,
  memberId: string | null = null,
): ConsumerHeartbeatResult {
  return { errorCode, errorMessage, memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

export class ConsumerGroupManager {
  readonly groups = new Map<string, ConsumerGroup>();
  readonly #config: ConsumerGroupsConfig;
  readonly #timers: Timers<Effects>;
  readonly #newMemberId: () => string;

  constructor(config: ConsumerGroupsConfig, timers: Timers<Effects>, newMemberId: () => string) {
    this.#config = config;
    this.#timers = timers;
    this.#newMemberId = newMemberId;
  }

  #validate(req: ConsumerHeartbeatInput): string | null {
    if (req.groupId === "") return "GroupId can't be empty.";
    if (req.instanceId === "") return "InstanceId can't be empty.";
    if (req.rackId === "") return "RackId can't be empty.";
    if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) return "RebalanceTimeoutMs must be provided in first request.";
      if (req.topicPartitions === null || req.topicPartitions.length > 0)
        return "TopicPartitions must be empty when (re-)joining.";
      if (req.subscribedTopicNames === null) return "SubscribedTopicNames must be set in first request.";
    } else if (req.memberId === "") return "MemberId can't be empty.";
    if (req.memberEpoch < STATIC_LEAVE_EPOCH) return `MemberEpoch ${req.memberEpoch} is invalid.`;
    return null;
  }

  heartbeat(req: ConsumerHeartbeatInput, topics: TopicsView, nowMs: number, fx: Effects): ConsumerHeartbeatResult {
    const invalid = this.#validate(req);
    if (invalid !== null) return failure(ErrorCode.INVALID_REQUEST, invalid);
    if (req.serverAssignor !== null && !ASSIGNORS.has(req.serverAssignor))
      return failure(ErrorCode.UNSUPPORTED_ASSIGNOR, `Assignor ${req.serverAssignor} is not supported.`);
    if (req.memberEpoch === LEAVE_EPOCH || req.memberEpoch === STATIC_LEAVE_EPOCH) return this.#leave(req, fx);
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      if (req.memberEpoch !== 0)
        return failure(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
      group = new ConsumerGroup(req.groupId, nowMs);
      this.groups.set(req.groupId, group);
    }
    let member: ConsumerMember;
    let bump = false;
    let memberChanged = false;
    if (req.memberEpoch === 0) {
      const memberId = req.memberId === "" ? this.#newMemberId() : req.memberId;
      let predecessor: ConsumerMember | undefined;
      if (req.instanceId !== null) {
        const holder = group.staticMembers.get(req.instanceId);
        if (holder !== undefined && holder !== memberId) {
          predecessor = group.members.get(holder);
          // Only an instance that left with epoch -2 (a static restart) may be taken over.
          if (predecessor?.memberEpoch !== STATIC_LEAVE_EPOCH)
            return failure(
              ErrorCode.UNRELEASED_INSTANCE_ID,
              `Instance ${req.instanceId} is held by ${holder}.`,
              memberId,
            );
        }
      }
      // A rejoin with the same id starts over: whatever it owned is reassigned.
      if (group.members.has(memberId)) this.#remove(group, memberId, fx);
      if (predecessor === undefined && group.members.size >= this.#config.maxGroupSize)
        return failure(ErrorCode.GROUP_MAX_SIZE_REACHED, `Group ${req.groupId} is full.`, memberId);
      member = new ConsumerMember(memberId, req.instanceId, req.clientId, req.clientHost);
      if (predecessor !== undefined) {
        // The restarted instance inherits its predecessor's subscription, target and partitions:
        // no new group epoch, nobody else moves.
        const target = group.target.get(predecessor.memberId);
        this.#remove(group, predecessor.memberId, fx);
        member.subscribedTopicNames = predecessor.subscribedTopicNames;
        member.serverAssignor = predecessor.serverAssignor;
        member.rebalanceTimeoutMs = predecessor.rebalanceTimeoutMs;
        member.state = predecessor.state;
        for (const k of predecessor.assigned) member.assigned.add(k);
        for (const k of predecessor.pendingRevocation) member.pendingRevocation.add(k);
        if (target !== undefined) {
          group.target.set(memberId, target);
          fx.append({ type: "consumerTarget", groupId: group.groupId, memberId, value: target });
        }
      } else bump = true;
      group.members.set(memberId, member);
      if (req.instanceId !== null) group.staticMembers.set(req.instanceId, memberId);
      memberChanged = true;
    } else {
      const existing = group.members.get(req.memberId);
      if (existing === undefined)
        return failure(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
      member = existing;
      const fenced = this.#epochError(member, req);
      if (fenced !== null) return failure(ErrorCode.FENCED_MEMBER_EPOCH, fenced, req.memberId);
    }
    if (req.rebalanceTimeoutMs !== -1 && req.rebalanceTimeoutMs !== member.rebalanceTimeoutMs) {
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      memberChanged = true;
    }
    if (req.rackId !== null && req.rackId !== member.rackId) {
      member.rackId = req.rackId;
      memberChanged = true;
    }
    if (req.serverAssignor !== null && req.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = req.serverAssignor;
      bump = true;
      memberChanged = true;
    }
    if (req.subscribedTopicNames !== null) {
      const names = [...new Set(req.subscribedTopicNames)].sort();
      if (names.join("\0") !== member.subscribedTopicNames.join("\0")) {
        member.subscribedTopicNames = names;
        bump = true;
        memberChanged = true;
      }
    }
    if (memberChanged) fx.append(memberRecord(group.groupId, member));
    const metadata = this.#subscriptionMetadata(group, topics);
    if (!sameMetadata(metadata, group.subscriptionMetadata)) bump = true;
    if (bump) this.#bumpEpoch(group, fx);
    this.#scheduleSession(group, member.memberId, nowMs);
    if (group.groupEpoch > group.assignmentEpoch) this.#computeTarget(group, topics, metadata, fx);

    const beforeEpoch = member.memberEpoch;
    const beforeAssigned = new Set(member.assigned);
    const beforeState = member.state;
    const beforePending = member.pendingRevocation.size;
    this.#reconcile(group, member, req.topicPartitions, nowMs);
    const full = req.subscribedTopicNames !== null && req.topicPartitions !== null && req.rebalanceTimeoutMs !== -1;
    const changed = beforeEpoch !== member.memberEpoch || !sameSet(beforeAssigned, member.assigned);
    if (changed || beforeState !== member.state || beforePending !== member.pendingRevocation.size || memberChanged)
      fx.append(assignmentRecord(group.groupId, member));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      assignment: full || changed || req.memberEpoch === 0 ? toTopicPartitions(member.assigned) : null,
    };
  }

  /** Kafka's rule: an older epoch is accepted only as the previous one, with nothing unexpected owned. */
  #epochError(member: ConsumerMember, req: ConsumerHeartbeatInput): string | null {
    if (req.memberEpoch === member.memberEpoch) return null;
    if (req.memberEpoch > member.memberEpoch)
      return `Epoch ${req.memberEpoch} is ahead of the member's ${member.memberEpoch}.`;
    if (req.memberEpoch === member.previousMemberEpoch && req.topicPartitions !== null) {
      const owned = fromTopicPartitions(req.topicPartitions);
      if ([...owned].every((k) => member.assigned.has(k))) return null;
    }
    return `Epoch ${req.memberEpoch} is behind the member's ${member.memberEpoch}.`;
  }

  #leave(req: ConsumerHeartbeatInput, fx: Effects): ConsumerHeartbeatResult {
    const group = this.groups.get(req.groupId);
    const member = group?.members.get(req.memberId);
    if (group === undefined || member === undefined)
      return failure(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
    if (req.memberEpoch === STATIC_LEAVE_EPOCH && member.instanceId !== null) {
      // A static member restarting: it keeps its partitions until it rejoins or its session ends.
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = STATIC_LEAVE_EPOCH;
      fx.append(assignmentRecord(group.groupId, member));
    } else {
      this.#remove(group, member.memberId, fx);
      this.#bumpEpoch(group, fx);
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    };
  }

  #bumpEpoch(group: ConsumerGroup, fx: Effects): void {
    group.groupEpoch++;
    fx.append({ type: "consumerGroup", groupId: group.groupId, value: { epoch: group.groupEpoch } });
  }

  #remove(group: ConsumerGroup, memberId: string, fx: Effects): void {
    const m = group.members.get(memberId);
    if (m === undefined) return;
    const groupId = group.groupId;
    fx.append({ type: "consumerAssignment", groupId, memberId, value: null });
    fx.append({ type: "consumerTarget", groupId, memberId, value: null });
    fx.append({ type: "consumerMember", groupId, memberId, value: null });
    group.members.delete(memberId);
    if (m.instanceId !== null && group.staticMembers.get(m.instanceId) === memberId)
      group.staticMembers.delete(m.instanceId);
    group.target.delete(memberId);
    this.#timers.cancel(sessionKey(group.groupId, memberId));
    this.#timers.cancel(revocationKey(group.groupId, memberId));
  }

  /** Removes a member whose session or revocation time ran out; the others get its partitions. */
  fence(groupId: string, memberId: string, fx: Effects): void {
    const group = this.groups.get(groupId);
    if (group === undefined || !group.members.has(memberId)) return;
    this.#remove(group, memberId, fx);
    this.#bumpEpoch(group, fx);
  }

  /** Drops a group from memory without records (its partition moved to another coordinator). */
  forget(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    for (const memberId of group.members.keys()) {
      this.#timers.cancel(sessionKey(groupId, memberId));
      this.#timers.cancel(revocationKey(groupId, memberId));
    }
    this.groups.delete(groupId);
  }

  /** Deletes an empty group: tombstones for its target epoch and its epoch. */
  deleteGroup(groupId: string, fx: Effects): void {
    if (!this.groups.delete(groupId)) return;
    fx.append({ type: "consumerPartitionMetadata", groupId, value: null });
    fx.append({ type: "consumerTargetEpoch", groupId, value: null });
    fx.append({ type: "consumerGroup", groupId, value: null });
  }

  /** Rebuilds groups from their records (start-up load, in log order). */
  replay(record: ConsumerGroupRecord, nowMs: number): void {
    const { groupId } = record;
    let group = this.groups.get(groupId);
    if (record.type === "consumerGroup" && record.value === null) {
      this.groups.delete(groupId);
      return;
    }
    if (group === undefined) {
      if (record.value === null) return;
      group = new ConsumerGroup(groupId, nowMs);
      this.groups.set(groupId, group);
    }
    switch (record.type) {
      case "consumerGroup":
        group.groupEpoch = record.value!.epoch;
        return;
      case "consumerPartitionMetadata":
        group.subscriptionMetadata = new Map((record.value ?? []).map((t) => [t.topicId, t.numPartitions]));
        return;
      case "consumerTargetEpoch":
        if (record.value !== null) group.assignmentEpoch = record.value.assignmentEpoch;
        return;
      case "consumerTarget":
        if (record.value === null) group.target.delete(record.memberId);
        else group.target.set(record.memberId, [...record.value]);
        return;
      case "consumerMember": {
        const v = record.value;
        if (v === null) {
          const m = group.members.get(record.memberId);
          if (m?.instanceId != null) group.staticMembers.delete(m.instanceId);
          group.members.delete(record.memberId);
          return;
        }
        const old = group.members.get(record.memberId);
        const m = new ConsumerMember(record.memberId, v.instanceId, v.clientId, v.clientHost);
        if (old !== undefined) {
          m.memberEpoch = old.memberEpoch;
          m.previousMemberEpoch = old.previousMemberEpoch;
          m.state = old.state;
          for (const k of old.assigned) m.assigned.add(k);
          for (const k of old.pendingRevocation) m.pendingRevocation.add(k);
        }
        m.subscribedTopicNames = [...v.subscribedTopicNames].sort();
        m.serverAssignor = v.serverAssignor;
        m.rackId = v.rackId;
        m.rebalanceTimeoutMs = v.rebalanceTimeoutMs;
        group.members.set(record.memberId, m);
        if (v.instanceId !== null) group.staticMembers.set(v.instanceId, record.memberId);
        return;
      }
      case "consumerAssignment": {
        const m = group.members.get(record.memberId);
        const v = record.value;
        if (m === undefined || v === null) return;
        m.memberEpoch = v.memberEpoch;
        m.previousMemberEpoch = v.previousMemberEpoch;
        m.state = v.state;
        m.assigned.clear();
        for (const k of v.assigned) m.assigned.add(k);
        m.pendingRevocation.clear();
        for (const k of v.pendingRevocation) m.pendingRevocation.add(k);
        return;
      }
    }
  }

  /** After a load: members of loaded groups must heartbeat within a session from now on. */
  onLoaded(inPartition: (groupId: string) => boolean, nowMs: number): void {
    for (const g of this.groups.values()) {
      if (!inPartition(g.groupId)) continue;
      for (const m of g.members.values()) this.#scheduleSession(g, m.memberId, nowMs);
    }
  }

  #scheduleSession(group: ConsumerGroup, memberId: string, nowMs: number): void {
    this.#timers.schedule(sessionKey(group.groupId, memberId), nowMs + this.#config.sessionTimeoutMs, (fx) =>
      this.fence(group.groupId, memberId, fx),
    );
  }

  #subscriptionMetadata(group: ConsumerGroup, topics: TopicsView): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of group.members.values()) {
      for (const name of m.subscribedTopicNames) {
        const t = topics.byName(name);
        if (t !== undefined) out.set(t.topicId, t.numPartitions);
      }
    }
    return out;
  }

  #computeTarget(group: ConsumerGroup, topics: TopicsView, metadata: Map<string, number>, fx: Effects): void {
    const assignor = ASSIGNORS.get(group.preferredAssignor(this.#config.assignors[0]))!;
    const topicMap = new Map<string, AssignorTopic>();
    for (const [topicId, numPartitions] of metadata) topicMap.set(topicId, { topicId, numPartitions });
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      subscribedTopicIds: m.subscribedTopicNames
        .map((n) => topics.byName(n)?.topicId)
        .filter((id): id is string => id !== undefined),
      current: group.target.get(m.memberId) ?? [],
    }));
    const previous = group.target;
    group.target = assignor.assign(members, topicMap);
    if (!sameMetadata(metadata, group.subscriptionMetadata)) {
      const value = [...metadata].map(([topicId, numPartitions]) => ({
        topicId,
        topicName: topics.nameOf(topicId) ?? "",
        numPartitions,
      }));
      fx.append({ type: "consumerPartitionMetadata", groupId: group.groupId, value });
    }
    group.subscriptionMetadata = metadata;
    group.assignmentEpoch = group.groupEpoch;
    for (const [memberId, keys] of group.target) {
      const before = previous.get(memberId);
      if (before === undefined || !sameSet(new Set(before), new Set(keys)))
        fx.append({ type: "consumerTarget", groupId: group.groupId, memberId, value: keys });
    }
    fx.append({
      type: "consumerTargetEpoch",
      groupId: group.groupId,
      value: { assignmentEpoch: group.assignmentEpoch },
    });
  }

  #reconcile(
    group: ConsumerGroup,
    member: ConsumerMember,
    ownedReported: ConsumerHeartbeatInput["topicPartitions"],
    nowMs: number,
  ): void {
    if (member.state === "unrevokedPartitions") {
      const owned = ownedReported === null ? null : fromTopicPartitions(ownedReported);
      if (owned === null || [...member.pendingRevocation].some((k) => owned.has(k))) return;
      // The member confirmed the revocation: those partitions are free for the others now.
      member.pendingRevocation.clear();
      member.state = "stable";
      this.#timers.cancel(revocationKey(group.groupId, member.memberId));
    }
    if (member.memberEpoch === group.assignmentEpoch && member.state === "stable") return;
    const target = new Set(group.target.get(member.memberId) ?? []);
    if (member.memberEpoch !== group.assignmentEpoch) {
      const revoke = [...member.assigned].filter((k) => !target.has(k));
      if (revoke.length > 0) {
        for (const k of revoke) {
          member.assigned.delete(k);
          member.pendingRevocation.add(k);
        }
        member.state = "unrevokedPartitions";
        const memberId = member.memberId;
        this.#timers.schedule(revocationKey(group.groupId, memberId), nowMs + member.rebalanceTimeoutMs, (fx) =>
          this.fence(group.groupId, memberId, fx),
        );
        return;
      }
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = group.assignmentEpoch;
    }
    let unreleased = false;
    for (const k of target) {
      if (member.assigned.has(k)) continue;
      if (group.ownedByOther(member.memberId, k)) unreleased = true;
      else member.assigned.add(k);
    }
    member.state = unreleased ? "unreleasedPartitions" : "stable";
  }
}

function sameMetadata(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function fromTopicPartitions(tps: NonNullable<ConsumerHeartbeatInput["topicPartitions"]>): Set<string> {
  const out = new Set<string>();
  for (const t of tps) for (const p of t.partitions) out.add(partitionKey(t.topicId, p));
  return out;
}

export function toTopicPartitions(keys: Iterable<string>): { topicId: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const k of keys) {
    const { topicId, partition } = parsePartitionKey(k);
    byTopic.set(topicId, [...(byTopic.get(topicId) ?? []), partition]);
  }
  return [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions: partitions.sort((x, y) => x - y) }));
}

function memberRecord(groupId: string, m: ConsumerMember): ConsumerGroupRecord {
  return {
    type: "consumerMember",
    groupId,
    memberId: m.memberId,
    value: {
      instanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      serverAssignor: m.serverAssignor,
    },
  };
}

function assignmentRecord(groupId: string, m: ConsumerMember): ConsumerGroupRecord {
  return {
    type: "consumerAssignment",
    groupId,
    memberId: m.memberId,
    value: {
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assigned: [...m.assigned],
      pendingRevocation: [...m.pendingRevocation],
    },
  };
}
