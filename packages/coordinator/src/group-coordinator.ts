/**
 * The classic group coordinator as a pure state machine: requests and `nowMs` in; records to append,
 * replies and deadlines out. It follows Kafka's GroupMetadataManager rule for rule, so clients see
 * the same error codes in the same situations.
 */
import { assert, type Random } from "@samsa/common";
import { ErrorCode, type GroupMetadataValue } from "@samsa/protocol";
import { ClassicGroup, ClassicMember, EMPTY_ASSIGNMENT } from "./classic-group.js";
import type { ConsumerGroup } from "./consumer-group.js";
import {
  ConsumerGroupManager,
  type ConsumerHeartbeatInput,
  type ConsumerHeartbeatResult,
  type TopicsView,
  toTopicPartitions,
} from "./consumer-groups.js";
import type { GroupCoordinatorConfig } from "./config.js";
import { Effects, type ReplyTo } from "./effects.js";
import { groupPartition } from "./group-partition.js";
import { OffsetStore } from "./offset-store.js";
import type { CoordinatorRecord, OffsetAndMetadata } from "./records.js";
import { Timers } from "./timers.js";
import type {
  DescribedGroup,
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupResult,
  LeaveGroupInput,
  LeaveGroupResult,
  ListedGroup,
  OffsetCommitInput,
  OffsetCommitResult,
  OffsetFetchResult,
  PartitionResult,
  SyncGroupInput,
  SyncGroupResult,
} from "./types.js";

export const UNKNOWN_MEMBER_ID = "";
const NO_GENERATION = -1;
const NO_LEADER_EPOCH = -1;

function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return {
    errorCode,
    generationId: NO_GENERATION,
    protocolType: null,
    protocolName: null,
    leader: "",
    memberId,
    members: [],
    skipAssignment: false,
  };
}

function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

const heartbeatKey = (g: string, m: string) => `heartbeat:${g}:${m}`;
const joinKey = (g: string) => `join:${g}`;
const syncKey = (g: string) => `sync:${g}`;
const RETENTION_KEY = "offsets-retention";

export interface DescribedConsumerGroup {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly groupId: string;
  readonly groupState: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: readonly {
    readonly memberId: string;
    readonly instanceId: string | null;
    readonly rackId: string | null;
    readonly memberEpoch: number;
    readonly clientId: string;
    readonly clientHost: string;
    readonly subscribedTopicNames: string[];
    readonly assignment: { topicId: string; topicName: string; partitions: number[] }[];
    readonly targetAssignment: { topicId: string; topicName: string; partitions: number[] }[];
  }[];
}

export interface DeleteGroupsResult {
  readonly results: readonly { readonly groupId: string; readonly errorCode: number }[];
}

export interface OffsetDeleteResult {
  readonly errorCode: number;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly PartitionResult[] }[];
}

export class GroupCoordinator {
  readonly #config: GroupCoordinatorConfig;
  readonly #random: Random;
  readonly #groups = new Map<string, ClassicGroup>();
  readonly #offsets = new OffsetStore();
  readonly #timers: Timers<Effects>;
  readonly #consumers: ConsumerGroupManager;
  #nowMs: number;

