/**
 * The classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) rule for rule as Kafka's
 * GroupMetadataManager: generations, protocol selection, static members, initial delay, session,
 * rebalance and sync timeouts. State lives in the coordinator; this class holds the rules.
 */
import { groupAppendError } from "./append-errors.js";
import { assert } from "@samsa/common";
import { ErrorCode, type GroupMetadataValue } from "@samsa/protocol";
import { ClassicGroup, ClassicMember, EMPTY_ASSIGNMENT } from "./classic-group.js";
import type { GroupCoordinatorConfig } from "./config.js";
import type { ConsumerGroup } from "./consumer-group.js";
import type { Effects, ReplyTo } from "./effects.js";
import type { CoordinatorRecord } from "./records.js";
import type { Timers } from "./timers.js";
import type {
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupResult,
  LeaveGroupInput,
  LeaveGroupResult,
  SyncGroupInput,
  SyncGroupResult,
} from "./types.js";

export const UNKNOWN_MEMBER_ID = "";
const NO_GENERATION = -1;

/** What the classic rules share with the rest of the coordinator. */
export interface ClassicContext {
  readonly config: GroupCoordinatorConfig;
  readonly timers: Timers<Effects>;
  readonly groups: Map<string, ClassicGroup>;
  /** Consumer (KIP-848) groups: an empty one may become classic, a live one may not. */
  readonly consumerGroups: ReadonlyMap<string, ConsumerGroup>;
  /** Deletes an empty consumer group, writing its tombstones. */
  deleteConsumerGroup(groupId: string, fx: Effects): void;
  nowMs(): number;
  /** Moves the clock to `nowMs` (never back) and starts a step. */
  enter(nowMs: number): Effects;
  newMemberId(prefix: string): string;
  groupCount(): number;
}

