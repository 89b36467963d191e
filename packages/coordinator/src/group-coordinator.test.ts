import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultConsumerProtocolSubscription,
  encodeConsumerProtocolSubscription,
  ErrorCode,
  Writer,
} from "@samsa/protocol";
import type { GroupCoordinator } from "./group-coordinator.js";
import { checkInvariants } from "./invariants.js";
import { Captured, commitInput, deliver, joinInput, newCoordinator, RANGE } from "./test-support.js";
import type {
  JoinGroupInput,
  JoinGroupResult,
  LeaveGroupResult,
  OffsetCommitInput,
  OffsetCommitResult,
  SyncGroupResult,
} from "./types.js";

function join(c: GroupCoordinator, input: Partial<JoinGroupInput>, now: number): Captured<JoinGroupResult> {
  const r = new Captured<JoinGroupResult>();
  deliver(c.joinGroup(joinInput(input), r, now));
  checkInvariants(c);
  return r;
}

function sync(
  c: GroupCoordinator,
  memberId: string,
  generationId: number,
  now: number,
  assignments: { memberId: string; assignment: Buffer }[] = [],
  groupInstanceId: string | null = null,
): Captured<SyncGroupResult> {
  const r = new Captured<SyncGroupResult>();
  deliver(
    c.syncGroup(
      {
        groupId: "g",
        memberId,
        groupInstanceId,
        generationId,
        protocolType: "consumer",
        protocolName: "range",
        assignments,
      },
      r,
      now,
    ),
  );
  checkInvariants(c);
  return r;
}

function commit(c: GroupCoordinator, input: Partial<OffsetCommitInput>, now: number): OffsetCommitResult {
  const r = new Captured<OffsetCommitResult>();
  deliver(
    c.commitOffsets(
      {
        ...commitInput("g"),
        topics: [
          {
            name: "t",
            partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: "m" }],
          },
        ],
        ...input,
      },
      r,
      now,
    ),
  );
  checkInvariants(c);
  return r.get();
}

