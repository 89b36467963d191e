import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode } from "@samsa/protocol";
import { groupAppendError, offsetCommitAppendError } from "./append-errors.js";
import type { Effects } from "./effects.js";
import type { GroupCoordinator } from "./group-coordinator.js";
import { checkInvariants } from "./invariants.js";
import { Captured, commitInput, deliver, joinInput, newCoordinator, syncInput } from "./test-support.js";
import type { JoinGroupResult, OffsetCommitResult, SyncGroupResult } from "./types.js";

/** What the broker does when the records of `fx` could not be appended. */
function failAppend(c: GroupCoordinator, fx: Effects, appendError: number, nowMs: number): void {
  for (const r of fx.replies) r.fail(appendError);
  deliver(c.appendFailed(fx, appendError, nowMs));
  checkInvariants(c);
}

function syncEffects(c: GroupCoordinator, memberId: string, generationId: number, nowMs: number, assign: string[]) {
  const reply = new Captured<SyncGroupResult>();
  const fx = c.syncGroup(syncInput(memberId, generationId, assign), reply, nowMs);
  return { reply, fx };
}

/** Two members through the join phase (pre-v4 joins, no initial delay): leader first. */
function joined(c: GroupCoordinator, nowMs: number, memberIds = ["", ""]) {
  const joins = memberIds.map((memberId) => {
    const r = new Captured<JoinGroupResult>();
    deliver(c.joinGroup(joinInput({ memberId, requireKnownMemberId: false }), r, nowMs));
    return r;
  });
  deliver(c.poll(nowMs));
  checkInvariants(c);
  const results = joins.map((j) => j.get());
  for (const r of results) assert.equal(r.errorCode, ErrorCode.NONE);
  const leader = results[0].leader;
  const members = [leader, ...results.map((r) => r.memberId).filter((m) => m !== leader)];
  return { members, generation: results[0].generationId };
}

for (const [appendError, expected] of [
  [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REBALANCE_IN_PROGRESS],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
  [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
] as const) {
  test(`sync: a failed assignment append (${appendError}) answers ${expected}, resets, and the group rebalances again`, () => {
    const c = newCoordinator({ initialRebalanceDelayMs: 0 });
    const { members, generation } = joined(c, 0);
    const [leader, follower] = members;
    const followerSync = syncEffects(c, follower, generation, 1, []);
    deliver(followerSync.fx);
    assert.equal(followerSync.reply.done, false, "the follower waits for the leader");
    const leaderSync = syncEffects(c, leader, generation, 2, members);
    assert.equal(leaderSync.fx.records.length, 1, "the assignment is appended");
    assert.equal(c.group("g")?.state, "CompletingRebalance", "not Stable before the append");

    failAppend(c, leaderSync.fx, appendError, 3);
    assert.equal(leaderSync.reply.get().errorCode, expected);
    assert.equal(followerSync.reply.get().errorCode, expected);
    const group = c.group("g");
    assert.equal(group?.state, "PreparingRebalance", "a failed assignment starts a new rebalance");
    for (const m of group?.members.values() ?? []) assert.equal(m.assignment.length, 0, "no assignment the log lacks");

    // Both rejoin and the next generation completes normally.
    const again = joined(c, 10, [leader, follower]);
    assert.equal(again.generation, generation + 1);
    const followerOk = syncEffects(c, again.members[1], again.generation, 11, []);
    deliver(followerOk.fx);
    const leaderOk = syncEffects(c, again.members[0], again.generation, 12, again.members);
    deliver(leaderOk.fx);
    checkInvariants(c);
    assert.equal(c.group("g")?.state, "Stable");
    assert.deepEqual(leaderOk.reply.get().assignment, Buffer.from([1]));
    assert.deepEqual(followerOk.reply.get().assignment, Buffer.from([2]));
  });
}

test("sync: an append that lands after the group moved on changes nothing", () => {
  const c = newCoordinator({ initialRebalanceDelayMs: 0 });
  const { members, generation } = joined(c, 0);
  const leaderSync = syncEffects(c, members[0], generation, 1, members);
  // A third member joins before the assignment is appended: a new generation starts.
  deliver(c.joinGroup(joinInput({ requireKnownMemberId: false }), new Captured<JoinGroupResult>(), 2));
  assert.equal(c.group("g")?.state, "PreparingRebalance");
  failAppend(c, leaderSync.fx, ErrorCode.REQUEST_TIMED_OUT, 3);
  assert.equal(c.group("g")?.state, "PreparingRebalance");
  assert.equal(leaderSync.reply.get().errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

for (const [appendError, expected] of [
  [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REQUEST_TIMED_OUT],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
  [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
  [ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.INVALID_COMMIT_OFFSET_SIZE],
] as const) {
  test(`offset commit: a failed first commit (${appendError}) answers ${expected} and leaves no group or offset`, () => {
    const c = newCoordinator();
    const reply = new Captured<OffsetCommitResult>();
    const fx = c.commitOffsets(commitInput("s", 5n), reply, 1);
    assert.ok(c.group("s") !== undefined, "the commit creates the simple group");
    failAppend(c, fx, appendError, 2);
    assert.equal(reply.failedWith, expected);
    assert.equal(c.group("s"), undefined, "the group the failed commit created is gone");
    assert.equal(c.committedOffset("s", "t", 0), undefined);
    // The retry succeeds.
    const ok = new Captured<OffsetCommitResult>();
    deliver(c.commitOffsets(commitInput("s", 5n), ok, 3));
    assert.equal(ok.get().topics[0].partitions[0].errorCode, ErrorCode.NONE);
    assert.equal(c.committedOffset("s", "t", 0)?.offset, 5n);
    assert.equal(c.group("s")?.state, "Empty");
  });
}

test("append error mapping: Kafka's storeGroup and storeOffsets tables", () => {
  assert.equal(groupAppendError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(groupAppendError(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(groupAppendError(ErrorCode.KAFKA_STORAGE_ERROR), ErrorCode.NOT_COORDINATOR);
  assert.equal(groupAppendError(ErrorCode.MESSAGE_TOO_LARGE), ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal(offsetCommitAppendError(ErrorCode.MESSAGE_TOO_LARGE), ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
  assert.equal(offsetCommitAppendError(ErrorCode.INVALID_FETCH_SIZE), ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
  assert.equal(offsetCommitAppendError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
});