export function joinError(memberId: string, errorCode: number): JoinGroupResult {
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

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

export const heartbeatKey = (g: string, m: string) => `heartbeat:${g}:${m}`;
export const joinKey = (g: string) => `join:${g}`;
export const syncKey = (g: string) => `sync:${g}`;
/** Kafka's ClassicGroup.validateMember: UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID, else NONE. */
export function validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const existing = group.staticMembers.get(groupInstanceId);
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

/** The GroupMetadata record of a group's current generation, members and assignments. */
export function groupRecord(group: ClassicGroup): CoordinatorRecord {
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

export class ClassicProtocol {
  readonly #ctx: ClassicContext;

  constructor(ctx: ClassicContext) {
    this.#ctx = ctx;
  }

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinGroupInput, reply: ReplyTo<JoinGroupResult>, nowMs: number): Effects {
    const fx = this.#ctx.enter(nowMs);
    if (req.groupId === "") {
      fx.reply(reply, joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
      return fx;
    }
    if (
      req.sessionTimeoutMs < this.#ctx.config.minSessionTimeoutMs ||
      req.sessionTimeoutMs > this.#ctx.config.maxSessionTimeoutMs
    ) {
      fx.reply(reply, joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
      return fx;
    }
    const isUnknownMember = req.memberId === UNKNOWN_MEMBER_ID;
    const consumer = this.#ctx.consumerGroups.get(req.groupId);
    if (consumer !== undefined) {
      // A classic member may take over an empty consumer group; a live one speaks the other protocol.
      if (consumer.members.size > 0) {
        fx.reply(reply, joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
        return fx;
      }
      this.#ctx.deleteConsumerGroup(req.groupId, fx);
    }
    let group = this.#ctx.groups.get(req.groupId);
    const isNewGroup = group === undefined;
    if (group === undefined) {
      if (!isUnknownMember) {
        fx.reply(reply, joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return fx;
      }
      if (this.#ctx.groupCount() >= this.#ctx.config.maxGroups) {
        fx.reply(reply, joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        return fx;
      }
      group = new ClassicGroup(req.groupId, this.#ctx.nowMs());
      this.#ctx.groups.set(req.groupId, group);
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
    if (isNewGroup && fx.records.length === before) fx.append(groupRecord(group));
    return fx;
  }

  #acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case "Empty":
      case "Dead":
        return true;
      case "PreparingRebalance":
        return (
          group.members.get(memberId)?.awaitingJoin === true || group.numAwaitingJoin < this.#ctx.config.maxGroupSize
        );
      case "CompletingRebalance":
      case "Stable":
        return group.members.has(memberId) || group.members.size < this.#ctx.config.maxGroupSize;
    }
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
    const newMemberId = this.#ctx.newMemberId(req.groupInstanceId ?? req.clientId);
    if (req.groupInstanceId !== null) {
      const existing = group.staticMembers.get(req.groupInstanceId);
      if (existing !== undefined) this.#updateStaticMember(fx, group, req, existing, newMemberId, reply);
      else this.#addMember(fx, group, req, newMemberId, reply);
      return;
    }
    if (req.requireKnownMemberId) {
      if (group.pendingMembers.size >= this.#ctx.config.maxGroupSize) {
        fx.reply(reply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
        return;
      }
      group.pendingMembers.add(newMemberId);
      this.#ctx.timers.schedule(
        heartbeatKey(group.groupId, newMemberId),
        this.#ctx.nowMs() + req.sessionTimeoutMs,
        (f) => this.#expireHeartbeat(f, group.groupId, newMemberId),
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
    const error = validateMember(group, memberId, req.groupInstanceId);
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
    this.rescheduleHeartbeat(group, member, this.#ctx.config.newMemberJoinTimeoutMs);
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
    this.#ctx.timers.cancel(heartbeatKey(group.groupId, oldMemberId));
    const member = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
    this.rescheduleHeartbeat(group, member, member.sessionTimeoutMs);
    if (group.is("Stable")) {
      const oldProtocols = member.protocols;
      member.protocols = req.protocols;
      if (group.protocolName === group.selectProtocol()) {
        // Same protocol: persist the new member id and answer at once, without a rebalance.
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
        member.sessionTimeoutMs = req.sessionTimeoutMs;
        fx.append(groupRecord(group));
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
    this.#ctx.timers.cancel(syncKey(group.groupId));
    const isInitial = group.is("Empty");
    group.transitionTo("PreparingRebalance", this.#ctx.nowMs());
    if (isInitial) {
      const delayMs = this.#ctx.config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.#scheduleInitialJoin(group, delayMs, remainingMs);
      return;
    }
    if (group.hasAllMembersJoined()) this.#completeJoin(fx, group);
    else this.#scheduleJoinTimeout(group);
  }

  #scheduleJoinTimeout(group: ClassicGroup): void {
    this.#ctx.timers.schedule(joinKey(group.groupId), this.#ctx.nowMs() + group.rebalanceTimeoutMs(), (f) => {
      if (this.#ctx.groups.get(group.groupId) === group) this.#completeJoin(f, group);
    });
  }

  #scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    this.#ctx.timers.schedule(joinKey(group.groupId), this.#ctx.nowMs() + delayMs, (f) => {
      if (this.#ctx.groups.get(group.groupId) !== group) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const nextDelay = Math.min(this.#ctx.config.initialRebalanceDelayMs, remainingMs);
        this.#scheduleInitialJoin(group, nextDelay, Math.max(remainingMs - delayMs, 0));
      } else this.#completeJoin(f, group);
    });
  }

  #completeJoin(fx: Effects, group: ClassicGroup): void {
    this.#ctx.timers.cancel(joinKey(group.groupId));
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        group.remove(m.memberId);
        this.#ctx.timers.cancel(heartbeatKey(group.groupId, m.memberId));
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
      group.transitionTo("Empty", this.#ctx.nowMs());
      fx.append(groupRecord(group));
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo("CompletingRebalance", this.#ctx.nowMs());
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
      this.rescheduleHeartbeat(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    const generation = group.generationId;
    this.#ctx.timers.schedule(syncKey(group.groupId), this.#ctx.nowMs() + group.rebalanceTimeoutMs(), (f) =>
      this.#expirePendingSync(f, group, generation),
    );
  }

  #expirePendingSync(fx: Effects, group: ClassicGroup, generation: number): void {
    if (this.#ctx.groups.get(group.groupId) !== group || group.generationId !== generation) return;
    if (!(group.is("CompletingRebalance") || group.is("Stable")) || group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const m = group.members.get(memberId);
      if (m?.syncReply) fx.reply(m.syncReply, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      group.remove(memberId);
      this.#ctx.timers.cancel(heartbeatKey(group.groupId, memberId));
    }
    this.#prepareRebalance(fx, group);
  }

  rescheduleHeartbeat(group: ClassicGroup, member: ClassicMember, timeoutMs: number): void {
    const memberId = member.memberId;
    this.#ctx.timers.schedule(heartbeatKey(group.groupId, memberId), this.#ctx.nowMs() + timeoutMs, (f) =>
      this.#expireHeartbeat(f, group.groupId, memberId),
    );
  }

  #expireHeartbeat(fx: Effects, groupId: string, memberId: string): void {
    const group = this.#ctx.groups.get(groupId);
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
    this.#ctx.timers.cancel(heartbeatKey(group.groupId, member.memberId));
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
      this.rescheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(req: SyncGroupInput, reply: ReplyTo<SyncGroupResult>, nowMs: number): Effects {
    const fx = this.#ctx.enter(nowMs);
    if (req.groupId === "") {
      fx.reply(reply, syncError(ErrorCode.INVALID_GROUP_ID));
      return fx;
    }
    const group = this.#ctx.groups.get(req.groupId);
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
        // As Kafka, the group completes its rebalance only once the assignment is in the log; a
        // failed append answers every waiting member and rebalances again (no state the log lacks).
        fx.append(groupRecord(group));
        const generation = group.generationId;
        const current = () =>
          this.#ctx.groups.get(group.groupId) === group &&
          group.is("CompletingRebalance") &&
          group.generationId === generation;
        fx.whenAppended(() => {
          if (!current()) return;
          this.#propagateAssignment(fx, group, ErrorCode.NONE);
          group.transitionTo("Stable", this.#ctx.nowMs());
        });
        fx.whenFailed((f, appendError) => {
          if (!current()) return;
          this.#resetAndPropagateAssignment(f, group, groupAppendError(appendError));
          this.#prepareRebalance(f, group);
        });
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
    const error = validateMember(group, req.memberId, req.groupInstanceId);
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
    if (group.pendingSyncMembers.size === 0) this.#ctx.timers.cancel(syncKey(group.groupId));
  }

  // ---------------------------------------------------------------- Heartbeat

  heartbeat(req: HeartbeatInput, nowMs: number): number {
    this.#ctx.enter(nowMs);
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.#ctx.groups.get(req.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = validateMember(group, req.memberId, req.groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case "PreparingRebalance":
        this.rescheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case "CompletingRebalance":
      case "Stable":
        this.rescheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  // ---------------------------------------------------------------- LeaveGroup

  leaveGroup(req: LeaveGroupInput, reply: ReplyTo<LeaveGroupResult>, nowMs: number): Effects {
    const fx = this.#ctx.enter(nowMs);
    const group = req.groupId === "" ? undefined : this.#ctx.groups.get(req.groupId);
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
        this.#ctx.timers.cancel(heartbeatKey(group.groupId, m.memberId));
      } else {
        errorCode = validateMember(group, m.memberId, m.groupInstanceId);
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
    this.#ctx.timers.cancel(heartbeatKey(group.groupId, memberId));
    if (member.joinReply !== null)
      fx.reply(member.joinReply, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    member.joinReply = null;
    if (member.syncReply !== null) fx.reply(member.syncReply, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.syncReply = null;
    group.remove(memberId);
  }
}
