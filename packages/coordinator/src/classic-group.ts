import { assert } from "@samsa/common";
import { decodeConsumerProtocolSubscription, ProtocolError, Reader } from "@samsa/protocol";
import type { ReplyTo } from "./effects.js";
import type { ClassicGroupState, JoinGroupMember, JoinGroupResult, JoinProtocol, SyncGroupResult } from "./types.js";

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export class ClassicMember {
  joinReply: ReplyTo<JoinGroupResult> | null = null;
  syncReply: ReplyTo<SyncGroupResult> | null = null;
  assignment: Buffer = EMPTY_ASSIGNMENT;
  /** Until its first JoinGroup completes; such a member's heartbeat can expire while it waits. */
  isNew = false;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocols: readonly JoinProtocol[],
  ) {}

  get awaitingJoin(): boolean {
    return this.joinReply !== null;
  }

  /** Members waiting in a rebalance count as alive; new ones must still finish joining in time. */
  hasSatisfiedHeartbeat(): boolean {
    return !this.isNew && (this.joinReply !== null || this.syncReply !== null);
  }

  matches(protocols: readonly JoinProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata))
    );
  }

  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    assert(p !== undefined, "member supports none of the candidate protocols");
    return p.name;
  }

  metadataFor(protocolName: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_ASSIGNMENT;
  }
}

/** One classic-protocol group: members, generation, state; the rules live in the coordinator. */
export class ClassicGroup {
  state: ClassicGroupState = "Empty";
  previousState: ClassicGroupState = "Empty";
  stateTimestampMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion order is join order, which picks the next leader as Kafka's LinkedHashMap does. */
  readonly members = new Map<string, ClassicMember>();
  /** Dynamic members given an id by MEMBER_ID_REQUIRED who have not rejoined yet. */
  readonly pendingMembers = new Set<string>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  readonly staticMembers = new Map<string, string>();
  /** Set when a member joins during the initial delay, which then extends it. */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: ClassicGroupState, nowMs: number): void {
    this.previousState = this.state;
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  get numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin && this.pendingMembers.size === 0;
  }

  add(member: ClassicMember, protocolType: string, reply: ReplyTo<JoinGroupResult> | null): void {
    assert(!this.members.has(member.memberId), "member added twice");
    if (this.members.size === 0) this.protocolType = protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.pendingMembers.delete(member.memberId);
    member.joinReply = reply;
  }

  remove(memberId: string): void {
    const m = this.members.get(memberId);
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (m === undefined) return;
    this.members.delete(memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId)
      this.staticMembers.delete(m.groupInstanceId);
    if (this.leaderId === memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
  }

  /** Gives a static member a new member id, keeping its place, assignment and leadership. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicMember {
    const m = this.members.get(oldMemberId);
    assert(m !== undefined, "static member to replace is missing");
    const entries = [...this.members.entries()];
    this.members.clear();
    for (const [id, member] of entries) this.members.set(id === oldMemberId ? newMemberId : id, member);
    m.memberId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return m;
  }

  /** Kafka's rule: a new group takes any typed member; otherwise same type and a protocol all share. */
  supportsProtocols(protocolType: string, protocols: readonly JoinProtocol[]): boolean {
    if (this.is("Empty")) return protocolType !== "" && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    return protocols.some((p) => this.#supportCount(p.name) === this.members.size);
  }

  #supportCount(name: string): number {
    let n = 0;
    for (const m of this.members.values()) if (m.protocols.some((p) => p.name === name)) n++;
    return n;
  }

  candidateProtocols(): Set<string> {
    const out = new Set<string>();
    const first = this.members.values().next();
    if (first.done) return out;
    for (const p of first.value.protocols) if (this.#supportCount(p.name) === this.members.size) out.add(p.name);
    return out;
  }

  /** Each member votes for its first candidate; most votes wins, ties going to the earliest vote. */
  selectProtocol(): string {
    assert(this.members.size > 0, "cannot select a protocol for an empty group");
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = "";
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  /** The longest rebalance timeout among members: how long a rebalance may wait for them. */
  rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  /** If the leader did not rejoin, the first member that did leads; false when none rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.awaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  currentMembers(): JoinGroupMember[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(this.protocolName),
    }));
  }
}

/** Highest ConsumerProtocolSubscription version this codec reads; newer ones start the same way. */
const MAX_SUBSCRIPTION_VERSION = 3;

/**
 * The topics a "consumer"-protocol group's members subscribe to, read from their metadata for the
 * selected protocol (Kafka's ClassicGroup.computeSubscribedTopics). Unreadable metadata counts as
 * no subscription, as in Kafka.
 */
export function subscribedTopics(group: ClassicGroup): Set<string> {
  const out = new Set<string>();
  if (group.protocolType !== "consumer") return out;
  for (const m of group.members.values()) {
    try {
      const r = new Reader(m.metadataFor(group.protocolName));
      const version = Math.min(r.readInt16(), MAX_SUBSCRIPTION_VERSION);
      if (version < 0) return new Set();
      for (const t of decodeConsumerProtocolSubscription(r, version).topics) out.add(t);
    } catch (e) {
      if (e instanceof ProtocolError) return new Set();
      throw e;
    }
  }
  return out;
}