  constructor(config: GroupCoordinatorConfig, random: Random, nowMs: number) {
    this.#config = config;
    this.#random = random;
    this.#nowMs = nowMs;
    // Per member a heartbeat timer, per group a join and a sync timer, plus the retention sweep.
    this.#timers = new Timers(config.maxGroups * 3 + config.maxGroups * config.maxGroupSize + 1);
    this.#timers.schedule(RETENTION_KEY, nowMs + config.offsetsRetentionCheckIntervalMs, (fx) =>
      this.#expireOffsetsAndGroups(fx),
    );
    this.#consumers = new ConsumerGroupManager(
      {
        sessionTimeoutMs: config.consumerSessionTimeoutMs,
        heartbeatIntervalMs: config.consumerHeartbeatIntervalMs,
        assignors: config.consumerAssignors,
        maxGroupSize: config.maxGroupSize,
      },
      this.#timers,
      () => this.#newMemberId("").slice(1),
    );
  }

  /** A KIP-848 consumer group, if one has this id. */
  consumerGroup(groupId: string): ConsumerGroup | undefined {
    return this.#consumers.groups.get(groupId);
  }

  consumerGroups(): IterableIterator<ConsumerGroup> {
    return this.#consumers.groups.values();
  }

  get config(): GroupCoordinatorConfig {
    return this.#config;
  }

  /** The `__consumer_offsets` partition of a group. */
  partitionFor(groupId: string): number {
    return groupPartition(groupId, this.#config.offsetsTopicNumPartitions);
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.#groups.get(groupId);
  }

  groups(): IterableIterator<ClassicGroup> {
    return this.#groups.values();
  }

  committedOffset(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.#offsets.get(groupId, topic, partition);
  }

  nextDeadlineMs(): number | null {
    return this.#timers.nextDeadlineMs();
  }

  /** Fires every deadline that has passed: session, join, sync timeouts and offset expiry. */
  poll(nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    this.#timers.runDue(nowMs, fx);
    return fx;
  }

  #enter(nowMs: number): Effects {
    this.#nowMs = Math.max(this.#nowMs, nowMs);
    return new Effects();
  }

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinGroupInput, reply: ReplyTo<JoinGroupResult>, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    if (req.groupId === "") {
      fx.reply(reply, joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
      return fx;
    }
    if (
      req.sessionTimeoutMs < this.#config.minSessionTimeoutMs ||
      req.sessionTimeoutMs > this.#config.maxSessionTimeoutMs
    ) {
      fx.reply(reply, joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
      return fx;
    }
    const isUnknownMember = req.memberId === UNKNOWN_MEMBER_ID;
    const consumer = this.#consumers.groups.get(req.groupId);
    if (consumer !== undefined) {
      // A classic member may take over an empty consumer group; a live one speaks the other protocol.
      if (consumer.members.size > 0) {
        fx.reply(reply, joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
        return fx;
      }
      this.#consumers.groups.delete(req.groupId);
    }
    let group = this.#groups.get(req.groupId);
    const isNewGroup = group === undefined;
    if (group === undefined) {
      if (!isUnknownMember) {
        fx.reply(reply, joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return fx;
      }
      if (this.#groupCount() >= this.#config.maxGroups) {
        fx.reply(reply, joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        return fx;
      }
      group = new ClassicGroup(req.groupId, this.#nowMs);
      this.#groups.set(req.groupId, group);
    }
    const before = fx.records.length;
    if (!this.#acceptJoiningMember(group, req.memberId)) {
      group.remove(req.memberId);
      fx.reply(reply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.#joinNewMember(fx, group, req, reply);
    } else {
      this.#joinExistingMember(fx, group, req, reply);
    }
    if (isNewGroup && fx.records.length === before) fx.append(this.#groupRecord(group));
    return fx;
  }

  #acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case "Empty":
      case "Dead":
        return true;
      case "PreparingRebalance":
        return group.members.get(memberId)?.awaitingJoin === true || group.numAwaitingJoin < this.#config.maxGroupSize;
      case "CompletingRebalance":
      case "Stable":
        return group.members.has(memberId) || group.members.size < this.#config.maxGroupSize;
    }
  }

  #newMemberId(prefix: string): string {
    const hex = (n: number) =>
      Array.from({ length: n }, () => Math.floor(this.#random.next() * 16).toString(16)).join("");
    return `${prefix}-${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
  }

  #joinNewMember(fx: Effects, group: ClassicGroup, req: JoinGroupInput, reply: ReplyTo<JoinGroupResult>): void {
    if (group.is("Dead")) {
      fx.reply(reply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      fx.reply(reply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = this.#newMemberId(req.groupInstanceId ?? req.clientId);
    if (req.groupInstanceId !== null) {
      const existing = group.staticMembers.get(req.groupInstanceId);
      if (existing !== undefined) this.#updateStaticMember(fx, group, req, existing, newMemberId, reply);
      else this.#addMember(fx, group, req, newMemberId, reply);
      return;
    }
    if (req.requireKnownMemberId) {
      if (group.pendingMembers.size >= this.#config.maxGroupSize) {
        fx.reply(reply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
        return;
      }
      group.pendingMembers.add(newMemberId);
      this.#timers.schedule(heartbeatKey(group.groupId, newMemberId), this.#nowMs + req.sessionTimeoutMs, (f) =>
        this.#expireHeartbeat(f, group.groupId, newMemberId),
      );
      fx.reply(reply, joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
      return;
    }
    this.#addMember(fx, group, req, newMemberId, reply);
  }

  #joinExistingMember(fx: Effects, group: ClassicGroup, req: JoinGroupInput, reply: ReplyTo<JoinGroupResult>): void {
    const memberId = req.memberId;
    if (group.is("Dead")) {
      fx.reply(reply, joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      fx.reply(reply, joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.pendingMembers.has(memberId)) {
      // A pending member is dynamic by construction; a static id here is a client bug.
      if (req.groupInstanceId !== null) {
        fx.reply(reply, joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      }
      this.#addMember(fx, group, req, memberId, reply);
      return;
    }
    const error = this.#validateMember(group, memberId, req.groupInstanceId);
    if (error !== ErrorCode.NONE) {
      fx.reply(reply, joinError(memberId, error));
      return;
    }
    const member = group.members.get(memberId)!;
    const current = (members: JoinGroupResult["members"]): JoinGroupResult => ({
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      memberId,
      members,
      skipAssignment: false,
    });
    switch (group.state) {
      case "PreparingRebalance":
        this.#updateMemberThenRebalance(fx, group, member, req, reply);
        return;
      case "CompletingRebalance":
        if (member.matches(req.protocols)) {
          // A retry of a join whose answer was lost: repeat this generation's answer.
          fx.reply(reply, current(group.leaderId === memberId ? group.currentMembers() : []));
        } else this.#updateMemberThenRebalance(fx, group, member, req, reply);
        return;
      case "Stable":
        // A leader's join forces a rebalance: it may have seen metadata changes the others haven't.
        if (group.leaderId === memberId || !member.matches(req.protocols))
          this.#updateMemberThenRebalance(fx, group, member, req, reply);
        else fx.reply(reply, current([]));
        return;
      default:
        fx.reply(reply, joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  #validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const existing = group.staticMembers.get(groupInstanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  #addMember(
    fx: Effects,
    group: ClassicGroup,
    req: JoinGroupInput,
    memberId: string,
    reply: ReplyTo<JoinGroupResult>,
  ): void {
    const member = new ClassicMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocols,
    );
    member.isNew = true;
    if (group.is("PreparingRebalance") && group.previousState === "Empty") group.newMemberAdded = true;
    group.add(member, req.protocolType, reply);
    // A parked join of a new member can't heartbeat; bound how long it may wait.
    this.#rescheduleHeartbeat(group, member, this.#config.newMemberJoinTimeoutMs);
    this.#maybePrepareRebalanceOrCompleteJoin(fx, group);
  }

  #updateMemberThenRebalance(
    fx: Effects,
    group: ClassicGroup,
    member: ClassicMember,
    req: JoinGroupInput,
    reply: ReplyTo<JoinGroupResult>,
  ): void {
    this.#updateMember(fx, member, req, reply);
    this.#maybePrepareRebalanceOrCompleteJoin(fx, group);
  }

  #updateMember(fx: Effects, member: ClassicMember, req: JoinGroupInput, reply: ReplyTo<JoinGroupResult>): void {
    // A member's earlier parked join is superseded: Kafka answers it with nothing useful either.
    if (member.joinReply !== null && member.joinReply !== reply)
      fx.reply(member.joinReply, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.joinReply = reply;
  }

  #updateStaticMember(
    fx: Effects,
    group: ClassicGroup,
    req: JoinGroupInput,
    oldMemberId: string,
    newMemberId: string,
    reply: ReplyTo<JoinGroupResult>,
  ): void {
    const groupInstanceId = req.groupInstanceId!;
    const oldMember = group.members.get(oldMemberId)!;
    const leaderBefore = group.leaderId;
    // The old incarnation's parked requests are fenced.
    if (oldMember.joinReply !== null) {
      fx.reply(oldMember.joinReply, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
      oldMember.joinReply = null;
    }
    if (oldMember.syncReply !== null) {
      fx.reply(oldMember.syncReply, syncError(ErrorCode.FENCED_INSTANCE_ID));
      oldMember.syncReply = null;
    }
    this.#timers.cancel(heartbeatKey(group.groupId, oldMemberId));
    const member = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
    this.#rescheduleHeartbeat(group, member, member.sessionTimeoutMs);
    if (group.is("Stable")) {
      const oldProtocols = member.protocols;
      member.protocols = req.protocols;
      if (group.protocolName === group.selectProtocol()) {
        // Same protocol: persist the new member id and answer at once, without a rebalance.
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
        member.sessionTimeoutMs = req.sessionTimeoutMs;
        fx.append(this.#groupRecord(group));
        // From JoinGroup v9 a returning leader learns it leads but must not reassign (KIP-814);
        // before that it is told the old leader id, so it only syncs to get its assignment back.
        const isLeader = group.leaderId === newMemberId;
        const skip = req.supportsSkipAssignment;
        fx.reply(reply, {
          errorCode: ErrorCode.NONE,
          generationId: group.generationId,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          leader: (skip ? group.leaderId : leaderBefore) ?? "",
          memberId: newMemberId,
          members: skip && isLeader ? group.currentMembers() : [],
          skipAssignment: skip && isLeader,
        });
        return;
      }
      member.protocols = oldProtocols;
      this.#updateMember(fx, member, req, reply);
      this.#maybePrepareRebalanceOrCompleteJoin(fx, group);
      return;
    }
    this.#updateMember(fx, member, req, reply);
    if (group.is("CompletingRebalance")) {
      // The leader may have assigned to the old id: rebalance so the new id gets an assignment.
      this.#prepareRebalance(fx, group);
      return;
    }
    this.#maybeCompleteJoinPhase(fx, group);
  }

  #maybePrepareRebalanceOrCompleteJoin(fx: Effects, group: ClassicGroup): void {
    if (group.is("Stable") || group.is("CompletingRebalance") || group.is("Empty")) this.#prepareRebalance(fx, group);
    else this.#maybeCompleteJoinPhase(fx, group);
  }

  #maybeCompleteJoinPhase(fx: Effects, group: ClassicGroup): void {
    if (!group.is("PreparingRebalance")) return;
    // The initial rebalance waits out its delay so that a whole fleet of starting consumers lands in one generation.
    if (group.previousState === "Empty") return;
    if (!group.hasAllMembersJoined()) return;
    this.#completeJoin(fx, group);
  }

  #prepareRebalance(fx: Effects, group: ClassicGroup): void {
    if (group.is("CompletingRebalance")) this.#resetAndPropagateAssignment(fx, group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.pendingSyncMembers.clear();
    this.#timers.cancel(syncKey(group.groupId));
    const isInitial = group.is("Empty");
    group.transitionTo("PreparingRebalance", this.#nowMs);
    if (isInitial) {
      const delayMs = this.#config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.#scheduleInitialJoin(group, delayMs, remainingMs);
      return;
    }
    if (group.hasAllMembersJoined()) this.#completeJoin(fx, group);
    else this.#scheduleJoinTimeout(group);
  }

  #scheduleJoinTimeout(group: ClassicGroup): void {
    this.#timers.schedule(joinKey(group.groupId), this.#nowMs + group.rebalanceTimeoutMs(), (f) => {
      if (this.#groups.get(group.groupId) === group) this.#completeJoin(f, group);
    });
  }

  #scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    this.#timers.schedule(joinKey(group.groupId), this.#nowMs + delayMs, (f) => {
      if (this.#groups.get(group.groupId) !== group) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const nextDelay = Math.min(this.#config.initialRebalanceDelayMs, remainingMs);
        this.#scheduleInitialJoin(group, nextDelay, Math.max(remainingMs - delayMs, 0));
      } else this.#completeJoin(f, group);
    });
  }

  #completeJoin(fx: Effects, group: ClassicGroup): void {
    this.#timers.cancel(joinKey(group.groupId));
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        group.remove(m.memberId);
        this.#timers.cancel(heartbeatKey(group.groupId, m.memberId));
      }
    }
    if (group.is("Dead")) return;
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Only static members that have not rejoined are left: wait for their session to end.
      this.#scheduleJoinTimeout(group);
      return;
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.transitionTo("Empty", this.#nowMs);
      fx.append(this.#groupRecord(group));
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo("CompletingRebalance", this.#nowMs);
    for (const m of group.members.values()) {
      const response: JoinGroupResult = {
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? "",
        memberId: m.memberId,
        members: group.leaderId === m.memberId ? group.currentMembers() : [],
        skipAssignment: false,
      };
      if (m.joinReply !== null) fx.reply(m.joinReply, response);
      m.joinReply = null;
      this.#rescheduleHeartbeat(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    const generation = group.generationId;
    this.#timers.schedule(syncKey(group.groupId), this.#nowMs + group.rebalanceTimeoutMs(), (f) =>
      this.#expirePendingSync(f, group, generation),
    );
  }

  #expirePendingSync(fx: Effects, group: ClassicGroup, generation: number): void {
    if (this.#groups.get(group.groupId) !== group || group.generationId !== generation) return;
    if (!(group.is("CompletingRebalance") || group.is("Stable")) || group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const m = group.members.get(memberId);
      if (m?.syncReply) fx.reply(m.syncReply, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      group.remove(memberId);
      this.#timers.cancel(heartbeatKey(group.groupId, memberId));
    }
    this.#prepareRebalance(fx, group);
  }

  #rescheduleHeartbeat(group: ClassicGroup, member: ClassicMember, timeoutMs: number): void {
    const memberId = member.memberId;
    this.#timers.schedule(heartbeatKey(group.groupId, memberId), this.#nowMs + timeoutMs, (f) =>
      this.#expireHeartbeat(f, group.groupId, memberId),
    );
  }

  #expireHeartbeat(fx: Effects, groupId: string, memberId: string): void {
    const group = this.#groups.get(groupId);
    if (group === undefined || group.is("Dead")) return;
    if (group.pendingMembers.has(memberId)) {
      group.remove(memberId);
      if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) this.#completeJoin(fx, group);
      return;
    }
    const member = group.members.get(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return;
    this.#removeMemberAndUpdateGroup(fx, group, member);
  }

  #removeMemberAndUpdateGroup(fx: Effects, group: ClassicGroup, member: ClassicMember): void {
    // A parked join gets UNKNOWN_MEMBER_ID so a still-living client retries as new.
    if (member.joinReply !== null)
      fx.reply(member.joinReply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    member.joinReply = null;
    if (member.syncReply !== null) fx.reply(member.syncReply, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.syncReply = null;
    group.remove(member.memberId);
    this.#timers.cancel(heartbeatKey(group.groupId, member.memberId));
    if (group.is("Stable") || group.is("CompletingRebalance")) this.#maybePrepareRebalanceOrCompleteJoin(fx, group);
    else if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) this.#completeJoin(fx, group);
  }

  #resetAndPropagateAssignment(fx: Effects, group: ClassicGroup, errorCode: number): void {
    assert(group.is("CompletingRebalance"), "assignment reset outside CompletingRebalance");
    for (const m of group.members.values()) m.assignment = EMPTY_ASSIGNMENT;
    this.#propagateAssignment(fx, group, errorCode);
  }

  #propagateAssignment(fx: Effects, group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const m of group.members.values()) {
      if (m.syncReply === null) continue;
      fx.reply(m.syncReply, {
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      });
      m.syncReply = null;
      this.#rescheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(req: SyncGroupInput, reply: ReplyTo<SyncGroupResult>, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    if (req.groupId === "") {
      fx.reply(reply, syncError(ErrorCode.INVALID_GROUP_ID));
      return fx;
    }
    const group = this.#groups.get(req.groupId);
    if (group === undefined) {
      fx.reply(reply, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      return fx;
    }
    const error = this.#validateSync(group, req);
    if (error !== ErrorCode.NONE) {
      fx.reply(reply, syncError(error));
      return fx;
    }
    if (group.is("PreparingRebalance")) {
      fx.reply(reply, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      return fx;
    }
    const member = group.members.get(req.memberId)!;
    if (group.is("CompletingRebalance")) {
      if (member.syncReply !== null) fx.reply(member.syncReply, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.syncReply = reply;
      this.#removePendingSync(group, req.memberId);
      if (group.leaderId === req.memberId) {
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) if (group.members.has(a.memberId)) assignment.set(a.memberId, a.assignment);
        for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT;
        // The record goes first: the answers below leave only once it is appended.
        fx.append(this.#groupRecord(group));
        this.#propagateAssignment(fx, group, ErrorCode.NONE);
        group.transitionTo("Stable", this.#nowMs);
      }
      return fx;
    }
    // Stable (Empty and Dead fail validation: they have no members).
    this.#removePendingSync(group, req.memberId);
    fx.reply(reply, {
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    });
    return fx;
  }

  #validateSync(group: ClassicGroup, req: SyncGroupInput): number {
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = this.#validateMember(group, req.memberId, req.groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    )
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return ErrorCode.NONE;
  }

  #removePendingSync(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.#timers.cancel(syncKey(group.groupId));
  }

  // ---------------------------------------------------------------- Heartbeat

  heartbeat(req: HeartbeatInput, nowMs: number): number {
    this.#enter(nowMs);
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.#groups.get(req.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = this.#validateMember(group, req.memberId, req.groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case "PreparingRebalance":
        this.#rescheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case "CompletingRebalance":
      case "Stable":
        this.#rescheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  // ---------------------------------------------------------------- LeaveGroup

  leaveGroup(req: LeaveGroupInput, reply: ReplyTo<LeaveGroupResult>, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    const group = req.groupId === "" ? undefined : this.#groups.get(req.groupId);
    if (req.groupId === "") {
      fx.reply(reply, { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] });
      return fx;
    }
    if (group === undefined || group.is("Dead")) {
      const errorCode = group === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      fx.reply(reply, { errorCode, members: [] });
      return fx;
    }
    const members: LeaveGroupResult["members"][number][] = [];
    let left = 0;
    for (const m of req.members) {
      let errorCode: number = ErrorCode.NONE;
      if (m.memberId === UNKNOWN_MEMBER_ID) {
        // Administrative removal by group.instance.id.
        const id = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
        if (id === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else this.#removeCurrentMember(fx, group, id);
      } else if (group.pendingMembers.has(m.memberId)) {
        group.remove(m.memberId);
        this.#timers.cancel(heartbeatKey(group.groupId, m.memberId));
      } else {
        errorCode = this.#validateMember(group, m.memberId, m.groupInstanceId);
        if (errorCode === ErrorCode.NONE) this.#removeCurrentMember(fx, group, m.memberId);
      }
      if (errorCode === ErrorCode.NONE) left++;
      members.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    }
    if (left > 0) {
      if (group.is("Stable") || group.is("CompletingRebalance")) this.#maybePrepareRebalanceOrCompleteJoin(fx, group);
      else if (group.is("PreparingRebalance")) this.#maybeCompleteJoinPhase(fx, group);
    }
    fx.reply(reply, { errorCode: ErrorCode.NONE, members });
    return fx;
  }

  #removeCurrentMember(fx: Effects, group: ClassicGroup, memberId: string): void {
    const member = group.members.get(memberId)!;
    this.#timers.cancel(heartbeatKey(group.groupId, memberId));
    if (member.joinReply !== null)
      fx.reply(member.joinReply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    member.joinReply = null;
    if (member.syncReply !== null) fx.reply(member.syncReply, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.syncReply = null;
    group.remove(memberId);
  }

  // ---------------------------------------------------------------- Offsets

  commitOffsets(req: OffsetCommitInput, reply: ReplyTo<OffsetCommitResult>, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    const all = (errorCode: number): OffsetCommitResult => ({
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    });
    const error = this.#validateCommit(req);
    if (error !== ErrorCode.NONE) {
      fx.reply(reply, all(error));
      return fx;
    }
    if (!this.#groups.has(req.groupId) && !this.#consumers.groups.has(req.groupId)) {
      // A simple consumer's first commit creates an empty group with no protocol type.
      const g = new ClassicGroup(req.groupId, this.#nowMs);
      this.#groups.set(req.groupId, g);
    }
    const expireTimestampMs = req.retentionTimeMs === -1 ? null : this.#nowMs + req.retentionTimeMs;
    let room = this.#config.maxOffsetsPerGroup - this.#offsets.count(req.groupId);
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): PartitionResult => {
        const metadata = p.committedMetadata ?? "";
        if (Buffer.byteLength(metadata) > this.#config.offsetMetadataMaxBytes)
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        const isNew = this.#offsets.get(req.groupId, t.name, p.partitionIndex) === undefined;
        if (isNew && room <= 0)
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.INVALID_COMMIT_OFFSET_SIZE };
        if (isNew) room--;
        const value: OffsetAndMetadata = {
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch < 0 ? NO_LEADER_EPOCH : p.committedLeaderEpoch,
          metadata,
          commitTimestampMs: this.#nowMs,
          expireTimestampMs,
        };
        this.#offsets.put(req.groupId, t.name, p.partitionIndex, value);
        fx.append({ type: "offset", groupId: req.groupId, topic: t.name, partition: p.partitionIndex, value });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    fx.reply(reply, { topics });
    return fx;
  }

  #validateCommit(req: OffsetCommitInput): number {
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const consumer = this.#consumers.groups.get(req.groupId);
    if (consumer !== undefined) return this.#validateConsumerCommit(consumer, req);
    const group = this.#groups.get(req.groupId);
    if (group === undefined) {
      if (req.generationId < 0)
        return this.#groups.size >= this.#config.maxGroups ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE;
      return req.groupIdNotFoundError ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
    }
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId < 0 && group.is("Empty")) return ErrorCode.NONE;
    if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null) {
      const error = this.#validateMember(group, req.memberId, req.groupInstanceId);
      if (error !== ErrorCode.NONE) return error;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!group.is("Empty")) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is("CompletingRebalance")) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** Kafka's ConsumerGroup.validateOffsetCommit: the member's current epoch, or a simple commit to an empty group. */
  #validateConsumerCommit(group: ConsumerGroup, req: OffsetCommitInput): number {
    if (req.generationId < 0 && group.members.size === 0) return ErrorCode.NONE;
    const member = group.members.get(req.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (!req.groupIdNotFoundError) return ErrorCode.UNSUPPORTED_VERSION;
    if (req.generationId > member.memberEpoch) return ErrorCode.FENCED_MEMBER_EPOCH;
    if (req.generationId < member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  /** OffsetFetch v9 from a consumer-protocol member: its epoch must be current. */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    const group = this.#consumers.groups.get(groupId);
    if (group === undefined || memberId === null || memberEpoch < 0) return ErrorCode.NONE;
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- KIP-848

  consumerGroupHeartbeat(
    req: ConsumerHeartbeatInput,
    topics: TopicsView,
    reply: ReplyTo<ConsumerHeartbeatResult>,
    nowMs: number,
  ): Effects {
    const fx = this.#enter(nowMs);
    const classic = this.#groups.get(req.groupId);
    if (classic !== undefined) {
      if (classic.members.size > 0 || req.memberEpoch !== 0) {
        fx.reply(reply, {
          errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
          errorMessage: `Group ${req.groupId} is not a consumer group.`,
          memberId: null,
          memberEpoch: -1,
          heartbeatIntervalMs: 0,
          assignment: null,
        });
        return fx;
      }
      // An empty classic group (a simple consumer's, or one all members left) becomes a consumer group.
      this.#groups.delete(req.groupId);
      this.#timers.cancel(joinKey(req.groupId));
      this.#timers.cancel(syncKey(req.groupId));
      fx.append({ type: "group", groupId: req.groupId, value: null });
    } else if (!this.#consumers.groups.has(req.groupId) && this.#groupCount() >= this.#config.maxGroups) {
      fx.reply(reply, {
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: "Too many groups.",
        memberId: null,
        memberEpoch: -1,
        heartbeatIntervalMs: 0,
        assignment: null,
      });
      return fx;
    }
    fx.reply(reply, this.#consumers.heartbeat(req, topics, this.#nowMs));
    return fx;
  }

  #groupCount(): number {
    return this.#groups.size + this.#consumers.groups.size;
  }

  /** ConsumerGroupDescribe: epochs, assignor, and each member's current and target assignment. */
  describeConsumerGroup(groupId: string, topics: TopicsView): DescribedConsumerGroup {
    const group = this.#consumers.groups.get(groupId);
    if (group === undefined) {
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: `Group ${groupId} not found.`,
        groupId,
        groupState: "Dead",
        groupEpoch: -1,
        assignmentEpoch: -1,
        assignorName: "",
        members: [],
      };
    }
    const named = (keys: Iterable<string>) =>
      toTopicPartitions(keys).map((t) => ({ ...t, topicName: topics.nameOf(t.topicId) ?? "" }));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.preferredAssignor(this.#config.consumerAssignors[0]),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        assignment: named(m.assigned),
        targetAssignment: named(group.target.get(m.memberId) ?? []),
      })),
    };
  }

  /** Committed offsets of the given partitions (null: all the group has), -1 where none. */
  fetchOffsets(
    groupId: string,
    topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null,
    nowMs: number,
  ): OffsetFetchResult {
    this.#enter(nowMs);
    const dead = this.#groups.get(groupId)?.is("Dead") === true;
    const fetched = (topic: string, p: number) => {
      const o = dead ? undefined : this.#offsets.get(groupId, topic, p);
      return {
        partitionIndex: p,
        committedOffset: o?.offset ?? -1n,
        committedLeaderEpoch: o?.leaderEpoch ?? NO_LEADER_EPOCH,
        metadata: o?.metadata ?? "",
        errorCode: ErrorCode.NONE,
      };
    };
    if (topics !== null) {
      return {
        errorCode: ErrorCode.NONE,
        topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => fetched(t.name, p)) })),
      };
    }
    if (dead) return { errorCode: ErrorCode.NONE, topics: [] };
    const byTopic = new Map<string, number[]>();
    for (const [topic, p] of this.#offsets.entries(groupId)) {
      const list = byTopic.get(topic) ?? [];
      list.push(p);
      byTopic.set(topic, list);
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((p) => fetched(name, p)) })),
    };
  }

  /** OffsetDelete: only for groups not subscribed to the topic (any non-empty classic group refuses). */
  deleteOffsets(
    groupId: string,
    topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[],
    reply: ReplyTo<OffsetDeleteResult>,
    nowMs: number,
  ): Effects {
    const fx = this.#enter(nowMs);
    if (groupId === "") {
      fx.reply(reply, { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] });
      return fx;
    }
    const consumer = this.#consumers.groups.get(groupId);
    const group = this.#groups.get(groupId);
    if (consumer === undefined && (group === undefined || group.is("Dead"))) {
      fx.reply(reply, { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] });
      return fx;
    }
    if (consumer !== undefined ? consumer.members.size > 0 : !group!.is("Empty")) {
      fx.reply(reply, { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] });
      return fx;
    }
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        if (this.#offsets.delete(groupId, t.name, p))
          fx.append({ type: "offset", groupId, topic: t.name, partition: p, value: null });
        return { partitionIndex: p, errorCode: ErrorCode.NONE };
      }),
    }));
    fx.reply(reply, { errorCode: ErrorCode.NONE, topics: out });
    return fx;
  }

  // ---------------------------------------------------------------- Admin

  describeGroup(groupId: string): DescribedGroup {
    const consumer = this.#consumers.groups.get(groupId);
    if (consumer !== undefined) {
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: consumer.state,
        protocolType: "consumer",
        protocolData: "",
        members: [...consumer.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: EMPTY_ASSIGNMENT,
          assignment: EMPTY_ASSIGNMENT,
        })),
      };
    }
    const group = this.#groups.get(groupId);
    if (groupId === "")
      return {
        errorCode: ErrorCode.INVALID_GROUP_ID,
        groupId,
        groupState: "",
        protocolType: "",
        protocolData: "",
        members: [],
      };
    if (group === undefined)
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: "Dead",
        protocolType: "",
        protocolData: "",
        members: [],
      };
    const stable = group.is("Stable");
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? "",
      protocolData: stable ? (group.protocolName ?? "") : "",
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(group.protocolName) : EMPTY_ASSIGNMENT,
        assignment: stable ? m.assignment : EMPTY_ASSIGNMENT,
      })),
    };
  }

  /** Groups, optionally filtered by state (case-insensitive, as Kafka compares) and type. */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.#groups.values()) {
      if (g.is("Dead")) continue;
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has("classic")) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? "", groupState: g.state, groupType: "classic" });
    }
    for (const g of this.#consumers.groups.values()) {
      const state = g.state;
      if (states.size > 0 && !states.has(state.toLowerCase())) continue;
      if (types.size > 0 && !types.has("consumer")) continue;
      out.push({ groupId: g.groupId, protocolType: "consumer", groupState: state, groupType: "consumer" });
    }
    return out;
  }

  deleteGroups(groupIds: readonly string[], reply: ReplyTo<DeleteGroupsResult>, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    const results = groupIds.map((groupId) => {
      if (groupId === "") return { groupId, errorCode: ErrorCode.INVALID_GROUP_ID };
      const consumer = this.#consumers.groups.get(groupId);
      if (consumer !== undefined) {
        if (consumer.members.size > 0) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
        this.#deleteConsumerGroup(fx, groupId);
        return { groupId, errorCode: ErrorCode.NONE };
      }
      const group = this.#groups.get(groupId);
      if (group === undefined || group.is("Dead")) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (!group.is("Empty")) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      this.#deleteGroup(fx, group);
      return { groupId, errorCode: ErrorCode.NONE };
    });
    fx.reply(reply, { results });
    return fx;
  }

  #deleteConsumerGroup(fx: Effects, groupId: string): void {
    for (const [topic, partition] of [...this.#offsets.entries(groupId)]) {
      this.#offsets.delete(groupId, topic, partition);
      fx.append({ type: "offset", groupId, topic, partition, value: null });
    }
    this.#consumers.groups.delete(groupId);
  }

  #deleteGroup(fx: Effects, group: ClassicGroup): void {
    for (const [topic, partition] of [...this.#offsets.entries(group.groupId)]) {
      this.#offsets.delete(group.groupId, topic, partition);
      fx.append({ type: "offset", groupId: group.groupId, topic, partition, value: null });
    }
    group.transitionTo("Dead", this.#nowMs);
    this.#groups.delete(group.groupId);
    this.#timers.cancel(joinKey(group.groupId));
    this.#timers.cancel(syncKey(group.groupId));
    fx.append({ type: "group", groupId: group.groupId, value: null });
  }

  /**
   * Kafka's retention rule: offsets of an empty group expire `offsets.retention.minutes` after the
   * group became empty (or after the commit, for simple groups and explicit expiry times); an empty
   * group with no offsets left is deleted.
   */
  #expireOffsetsAndGroups(fx: Effects): void {
    const now = this.#nowMs;
    const retention = this.#config.offsetsRetentionMs;
    for (const group of [...this.#groups.values()]) {
      const groupId = group.groupId;
      const empty = group.is("Empty");
      const simple = group.protocolType === null;
      if (empty || simple) {
        for (const [topic, partition, o] of [...this.#offsets.entries(groupId)]) {
          const expired =
            o.expireTimestampMs !== null
              ? now >= o.expireTimestampMs
              : now - (simple ? o.commitTimestampMs : group.stateTimestampMs) >= retention;
          if (expired) {
            this.#offsets.delete(groupId, topic, partition);
            fx.append({ type: "offset", groupId, topic, partition, value: null });
          }
        }
      }
      if (empty && !this.#offsets.hasOffsets(groupId)) this.#deleteGroup(fx, group);
    }
    for (const group of [...this.#consumers.groups.values()]) {
      if (group.members.size > 0) continue;
      for (const [topic, partition, o] of [...this.#offsets.entries(group.groupId)]) {
        const expiresAt = o.expireTimestampMs ?? o.commitTimestampMs + retention;
        if (now >= expiresAt) {
          this.#offsets.delete(group.groupId, topic, partition);
          fx.append({ type: "offset", groupId: group.groupId, topic, partition, value: null });
        }
      }
      if (!this.#offsets.hasOffsets(group.groupId)) this.#consumers.groups.delete(group.groupId);
    }
    this.#timers.schedule(RETENTION_KEY, now + this.#config.offsetsRetentionCheckIntervalMs, (f) =>
      this.#expireOffsetsAndGroups(f),
    );
  }

  // ---------------------------------------------------------------- Records

  #groupRecord(group: ClassicGroup): CoordinatorRecord {
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? "",
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.stateTimestampMs),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadataFor(group.protocolName),
        assignment: m.assignment,
      })),
    };
    return { type: "group", groupId: group.groupId, value };
  }

  /** Rebuilds state from one `__consumer_offsets` record (start-up load, in log order). */
  replay(record: CoordinatorRecord): void {
    if (record.type === "offset") {
      if (record.value === null) {
        this.#offsets.delete(record.groupId, record.topic, record.partition);
        return;
      }
      if (!this.#groups.has(record.groupId))
        this.#groups.set(record.groupId, new ClassicGroup(record.groupId, this.#nowMs));
      this.#offsets.put(record.groupId, record.topic, record.partition, record.value);
      return;
    }
    if (record.value === null) {
      this.#groups.delete(record.groupId);
      return;
    }
    const v = record.value;
    const g = new ClassicGroup(
      record.groupId,
      v.currentStateTimestamp >= 0n ? Number(v.currentStateTimestamp) : this.#nowMs,
    );
    g.generationId = v.generation;
    g.protocolType = v.protocolType === "" ? null : v.protocolType;
    g.protocolName = v.protocol;
    for (const m of v.members) {
      const member = new ClassicMember(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
        m.sessionTimeout,
        [{ name: v.protocol ?? "", metadata: m.subscription }],
      );
      member.assignment = m.assignment;
      g.add(member, v.protocolType, null);
    }
    g.leaderId = v.leader !== null && g.members.has(v.leader) ? v.leader : g.leaderId;
    g.state = v.members.length > 0 ? "Stable" : "Empty";
    g.previousState = g.state;
    this.#groups.set(record.groupId, g);
  }

  /**
   * Shutdown: parked JoinGroup and SyncGroup requests get NOT_COORDINATOR, as when Kafka unloads a
   * partition, so clients look for the coordinator again instead of waiting out their timeout.
   */
  abandonParkedRequests(nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    for (const g of this.#groups.values()) {
      for (const m of g.members.values()) {
        if (m.joinReply !== null) fx.reply(m.joinReply, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        if (m.syncReply !== null) fx.reply(m.syncReply, syncError(ErrorCode.NOT_COORDINATOR));
        m.joinReply = null;
        m.syncReply = null;
      }
    }
    return fx;
  }

  /** After a partition's records are replayed: members of loaded groups must heartbeat from now on. */
  onLoaded(partition: number, nowMs: number): void {
    this.#enter(nowMs);
    for (const g of this.#groups.values()) {
      if (this.partitionFor(g.groupId) !== partition) continue;
      for (const m of g.members.values()) this.#rescheduleHeartbeat(g, m, m.sessionTimeoutMs);
    }
  }
}
