import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { ErrorCode } from "@samsa/protocol";
import { rangeAssignor, uniformAssignor } from "./assignors.js";
import type { ConsumerHeartbeatInput, ConsumerHeartbeatResult, TopicsView } from "./consumer-groups.js";
import type { GroupCoordinator } from "./group-coordinator.js";
import { type CoordinatorRecord, decodeCoordinatorRecord, encodeCoordinatorRecord } from "./records.js";
import { checkInvariants } from "./invariants.js";
import { Captured, deliver, newCoordinator } from "./test-support.js";
import type { OffsetCommitResult } from "./types.js";

const TOPICS: Record<string, { topicId: string; numPartitions: number }> = {
  a: { topicId: "AAAAAAAAAAAAAAAAAAAAAA", numPartitions: 6 },
  b: { topicId: "BBBBBBBBBBBBBBBBBBBBBA", numPartitions: 2 },
};
const topics: TopicsView = {
  byName: (n) => TOPICS[n],
  nameOf: (id) => Object.keys(TOPICS).find((n) => TOPICS[n].topicId === id),
};
const A = TOPICS.a.topicId;

type Owned = ConsumerHeartbeatInput["topicPartitions"];

/** Every record each coordinator produced, in order, as the broker would append them. */
const logs = new WeakMap<GroupCoordinator, CoordinatorRecord[]>();
function keep(c: GroupCoordinator, fx: { records: CoordinatorRecord[] }): void {
  logs.set(c, [...(logs.get(c) ?? []), ...fx.records]);
}

/** A coordinator rebuilt from `c`'s records, each through the byte encoding, must have its groups. */
function assertReplayMatches(c: GroupCoordinator, now: number): void {
  const fresh = newCoordinator();
  for (const r of logs.get(c) ?? []) {
    const { key, value } = encodeCoordinatorRecord(r);
    const decoded = decodeCoordinatorRecord(key, value);
    assert.ok(decoded !== null);
    fresh.replay(decoded);
  }
  fresh.onLoaded(fresh.partitionFor("cg"), now);
  checkInvariants(fresh);
  const summary = (x: GroupCoordinator) => {
    const g = x.consumerGroup("cg");
    if (g === undefined) return null;
    return {
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      subscriptionMetadata: [...g.subscriptionMetadata].sort(),
      target: [...g.target].map(([m, ks]) => [m, [...ks].sort()]).sort(),
      members: [...g.members.values()]
        .map((m) => [
          m.memberId,
          m.memberEpoch,
          m.previousMemberEpoch,
          m.state,
          [...m.assigned].sort(),
          [...m.pendingRevocation].sort(),
          m.subscribedTopicNames,
        ])
        .sort(),
    };
  };
  assert.deepEqual(summary(fresh), summary(c));
}

/** A heartbeat of a new member of group "cg" subscribed to topic a; `input` overrides. */
function heartbeatInput(input: Partial<ConsumerHeartbeatInput>): ConsumerHeartbeatInput {
  return {
    groupId: "cg",
    memberId: "",
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ["a"],
    serverAssignor: null,
    topicPartitions: [],
    clientId: "c",
    clientHost: "/h",
    ...input,
  };
}

function hb(c: GroupCoordinator, input: Partial<ConsumerHeartbeatInput>, now: number): ConsumerHeartbeatResult {
  const r = new Captured<ConsumerHeartbeatResult>();
  keep(c, deliver(c.consumerGroupHeartbeat(heartbeatInput(input), topics, r, now)));
  checkInvariants(c);
  return r.get();
}

function poll(c: GroupCoordinator, now: number): void {
  const fx = c.poll(now);
  keep(c, fx);
  deliver(fx);
  checkInvariants(c);
}

/** A steady-state heartbeat: nothing changed, owning what it was given. */
function beat(c: GroupCoordinator, memberId: string, memberEpoch: number, owned: Owned, now: number) {
  return hb(
    c,
    { memberId, memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: owned },
    now,
  );
}

const count = (r: ConsumerHeartbeatResult) => (r.assignment ?? []).reduce((n, t) => n + t.partitions.length, 0);