/** Two-step join of a new dynamic member (v4+): MEMBER_ID_REQUIRED, then the parked join. */
function joinNew(c: GroupCoordinator, now: number, extra: Partial<JoinGroupInput> = {}): Captured<JoinGroupResult> {
  const first = join(c, extra, now);
  assert.equal(first.get().errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.notEqual(first.get().memberId, "");
  return join(c, { ...extra, memberId: first.get().memberId }, now);
}

/** A stable group of `n` members formed after the initial delay; returns member ids, leader first. */
function stableGroup(c: GroupCoordinator, n: number): { members: string[]; generation: number; now: number } {
  const joins = Array.from({ length: n }, () => joinNew(c, 0));
  assert.ok(
    joins.every((j) => !j.done),
    "initial rebalance waits for its delay",
  );
  // Each join during the initial delay extends it once more.
  deliver(c.poll(3000));
  deliver(c.poll(6000));
  checkInvariants(c);
  const results = joins.map((j) => j.get());
  const leader = results[0].leader;
  const generation = results[0].generationId;
  const members = [leader, ...results.map((r) => r.memberId).filter((m) => m !== leader)];
  const syncs = members.map((m, i) =>
    sync(
      c,
      m,
      generation,
      6001,
      i === 0 ? members.map((id, k) => ({ memberId: id, assignment: Buffer.from([k]) })) : [],
    ),
  );
  for (const s of syncs) assert.equal(s.get().errorCode, ErrorCode.NONE);
  assert.equal(c.group("g")?.state, "Stable");
  return { members, generation, now: 6001 };
}

test("join: v4 members first get MEMBER_ID_REQUIRED, the initial rebalance waits group.initial.rebalance.delay.ms", () => {
  const c = newCoordinator();
  const a = joinNew(c, 0);
  const b = joinNew(c, 100);
  assert.equal(a.done, false);
  deliver(c.poll(2999));
  assert.equal(a.done, false);
  // b joined during the delay, which extends it once more.
  deliver(c.poll(3000));
  assert.equal(a.done, false);
  deliver(c.poll(6000));
  checkInvariants(c);
  const ra = a.get();
  const rb = b.get();
  assert.equal(ra.errorCode, ErrorCode.NONE);
  assert.equal(ra.generationId, 1);
  assert.equal(rb.generationId, 1);
  assert.equal(ra.protocolName, "range");
  assert.equal(ra.leader, ra.memberId);
  assert.equal(ra.members.length, 2, "the leader gets every member's metadata");
  assert.deepEqual(rb.members, []);
  assert.deepEqual(ra.members[0].metadata, RANGE.metadata);
});

test("join before v4 adds the member at once; group.initial.rebalance.delay.ms 0 completes on the next poll", () => {
  const c = newCoordinator({ initialRebalanceDelayMs: 0 });
  const a = join(c, { requireKnownMemberId: false }, 0);
  assert.equal(a.done, false);
  deliver(c.poll(0));
  assert.equal(a.get().errorCode, ErrorCode.NONE);
  assert.match(a.get().memberId, /^client-/);
});

test("join: INVALID_SESSION_TIMEOUT outside group.min/max.session.timeout.ms, INVALID_GROUP_ID, UNKNOWN_MEMBER_ID", () => {
  const c = newCoordinator();
  assert.equal(join(c, { sessionTimeoutMs: 5999 }, 0).get().errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(join(c, { sessionTimeoutMs: 1_800_001 }, 0).get().errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(join(c, { groupId: "" }, 0).get().errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal(join(c, { memberId: "ghost" }, 0).get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(join(c, { protocolType: "" }, 0).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test("protocol selection: only protocols every member supports, most votes wins", () => {
  const c = newCoordinator();
  const rr = { name: "roundrobin", metadata: Buffer.from([9]) };
  const coop = { name: "cooperative-sticky", metadata: Buffer.from([8]) };
  const a = joinNew(c, 0, { protocols: [coop, rr, RANGE] });
  const b = joinNew(c, 0, { protocols: [rr, RANGE] });
  const d = joinNew(c, 0, { protocols: [RANGE, rr] });
  deliver(c.poll(3000));
  deliver(c.poll(6000));
  assert.equal(a.get().protocolName, "roundrobin");
  assert.equal(b.get().protocolName, "roundrobin");
  assert.equal(d.get().protocolName, "roundrobin");
  const e = join(c, { protocols: [coop] }, 6001);
  assert.equal(e.get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test("sync: followers wait for the leader; the group record is appended before the answers", () => {
  const c = newCoordinator();
  const a = joinNew(c, 0);
  const b = joinNew(c, 0);
  deliver(c.poll(3000));
  deliver(c.poll(6000));
  const leader = a.get().leader;
  const follower = [a.get().memberId, b.get().memberId].find((m) => m !== leader)!;
  const gen = a.get().generationId;
  const fs = sync(c, follower, gen, 6100);
  assert.equal(fs.done, false);
  const ls = new Captured<SyncGroupResult>();
  const fx = c.syncGroup(
    {
      groupId: "g",
      memberId: leader,
      groupInstanceId: null,
      generationId: gen,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [
        { memberId: leader, assignment: Buffer.from("L") },
        { memberId: follower, assignment: Buffer.from("F") },
      ],
    },
    ls,
    6200,
  );
  assert.equal(fx.records.length, 1);
  const rec = fx.records[0];
  assert.ok(rec.type === "group" && rec.value !== null);
  assert.equal(rec.value.generation, gen);
  assert.equal(rec.value.members.length, 2);
  assert.equal(fs.done, false, "nothing is answered before the records are appended");
  deliver(fx);
  assert.equal(fs.get().assignment.toString(), "F");
  assert.equal(ls.get().assignment.toString(), "L");
  assert.equal(c.group("g")?.state, "Stable");
  assert.equal(sync(c, follower, gen + 1, 6300).get().errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(sync(c, "nobody", gen, 6300).get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(sync(c, follower, gen, 6300).get().assignment.toString(), "F", "a stable group answers a repeat");
});

test("heartbeat: NONE when stable, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS once a member joins", () => {
  const c = newCoordinator();
  const { members, generation, now } = stableGroup(c, 2);
  const hb = (memberId: string, gen: number, t: number) =>
    c.heartbeat({ groupId: "g", memberId, groupInstanceId: null, generationId: gen }, t);
  assert.equal(hb(members[1], generation, now), ErrorCode.NONE);
  assert.equal(hb(members[1], generation - 1, now), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(hb("ghost", generation, now), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(
    c.heartbeat({ groupId: "nope", memberId: "x", groupInstanceId: null, generationId: 1 }, now),
    ErrorCode.UNKNOWN_MEMBER_ID,
  );
  const third = joinNew(c, now + 10);
  assert.equal(third.done, false);
  assert.equal(c.group("g")?.state, "PreparingRebalance");
  assert.equal(hb(members[1], generation, now + 20), ErrorCode.REBALANCE_IN_PROGRESS);
  // The old members rejoin; the rebalance completes once all have.
  const r0 = join(c, { memberId: members[0] }, now + 30);
  const r1 = join(c, { memberId: members[1] }, now + 40);
  assert.equal(r0.get().generationId, generation + 1);
  assert.equal(r1.get().generationId, generation + 1);
  assert.equal(third.get().generationId, generation + 1);
  assert.equal(r0.get().members.length, 3);
});

test("session timeout: a silent member is removed and the others rebalance without it", () => {
  const c = newCoordinator();
  const { members, generation, now } = stableGroup(c, 2);
  // Only the leader keeps heartbeating.
  for (let t = now; t < now + 12_000; t += 3000) {
    assert.equal(
      c.heartbeat({ groupId: "g", memberId: members[0], groupInstanceId: null, generationId: generation }, t),
      0,
    );
    deliver(c.poll(t));
    checkInvariants(c);
  }
  deliver(c.poll(now + 12_000));
  checkInvariants(c);
  const g = c.group("g")!;
  assert.equal(g.members.has(members[1]), false);
  assert.equal(g.state, "PreparingRebalance");
  assert.equal(
    c.heartbeat({ groupId: "g", memberId: members[0], groupInstanceId: null, generationId: generation }, now + 12_001),
    ErrorCode.REBALANCE_IN_PROGRESS,
  );
  const r = join(c, { memberId: members[0] }, now + 12_002);
  assert.equal(r.get().generationId, generation + 1);
  assert.deepEqual(
    r.get().members.map((m) => m.memberId),
    [members[0]],
  );
});

test("leave: batch leave answers per member; the last member leaving empties the group", () => {
  const c = newCoordinator();
  const { members, generation, now } = stableGroup(c, 2);
  const r = new Captured<LeaveGroupResult>();
  deliver(
    c.leaveGroup(
      {
        groupId: "g",
        members: [
          { memberId: members[1], groupInstanceId: null },
          { memberId: "ghost", groupInstanceId: null },
        ],
      },
      r,
      now,
    ),
  );
  checkInvariants(c);
  assert.deepEqual(
    r.get().members.map((m) => m.errorCode),
    [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID],
  );
  assert.equal(c.group("g")?.state, "PreparingRebalance");
  const rejoin = join(c, { memberId: members[0] }, now + 1);
  assert.equal(rejoin.get().generationId, generation + 1);
  const r2 = new Captured<LeaveGroupResult>();
  const fx = c.leaveGroup({ groupId: "g", members: [{ memberId: members[0], groupInstanceId: null }] }, r2, now + 2);
  deliver(fx);
  checkInvariants(c);
  assert.equal(c.group("g")?.state, "Empty");
  const rec = fx.records[0];
  assert.ok(rec?.type === "group" && rec.value !== null);
  assert.equal(rec.value.generation, generation + 2, "an empty generation is recorded");
  assert.deepEqual(rec.value.members, []);
});

test("static membership: a restarted instance takes its place without a rebalance; the old id is fenced", () => {
  const c = newCoordinator();
  const first = join(c, { groupInstanceId: "i-1" }, 0);
  assert.equal(first.done, false, "static members skip MEMBER_ID_REQUIRED");
  deliver(c.poll(3000));
  const oldId = first.get().memberId;
  assert.match(oldId, /^i-1-/);
  const gen = first.get().generationId;
  assert.equal(
    sync(c, oldId, gen, 3001, [{ memberId: oldId, assignment: Buffer.from("A") }], "i-1").get().errorCode,
    ErrorCode.NONE,
  );
  const again = join(c, { groupInstanceId: "i-1" }, 4000);
  assert.equal(again.get().errorCode, ErrorCode.NONE);
  assert.equal(again.get().generationId, gen, "no new generation");
  const newId = again.get().memberId;
  assert.notEqual(newId, oldId);
  assert.equal(again.get().leader, oldId, "before v9 the returning leader is not told it leads");
  assert.equal(again.get().skipAssignment, false);
  assert.equal(c.group("g")?.state, "Stable");
  assert.equal(
    c.heartbeat({ groupId: "g", memberId: oldId, groupInstanceId: "i-1", generationId: gen }, 4001),
    ErrorCode.FENCED_INSTANCE_ID,
  );
  assert.equal(sync(c, newId, gen, 4002, [], "i-1").get().assignment.toString(), "A", "keeps the assignment");
  assert.equal(
    commit(c, { memberId: oldId, groupInstanceId: "i-1", generationId: gen }, 4003).topics[0].partitions[0].errorCode,
    ErrorCode.FENCED_INSTANCE_ID,
  );
  // JoinGroup v9: the returning leader learns it leads, gets the members, and skips the assignment.
  const v9 = join(c, { groupInstanceId: "i-1", supportsSkipAssignment: true }, 4004);
  assert.equal(v9.get().leader, v9.get().memberId);
  assert.equal(v9.get().skipAssignment, true);
  assert.equal(v9.get().members.length, 1);
  assert.equal(v9.get().generationId, gen);
});

test("offset commit: simple consumers with generation -1, members of the current generation only", () => {
  const c = newCoordinator();
  const { members, generation, now } = stableGroup(c, 2);
  const simple = commit(c, { groupId: "simple" }, now);
  assert.equal(simple.topics[0].partitions[0].errorCode, ErrorCode.NONE);
  const fetched = c.fetchOffsets("simple", [{ name: "t", partitionIndexes: [0, 1] }], now);
  assert.deepEqual(
    fetched.topics[0].partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata]),
    [
      [42n, 3, "m"],
      [-1n, -1, ""],
    ],
  );
  assert.equal(
    commit(c, { groupId: "none", generationId: 1, memberId: "m" }, now).topics[0].partitions[0].errorCode,
    ErrorCode.ILLEGAL_GENERATION,
  );
  assert.equal(
    commit(c, { groupId: "none", generationId: 1, memberId: "m", groupIdNotFoundError: true }, now).topics[0]
      .partitions[0].errorCode,
    ErrorCode.GROUP_ID_NOT_FOUND,
  );
  const code = (input: Partial<OffsetCommitInput>) => commit(c, input, now).topics[0].partitions[0].errorCode;
  assert.equal(code({ memberId: members[1], generationId: generation }), ErrorCode.NONE);
  assert.equal(code({ memberId: members[1], generationId: generation - 1 }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(code({ memberId: "ghost", generationId: generation }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(code({ generationId: -1 }), ErrorCode.UNKNOWN_MEMBER_ID, "no simple commits to a live group");
  assert.equal(
    code({
      memberId: members[1],
      generationId: generation,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: "x".repeat(4097) },
          ],
        },
      ],
    }),
    ErrorCode.OFFSET_METADATA_TOO_LARGE,
  );
  // Offsets may go backwards: seeks and resets are legitimate.
  assert.equal(
    code({
      memberId: members[0],
      generationId: generation,
      topics: [
        {
          name: "t",
          partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }],
        },
      ],
    }),
    ErrorCode.NONE,
  );
  assert.equal(c.committedOffset("g", "t", 0)?.offset, 5n);
  // A new member joining puts the group in PreparingRebalance: commits of the old generation still count.
  joinNew(c, now + 1);
  assert.equal(code({ memberId: members[0], generationId: generation }), ErrorCode.NONE);
});

test("delete groups and offsets: only empty groups; tombstones for each", () => {
  const c = newCoordinator();
  commit(c, { groupId: "simple" }, 0);
  const r = new Captured<{ results: readonly { groupId: string; errorCode: number }[] }>();
  stableGroup(c, 1);
  const fx = deliver(c.deleteGroups(["simple", "g", "missing"], r, 5000));
  assert.deepEqual(
    r.get().results.map((x) => x.errorCode),
    [ErrorCode.NONE, ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND],
  );
  assert.deepEqual(
    fx.records.map((x) => [x.type, x.value]),
    [
      ["offset", null],
      ["group", null],
    ],
  );
  assert.equal(c.group("simple"), undefined);
  assert.equal(
    c.fetchOffsets("simple", [{ name: "t", partitionIndexes: [0] }], 5001).topics[0].partitions[0].committedOffset,
    -1n,
  );
});

test("retention: offsets of an empty group expire offsets.retention.minutes after it became empty, then the group goes", () => {
  const c = newCoordinator({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 1000 });
  commit(c, { groupId: "simple" }, 0);
  deliver(c.poll(59_000));
  assert.equal(c.committedOffset("simple", "t", 0)?.offset, 42n);
  const fx = deliver(c.poll(61_000));
  assert.equal(c.committedOffset("simple", "t", 0), undefined);
  assert.equal(c.group("simple"), undefined);
  assert.ok(fx.records.some((r) => r.type === "offset" && r.value === null));
  assert.ok(fx.records.some((r) => r.type === "group" && r.value === null));
});

test("replay: a coordinator rebuilt from the records has the same groups and offsets", () => {
  const c = newCoordinator();
  const records: ReturnType<GroupCoordinator["poll"]>["records"] = [];
  const keep = <T extends { records: typeof records }>(fx: T) => {
    records.push(...fx.records);
    return fx;
  };
  const a = new Captured<JoinGroupResult>();
  keep(deliver(c.joinGroup(joinInput({ groupInstanceId: "i-1" }), a, 0)));
  keep(deliver(c.poll(3000)));
  const s = new Captured<SyncGroupResult>();
  const memberId = a.get().memberId;
  keep(
    deliver(
      c.syncGroup(
        {
          groupId: "g",
          memberId,
          groupInstanceId: "i-1",
          generationId: 1,
          protocolType: "consumer",
          protocolName: "range",
          assignments: [{ memberId, assignment: Buffer.from("A") }],
        },
        s,
        3001,
      ),
    ),
  );
  const cr = new Captured<OffsetCommitResult>();
  keep(
    deliver(
      c.commitOffsets(
        {
          groupId: "g",
          memberId,
          groupInstanceId: "i-1",
          generationId: 1,
          retentionTimeMs: -1,
          groupIdNotFoundError: false,
          topics: [
            {
              name: "t",
              partitions: [{ partitionIndex: 2, committedOffset: 7n, committedLeaderEpoch: 1, committedMetadata: "" }],
            },
          ],
        },
        cr,
        3002,
      ),
    ),
  );
  const fresh = newCoordinator();
  for (const r of records) fresh.replay(r);
  fresh.onLoaded(fresh.partitionFor("g"), 4000);
  checkInvariants(fresh);
  const g = fresh.group("g")!;
  assert.equal(g.state, "Stable");
  assert.equal(g.generationId, 1);
  assert.equal(g.members.get(memberId)?.assignment.toString(), "A");
  assert.equal(fresh.committedOffset("g", "t", 2)?.offset, 7n);
  assert.equal(
    fresh.heartbeat({ groupId: "g", memberId, groupInstanceId: "i-1", generationId: 1 }, 4001),
    ErrorCode.NONE,
  );
});

test("offset delete: a live consumer-protocol group keeps offsets of topics it subscribes to (GROUP_SUBSCRIBED_TO_TOPIC)", () => {
  const w = new Writer(64);
  w.writeInt16(1);
  encodeConsumerProtocolSubscription(w, { ...defaultConsumerProtocolSubscription(), topics: ["t"] }, 1);
  const c = newCoordinator({ initialRebalanceDelayMs: 0 });
  const a = join(c, { requireKnownMemberId: false, protocols: [{ name: "range", metadata: w.toBuffer() }] }, 0);
  deliver(c.poll(0));
  sync(c, a.get().memberId, a.get().generationId, 1, [{ memberId: a.get().memberId, assignment: Buffer.alloc(0) }]);
  for (const topic of ["t", "u"])
    commit(
      c,
      {
        memberId: a.get().memberId,
        generationId: a.get().generationId,
        topics: [
          {
            name: topic,
            partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }],
          },
        ],
      },
      2,
    );
  const r = new Captured<{
    errorCode: number;
    topics: readonly { name: string; partitions: readonly { errorCode: number }[] }[];
  }>();
  deliver(
    c.deleteOffsets(
      "g",
      [
        { name: "t", partitionIndexes: [0] },
        { name: "u", partitionIndexes: [0] },
      ],
      r,
      3,
    ),
  );
  assert.equal(r.get().errorCode, ErrorCode.NONE);
  assert.deepEqual(
    r.get().topics.map((t) => t.partitions[0].errorCode),
    [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE],
  );
  assert.equal(c.committedOffset("g", "t", 0)?.offset, 1n);
  assert.equal(c.committedOffset("g", "u", 0), undefined);
  // A live group of another protocol type refuses outright.
  const other = newCoordinator({ initialRebalanceDelayMs: 0 });
  join(other, { requireKnownMemberId: false, protocolType: "connect" }, 0);
  deliver(other.poll(0));
  const r2 = new Captured<{ errorCode: number }>();
  deliver(other.deleteOffsets("g", [{ name: "t", partitionIndexes: [0] }], r2, 1));
  assert.equal(r2.get().errorCode, ErrorCode.NON_EMPTY_GROUP);
});

test("unloading a partition drops its groups, offsets and timers, answering parked joins NOT_COORDINATOR", () => {
  const c = newCoordinator();
  stableGroup(c, 1);
  commit(c, { groupId: "simple" }, 6001);
  const parked = joinNew(c, 6002); // a second member parks in the rebalance
  assert.equal(parked.done, false);
  const other = c.partitionFor("simple") === c.partitionFor("g") ? undefined : "simple";
  deliver(c.unloadPartition(c.partitionFor("g"), 6003));
  checkInvariants(c);
  assert.equal(parked.get().errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(c.group("g"), undefined);
  assert.equal(c.committedOffset("g", "t", 0), undefined);
  if (other !== undefined) assert.equal(c.committedOffset("simple", "t", 0)?.offset, 42n, "other partitions stay");
  // Nothing of the unloaded group fires later.
  assert.deepEqual(
    deliver(c.poll(10_000_000)).records.filter((r) => r.groupId === "g"),
    [],
  );
});

test("a commit is served only once its records are appended; a failed append leaves the earlier one", () => {
  const c = newCoordinator();
  commit(c, { groupId: "s" }, 0);
  const failed = new Captured<OffsetCommitResult>();
  const fx = c.commitOffsets(commitInput("s", 99n, 5n), failed, 1);
  assert.equal(fx.records.length, 2);
  assert.equal(c.committedOffset("s", "t", 0)?.offset, 42n, "not served before it is appended");
  assert.equal(
    c.fetchOffsets("s", [{ name: "t", partitionIndexes: [1] }], 1).topics[0].partitions[0].committedOffset,
    -1n,
  );
  for (const r of fx.replies) r.fail(ErrorCode.NOT_COORDINATOR);
  assert.equal(failed.failedWith, ErrorCode.NOT_COORDINATOR);
  assert.equal(c.committedOffset("s", "t", 0)?.offset, 42n, "the failed commit never shows");
  const ok = c.commitOffsets(commitInput("s", 7n), new Captured<OffsetCommitResult>(), 2);
  deliver(ok);
  assert.equal(c.committedOffset("s", "t", 0)?.offset, 7n);
});

test("topic deletion: every group's offsets of the deleted topics are tombstoned; an empty group left without offsets goes", () => {
  const c = newCoordinator();
  const part = (name: string) => ({
    name,
    partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: 0, committedMetadata: "" }],
  });
  commit(c, { groupId: "both", topics: [part("gone"), part("kept")] }, 0);
  commit(c, { groupId: "only-gone", topics: [part("gone")] }, 0);
  const fx = deliver(c.onTopicsDeleted(new Set(["gone"]), 1000));
  checkInvariants(c);
  assert.deepEqual(
    fx.records.map((r) => [r.type, r.groupId, r.type === "offset" ? r.topic : "", r.value]),
    [
      ["offset", "both", "gone", null],
      ["offset", "only-gone", "gone", null],
      ["group", "only-gone", "", null],
    ],
  );
  const fetched = (groupId: string, topic: string) =>
    c.fetchOffsets(groupId, [{ name: topic, partitionIndexes: [0] }], 1001).topics[0].partitions[0].committedOffset;
  assert.equal(fetched("both", "gone"), -1n);
  assert.equal(fetched("both", "kept"), 7n);
  assert.notEqual(c.group("both"), undefined);
  assert.equal(c.group("only-gone"), undefined);
  assert.equal(deliver(c.onTopicsDeleted(new Set(["gone"]), 2000)).records.length, 0);
});
