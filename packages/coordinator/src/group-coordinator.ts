/**
 * The group coordinator as a pure state machine: requests and `nowMs` in; records to append, replies
 * and deadlines out. It owns the state (classic and KIP-848 groups, committed offsets, timers) and
 * follows Kafka's GroupMetadataManager and OffsetMetadataManager rule for rule, so clients see the
 * same error codes in the same situations.
 */
import type { Random } from "@samsa/common";
import { ErrorCode } from "@samsa/protocol";
import { ClassicGroup, ClassicMember, EMPTY_ASSIGNMENT, subscribedTopics } from "./classic-group.js";
import {
  ClassicProtocol,
  heartbeatKey,
  joinError,
  joinKey,
  syncError,
  syncKey,
  validateMember,
} from "./classic-protocol.js";
import type { ConsumerGroup } from "./consumer-group.js";
import {
  ConsumerGroupManager,
  type ConsumerHeartbeatInput,
  type ConsumerHeartbeatResult,
  type TopicsView,
  toTopicPartitions,
} from "./consumer-groups.js";
import type { GroupCoordinatorConfig } from "./config.js";
import { offsetCommitAppendError } from "./append-errors.js";
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

const NO_LEADER_EPOCH = -1;

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
  readonly #classic: ClassicProtocol;
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
    this.#classic = new ClassicProtocol({
      config,
      timers: this.#timers,
      groups: this.#groups,
      consumerGroups: this.#consumers.groups,
      deleteConsumerGroup: (groupId, fx) => this.#consumers.deleteGroup(groupId, fx),
      nowMs: () => this.#nowMs,
      enter: (t) => this.#enter(t),
      newMemberId: (prefix) => this.#newMemberId(prefix),
      groupCount: () => this.#groupCount(),
    });
  }

  #newMemberId(prefix: string): string {
    const hex = (n: number) =>
      Array.from({ length: n }, () => Math.floor(this.#random.next() * 16).toString(16)).join("");
    return `${prefix}-${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
  }

  joinGroup(req: JoinGroupInput, reply: ReplyTo<JoinGroupResult>, nowMs: number): Effects {
    return this.#classic.joinGroup(req, reply, nowMs);
  }

  syncGroup(req: SyncGroupInput, reply: ReplyTo<SyncGroupResult>, nowMs: number): Effects {
    return this.#classic.syncGroup(req, reply, nowMs);
  }

  heartbeat(req: HeartbeatInput, nowMs: number): number {
    return this.#classic.heartbeat(req, nowMs);
  }

  leaveGroup(req: LeaveGroupInput, reply: ReplyTo<LeaveGroupResult>, nowMs: number): Effects {
    return this.#classic.leaveGroup(req, reply, nowMs);
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
      // Not in the log unless the commit lands: a failed first commit leaves no group behind.
      fx.whenFailed(() => {
        if (this.#groups.get(req.groupId) === g && g.is("Empty") && g.members.size === 0)
          this.#groups.delete(req.groupId);
      });
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
        // Served once appended: a commit that never reaches the log is never seen.
        fx.whenAppended(() => this.#offsets.put(req.groupId, t.name, p.partitionIndex, value));
        fx.append({ type: "offset", groupId: req.groupId, topic: t.name, partition: p.partitionIndex, value });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    fx.reply(reply, { topics }, offsetCommitAppendError);
    return fx;
  }

  /**
   * The records of `fx` could not be appended (`appendError` is the log's Kafka error): undoes what
   * the step changed ahead of its append. Apply the returned effects like any other step's.
   */
  appendFailed(fx: Effects, appendError: number, nowMs: number): Effects {
    const out = this.#enter(nowMs);
    fx.failed(out, appendError);
    return out;
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
      const error = validateMember(group, req.memberId, req.groupInstanceId);
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
    fx.reply(reply, this.#consumers.heartbeat(req, topics, this.#nowMs, fx));
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
    // Kafka: a live classic group refuses unless it speaks the consumer protocol; then (and for
    // KIP-848 groups) only the offsets of topics nobody subscribes to may go.
    let subscribed: ReadonlySet<string> = new Set();
    if (consumer !== undefined) {
      subscribed = new Set([...consumer.members.values()].flatMap((m) => m.subscribedTopicNames));
    } else if (!group!.is("Empty")) {
      if (group!.protocolType !== "consumer") {
        fx.reply(reply, { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] });
        return fx;
      }
      subscribed = subscribedTopics(group!);
    }
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        if (subscribed.has(t.name)) return { partitionIndex: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
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

  /**
   * Topics were deleted: as Kafka's GroupCoordinator.onPartitionsDeleted, every loaded group drops
   * (and tombstones) its committed offsets of those topics, so a re-created topic of the same name
   * starts without them.
   */
  onTopicsDeleted(topics: ReadonlySet<string>, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    if (topics.size === 0) return fx;
    for (const groupId of [...this.#offsets.groupIds()]) {
      for (const [topic, partition] of [...this.#offsets.entries(groupId)]) {
        if (!topics.has(topic)) continue;
        this.#offsets.delete(groupId, topic, partition);
        fx.append({ type: "offset", groupId, topic, partition, value: null });
      }
      // An empty group left with no offsets is gone, as after offset expiry.
      const group = this.#groups.get(groupId);
      if (group?.is("Empty") === true && !this.#offsets.hasOffsets(groupId)) this.#deleteGroup(fx, group);
    }
    return fx;
  }

  #deleteConsumerGroup(fx: Effects, groupId: string): void {
    for (const [topic, partition] of [...this.#offsets.entries(groupId)]) {
      this.#offsets.delete(groupId, topic, partition);
      fx.append({ type: "offset", groupId, topic, partition, value: null });
    }
    this.#consumers.deleteGroup(groupId, fx);
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
      if (!this.#offsets.hasOffsets(group.groupId)) this.#consumers.deleteGroup(group.groupId, fx);
    }
    this.#timers.schedule(RETENTION_KEY, now + this.#config.offsetsRetentionCheckIntervalMs, (f) =>
      this.#expireOffsetsAndGroups(f),
    );
  }

  // ---------------------------------------------------------------- Records

  /** Rebuilds state from one `__consumer_offsets` record (start-up load, in log order). */
  replay(record: CoordinatorRecord): void {
    if (record.type === "offset") {
      if (record.value === null) {
        this.#offsets.delete(record.groupId, record.topic, record.partition);
        return;
      }
      if (!this.#groups.has(record.groupId) && !this.#consumers.groups.has(record.groupId))
        this.#groups.set(record.groupId, new ClassicGroup(record.groupId, this.#nowMs));
      this.#offsets.put(record.groupId, record.topic, record.partition, record.value);
      return;
    }
    if (record.type !== "group") {
      // A simple group that only had offsets so far became a consumer group.
      if (this.#groups.get(record.groupId)?.members.size === 0) this.#groups.delete(record.groupId);
      this.#consumers.replay(record, this.#nowMs);
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

  /**
   * The partition moved to another coordinator (or must be reloaded): its groups and offsets leave
   * memory, parked requests get NOT_COORDINATOR, and their timers stop. No records are written.
   */
  unloadPartition(partition: number, nowMs: number): Effects {
    const fx = this.#enter(nowMs);
    for (const g of [...this.#groups.values()]) {
      if (this.partitionFor(g.groupId) !== partition) continue;
      for (const m of g.members.values()) {
        if (m.joinReply !== null) fx.reply(m.joinReply, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        if (m.syncReply !== null) fx.reply(m.syncReply, syncError(ErrorCode.NOT_COORDINATOR));
        m.joinReply = null;
        m.syncReply = null;
        this.#timers.cancel(heartbeatKey(g.groupId, m.memberId));
      }
      for (const pending of g.pendingMembers) this.#timers.cancel(heartbeatKey(g.groupId, pending));
      this.#timers.cancel(joinKey(g.groupId));
      this.#timers.cancel(syncKey(g.groupId));
      this.#groups.delete(g.groupId);
    }
    for (const groupId of [...this.#consumers.groups.keys()])
      if (this.partitionFor(groupId) === partition) this.#consumers.forget(groupId);
    for (const groupId of [...this.#offsets.groupIds()]) {
      if (this.partitionFor(groupId) !== partition) continue;
      for (const [topic, p] of [...this.#offsets.entries(groupId)]) this.#offsets.delete(groupId, topic, p);
    }
    return fx;
  }

  /** After a partition's records are replayed: members of loaded groups must heartbeat from now on. */
  onLoaded(partition: number, nowMs: number): void {
    this.#enter(nowMs);
    for (const g of this.#groups.values()) {
      if (this.partitionFor(g.groupId) !== partition) continue;
      for (const m of g.members.values()) this.#classic.rescheduleHeartbeat(g, m, m.sessionTimeoutMs);
    }
    this.#consumers.onLoaded((groupId) => this.partitionFor(groupId) === partition, nowMs);
  }
}