test("uniform assignor: even shares, sticky across rebalances; range: contiguous ranges per topic", () => {
  const topicMap = new Map([
    [A, { topicId: A, numPartitions: 6 }],
    ["B", { topicId: "B", numPartitions: 3 }],
  ]);
  const u = uniformAssignor.assign(
    [
      { memberId: "m1", subscribedTopicIds: [A, "B"], current: [`${A}:0`, `${A}:1`, `${A}:2`, `${A}:3`] },
      { memberId: "m2", subscribedTopicIds: [A, "B"], current: [] },
      { memberId: "m3", subscribedTopicIds: [A], current: [] },
    ],
    topicMap,
  );
  assert.deepEqual(
    [...u.values()].map((x) => x.length),
    [3, 3, 3],
  );
  assert.ok(
    [`${A}:0`, `${A}:1`, `${A}:2`].every((k) => u.get("m1")!.includes(k)),
    "m1 keeps what it can",
  );
  assert.ok(
    u.get("m3")!.every((k) => k.startsWith(A)),
    "m3 only gets topics it subscribes to",
  );
  const r = rangeAssignor.assign(
    [
      { memberId: "m2", subscribedTopicIds: [A], current: [] },
      { memberId: "m1", subscribedTopicIds: [A], current: [] },
      { memberId: "m3", subscribedTopicIds: [A], current: [] },
      { memberId: "m4", subscribedTopicIds: [A], current: [] },
    ],
    topicMap,
  );
  assert.deepEqual(r.get("m1"), [`${A}:0`, `${A}:1`]);
  assert.deepEqual(r.get("m2"), [`${A}:2`, `${A}:3`]);
  assert.deepEqual(r.get("m3"), [`${A}:4`]);
  assert.deepEqual(r.get("m4"), [`${A}:5`]);
});

test("join: a member alone gets every partition at epoch 1", () => {
  const c = newCoordinator();
  const r = hb(c, {}, 0);
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.ok(r.memberId !== null && r.memberId !== "");
  assert.equal(r.memberEpoch, 1);
  assert.equal(r.heartbeatIntervalMs, 5000);
  assert.deepEqual(r.assignment, [{ topicId: A, partitions: [0, 1, 2, 3, 4, 5] }]);
  assert.equal(c.consumerGroup("cg")?.state, "Stable");
  const again = beat(c, r.memberId!, 1, r.assignment, 10);
  assert.equal(again.assignment, null, "no assignment when nothing changed");
});

test("a second member: the first revokes before the second receives (never two owners)", () => {
  const c = newCoordinator();
  const m1 = hb(c, { memberId: "m1" }, 0);
  const m2 = hb(c, { memberId: "m2" }, 1);
  assert.equal(m2.memberEpoch, 2);
  assert.equal(count(m2), 0, "m2 waits until m1 releases");
  const m1b = beat(c, "m1", 1, m1.assignment, 2);
  assert.equal(m1b.memberEpoch, 1, "m1 stays in its epoch until it revokes");
  assert.equal(count(m1b), 3, "m1 keeps half");
  assert.equal(c.consumerGroup("cg")?.state, "Reconciling");
  // m1 confirms by owning only what it kept.
  const m1c = beat(c, "m1", 1, m1b.assignment, 3);
  assert.equal(m1c.memberEpoch, 2);
  const m2b = beat(c, "m2", 2, [], 4);
  assert.equal(count(m2b), 3);
  const all = [...(m1c.assignment ?? m1b.assignment!)[0].partitions, ...m2b.assignment![0].partitions].sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
  assert.equal(c.consumerGroup("cg")?.state, "Stable");
  assertReplayMatches(c, 5);
});

