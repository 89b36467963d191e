/**
 * The KIP-848 consumer protocol: ConsumerGroupHeartbeat drives membership, a server-side assignor
 * computes the target assignment per group epoch, and each member is reconciled towards it: it
 * first revokes what others will get, then receives what is free, moving to the new epoch.
 */
import { ErrorCode } from "@samsa/protocol";
import { ASSIGNORS, type AssignorTopic, parsePartitionKey, partitionKey } from "./assignors.js";
import { ConsumerGroup, ConsumerMember } from "./consumer-group.js";
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

  heartbeat(req: ConsumerHeartbeatInput, topics: TopicsView, nowMs: number): ConsumerHeartbeatResult {
    const invalid = this.#validate(req);
    if (invalid !== null) return failure(ErrorCode.INVALID_REQUEST, invalid);
    if (req.serverAssignor !== null && !ASSIGNORS.has(req.serverAssignor))
      return failure(ErrorCode.UNSUPPORTED_ASSIGNOR, `Assignor ${req.serverAssignor} is not supported.`);
    if (req.memberEpoch === LEAVE_EPOCH || req.memberEpoch === STATIC_LEAVE_EPOCH) return this.#leave(req);
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      if (req.memberEpoch !== 0)
        return failure(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
      group = new ConsumerGroup(req.groupId, nowMs);
      this.groups.set(req.groupId, group);
    }
    let member: ConsumerMember;
    let bump = false;
    if (req.memberEpoch === 0) {
      const memberId = req.memberId === "" ? this.#newMemberId() : req.memberId;
      if (req.instanceId !== null) {
        const holder = group.staticMembers.get(req.instanceId);
        if (holder !== undefined && holder !== memberId)
          return failure(
            ErrorCode.UNRELEASED_INSTANCE_ID,
            `Instance ${req.instanceId} is held by ${holder}.`,
            memberId,
          );
      }
      // A rejoin with the same id starts over: whatever it owned is reassigned.
      if (group.members.has(memberId)) this.#remove(group, memberId);
      if (group.members.size >= this.#config.maxGroupSize)
        return failure(ErrorCode.GROUP_MAX_SIZE_REACHED, `Group ${req.groupId} is full.`, memberId);
      member = new ConsumerMember(memberId, req.instanceId, req.clientId, req.clientHost);
      group.members.set(memberId, member);
      if (req.instanceId !== null) group.staticMembers.set(req.instanceId, memberId);
      bump = true;
    } else {
      const existing = group.members.get(req.memberId);
      if (existing === undefined)
        return failure(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
      member = existing;
      const fenced = this.#epochError(member, req);
      if (fenced !== null) return failure(ErrorCode.FENCED_MEMBER_EPOCH, fenced, req.memberId);
    }
    if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.rackId !== null) member.rackId = req.rackId;
    if (req.serverAssignor !== null && req.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = req.serverAssignor;
      bump = true;
    }
    if (req.subscribedTopicNames !== null) {
      const names = [...new Set(req.subscribedTopicNames)].sort();
      if (
        names.join("\0") !== member.subscribedTopicNames.join("\0") ||
        member.subscribedTopicNames.length !== names.length
      ) {
        member.subscribedTopicNames = names;
        bump = true;
      }
    }
    const metadata = this.#subscriptionMetadata(group, topics);
    if (!sameMetadata(metadata, group.subscriptionMetadata)) bump = true;
    if (bump) group.groupEpoch++;
    this.#scheduleSession(group, member.memberId, nowMs);
    if (group.groupEpoch > group.assignmentEpoch) this.#computeTarget(group, topics, metadata);

    const beforeEpoch = member.memberEpoch;
    const beforeAssigned = new Set(member.assigned);
    this.#reconcile(group, member, req.topicPartitions, nowMs);
    const full = req.subscribedTopicNames !== null && req.topicPartitions !== null && req.rebalanceTimeoutMs !== -1;
    const changed = beforeEpoch !== member.memberEpoch || !sameSet(beforeAssigned, member.assigned);
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

  #leave(req: ConsumerHeartbeatInput): ConsumerHeartbeatResult {
    const group = this.groups.get(req.groupId);
    const member = group?.members.get(req.memberId);
    if (group === undefined || member === undefined)
      return failure(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
    this.#remove(group, member.memberId);
    group.groupEpoch++;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    };
  }

  #remove(group: ConsumerGroup, memberId: string): void {
    const m = group.members.get(memberId);
    if (m === undefined) return;
    group.members.delete(memberId);
    if (m.instanceId !== null && group.staticMembers.get(m.instanceId) === memberId)
      group.staticMembers.delete(m.instanceId);
    group.target.delete(memberId);
    this.#timers.cancel(sessionKey(group.groupId, memberId));
    this.#timers.cancel(revocationKey(group.groupId, memberId));
  }

  /** Removes a member whose session or revocation time ran out; the others get its partitions. */
  fence(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined || !group.members.has(memberId)) return;
    this.#remove(group, memberId);
    group.groupEpoch++;
  }

  #scheduleSession(group: ConsumerGroup, memberId: string, nowMs: number): void {
    this.#timers.schedule(sessionKey(group.groupId, memberId), nowMs + this.#config.sessionTimeoutMs, () =>
      this.fence(group.groupId, memberId),
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

  #computeTarget(group: ConsumerGroup, topics: TopicsView, metadata: Map<string, number>): void {
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
    group.target = assignor.assign(members, topicMap);
    group.subscriptionMetadata = metadata;
    group.assignmentEpoch = group.groupEpoch;
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
        this.#timers.schedule(revocationKey(group.groupId, memberId), nowMs + member.rebalanceTimeoutMs, () =>
          this.fence(group.groupId, memberId),
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