test("errors: FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, UNSUPPORTED_ASSIGNOR, INVALID_REQUEST, GROUP_ID_NOT_FOUND for a live classic group", () => {
  const c = newCoordinator();
  const m1 = hb(c, { memberId: "m1" }, 0);
  assert.equal(beat(c, "m1", 7, m1.assignment, 1).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(beat(c, "ghost", 1, [], 1).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(hb(c, { memberId: "m3", serverAssignor: "sticky" }, 1).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.equal(hb(c, { memberId: "m3", rebalanceTimeoutMs: -1 }, 1).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(hb(c, { groupId: "" }, 1).errorCode, ErrorCode.INVALID_REQUEST);
  const left = hb(c, { memberId: "m1", memberEpoch: -1, subscribedTopicNames: null, topicPartitions: null }, 2);
  assert.equal(left.memberEpoch, -1);
  assert.equal(c.consumerGroup("cg")?.members.size, 0);
});

test("session timeout: a silent member is fenced and its partitions go to the others", () => {
  const c = newCoordinator({ consumerSessionTimeoutMs: 10_000 });
  const m1 = hb(c, { memberId: "m1" }, 0);
  let m2 = hb(c, { memberId: "m2" }, 0);
  const m1b = beat(c, "m1", 1, m1.assignment, 0);
  beat(c, "m1", 1, m1b.assignment, 0);
  m2 = beat(c, "m2", 2, [], 0);
  assert.equal(count(m2), 3);
  let owned = m2.assignment;
  for (let t = 3000; t <= 12_000; t += 3000) {
    m2 = beat(c, "m2", m2.memberEpoch, owned, t);
    owned = m2.assignment ?? owned;
    poll(c, t);
  }
  assert.equal(c.consumerGroup("cg")?.members.has("m1"), false);
  m2 = beat(c, "m2", m2.memberEpoch, owned, 12_001);
  assert.equal(count(m2), 6);
  assert.equal(m2.memberEpoch, 3);
});

test("offset commits of consumer-protocol members carry the member epoch (STALE/FENCED_MEMBER_EPOCH)", () => {
  const c = newCoordinator();
  hb(c, { memberId: "m1" }, 0);
  const commit = (generationId: number, memberId = "m1", v9 = true) => {
    const r = new Captured<OffsetCommitResult>();
    deliver(
      c.commitOffsets(
        {
          groupId: "cg",
          memberId,
          groupInstanceId: null,
          generationId,
          retentionTimeMs: -1,
          groupIdNotFoundError: v9,
          topics: [
            {
              name: "a",
              partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: "" }],
            },
          ],
        },
        r,
        1,
      ),
    );
    return r.get().topics[0].partitions[0].errorCode;
  };
  assert.equal(commit(1), ErrorCode.NONE);
  assert.equal(commit(0), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(commit(2), ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(commit(1, "ghost"), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(commit(1, "m1", false), ErrorCode.UNSUPPORTED_VERSION);
  assert.equal(commit(-1, ""), ErrorCode.UNKNOWN_MEMBER_ID, "no simple commits while members are in");
  assert.equal(c.validateOffsetFetch("cg", "m1", 0), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(c.validateOffsetFetch("cg", "m1", 1), ErrorCode.NONE);
  assert.deepEqual(
    c.listGroups([], ["consumer"]).map((g) => [g.groupId, g.groupState, g.groupType]),
    [["cg", "Stable", "consumer"]],
  );
});

test("seeded schedules: no partition has two owners, epochs never run ahead (KIP-848)", () => {
  for (let seed = 1; seed <= 150; seed++) {
    const rng = seededRandom(seed);
    const c = newCoordinator({ consumerSessionTimeoutMs: 10_000 }, seed);
    const clients = Array.from({ length: 2 + Math.floor(rng.next() * 4) }, (_, i) => ({
      id: `m${i}`,
      epoch: -1,
      owned: [] as { topicId: string; partitions: number[] }[],
      subs: rng.next() < 0.5 ? ["a"] : ["a", "b"],
    }));
    let now = 0;
    let completed = 0;
    try {
      for (let step = 0; step < 200; step++) {
        const cl = clients[Math.floor(rng.next() * clients.length)];
        const roll = rng.next();
        if (roll < 0.15) {
          now += Math.floor(rng.next() * 5000);
          poll(c, now);
          continue;
        }
        let r: ConsumerHeartbeatResult;
        if (cl.epoch < 0) r = hb(c, { memberId: cl.id, subscribedTopicNames: cl.subs }, now);
        else if (roll < 0.2) {
          r = hb(c, { memberId: cl.id, memberEpoch: -1, subscribedTopicNames: null, topicPartitions: null }, now);
          cl.epoch = -1;
          cl.owned = [];
          continue;
        } else if (roll < 0.25) {
          cl.epoch = -1; // crash: it stops heartbeating and will rejoin as new
          cl.owned = [];
          continue;
        } else r = beat(c, cl.id, cl.epoch, cl.owned, now);
        if (r.errorCode !== ErrorCode.NONE) {
          cl.epoch = -1;
          cl.owned = [];
          continue;
        }
        const g = c.consumerGroup("cg")!;
        assert.ok(r.memberEpoch <= g.assignmentEpoch, "a member epoch ahead of the assignment");
        cl.epoch = r.memberEpoch;
        if (r.assignment !== null) cl.owned = r.assignment;
        if (g.state === "Stable") completed++;
      }
    } catch (e) {
      throw new Error(`seed ${seed}: ${(e as Error).message}`, { cause: e });
    }
    assert.ok(completed > 0, `seed ${seed}: the group never became stable`);
    assertReplayMatches(c, now);
  }
});

test("static members: leave with epoch -2 keeps the partitions; the restarted instance takes them without a new epoch", () => {
  const c = newCoordinator();
  const s1 = hb(c, { memberId: "s1", instanceId: "i1" }, 0);
  let m2 = hb(c, { memberId: "m2" }, 0);
  const s1b = beat(c, "s1", 1, s1.assignment, 1);
  const s1c = beat(c, "s1", 1, s1b.assignment, 2);
  m2 = beat(c, "m2", 2, [], 3);
  assert.equal(count(m2), 3);
  const epoch = c.consumerGroup("cg")!.groupEpoch;
  assert.equal(
    hb(c, { memberId: "s9", instanceId: "i1" }, 4).errorCode,
    ErrorCode.UNRELEASED_INSTANCE_ID,
    "the instance is still held",
  );
  const left = hb(
    c,
    { memberId: "s1", memberEpoch: -2, instanceId: "i1", subscribedTopicNames: null, topicPartitions: null },
    5,
  );
  assert.equal(left.memberEpoch, -2);
  assert.equal(c.consumerGroup("cg")!.groupEpoch, epoch, "a static leave is no rebalance");
  const back = hb(c, { memberId: "s2", instanceId: "i1" }, 6);
  assert.equal(back.errorCode, ErrorCode.NONE);
  assert.equal(back.memberEpoch, epoch);
  assert.deepEqual(back.assignment, s1c.assignment ?? s1b.assignment, "same partitions as before the restart");
  assert.equal(c.consumerGroup("cg")!.groupEpoch, epoch);
  assert.equal(beat(c, "m2", m2.memberEpoch, m2.assignment, 7).assignment, null, "the other member saw nothing");
  assertReplayMatches(c, 8);
});

test("a deleted topic leaves the target assignment at the next heartbeat; the member gives its partitions up", () => {
  const c = newCoordinator();
  const live = new Map(Object.entries(TOPICS));
  const view: TopicsView = {
    byName: (n) => live.get(n),
    nameOf: (id) => [...live].find(([, t]) => t.topicId === id)?.[0],
  };
  const send = (input: Partial<ConsumerHeartbeatInput>, now: number) => {
    const r = new Captured<ConsumerHeartbeatResult>();
    const fx = c.consumerGroupHeartbeat(heartbeatInput({ subscribedTopicNames: ["a", "b"], ...input }), view, r, now);
    deliver(fx);
    checkInvariants(c);
    return r.get();
  };
  const joined = send({}, 0);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const B = TOPICS.b.topicId;
  assert.deepEqual(joined.assignment?.map((t) => t.topicId).sort(), [A, B].sort());
  live.delete("b");
  const owned = joined.assignment!.map((t) => ({ topicId: t.topicId, partitions: t.partitions }));
  const beat = (memberEpoch: number, topicPartitions: typeof owned, now: number) =>
    send(
      { memberId: joined.memberId!, memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions },
      now,
    );
  // First the member revokes the deleted topic's partitions (same epoch, assignment without them)...
  const revoke = beat(joined.memberEpoch, owned, 1000);
  assert.equal(revoke.errorCode, ErrorCode.NONE);
  assert.deepEqual(
    revoke.assignment?.map((t) => t.topicId),
    [A],
  );
  const target = c.consumerGroup("cg")!.target.get(joined.memberId!)!;
  assert.ok(
    target.every((k) => k.startsWith(A)),
    `target keeps only topic a: ${target}`,
  );
  // ...then, owning only topic a, it moves to the new epoch.
  const settled = beat(revoke.memberEpoch, revoke.assignment!, 2000);
  assert.ok(settled.memberEpoch > joined.memberEpoch, "a new epoch without the deleted topic");
  assert.equal(c.consumerGroup("cg")!.members.get(joined.memberId!)!.state, "stable");
});
