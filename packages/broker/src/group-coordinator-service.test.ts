import assert from "node:assert/strict";
import { test } from "node:test";
import type { JoinGroupInput, JoinGroupResult, OffsetCommitResult, SyncGroupResult } from "@samsa/coordinator";
import { commitInput, syncInput } from "@samsa/coordinator/testing";
import type { MetadataStore } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { ManualScheduler } from "@samsa/replication";
import { BrokerConfig } from "./config/broker-config.js";
import { answerOr, GroupCoordinatorService } from "./group-coordinator-service.js";
import { silentLogger } from "./logger.js";
import type { ReplicaManager } from "./replica/replica-manager.js";

// The service applies a coordinator step's state only once its `__consumer_offsets` append
// succeeds; a failed append answers Kafka's retriable code and rolls the step back. The offsets
// partition is a stand-in whose appends succeed (the HW covers them at once) or fail on demand.

function setup() {
  const scheduler = new ManualScheduler(1_000);
  const clock = { nowMs: () => scheduler.monotonicMs(), monotonicMs: () => scheduler.monotonicMs() };
  const offsets = { failWith: undefined as string | undefined, next: 0 };
  const partition = {
    state: { highWatermark: Number.MAX_SAFE_INTEGER },
    resigned: false,
    flush: async () => {},
    appendAsLeader: async () => {
      if (offsets.failWith !== undefined) return { kind: "error", error: offsets.failWith, message: "" };
      const o = offsets.next++;
      return { kind: "appended", baseOffset: o, lastOffset: o, logAppendTimeMs: -1, logStartOffset: 0 };
    },
  };
  const service = new GroupCoordinatorService({
    config: BrokerConfig.from([
      ["offsets.topic.num.partitions", "1"],
      ["group.initial.rebalance.delay.ms", "0"],
    ]),
    metadata: { image: { topics: new Map() } } as unknown as MetadataStore,
    replicas: { getPartition: async () => ({ partition }) } as unknown as ReplicaManager,
    clock,
    log: silentLogger(),
    scheduler,
  });
  return { service, scheduler, offsets };
}

const settle = () => new Promise((r) => setImmediate(r));

function joinInput(memberId: string): JoinGroupInput {
  return {
    groupId: "g",
    memberId,
    groupInstanceId: null,
    clientId: "c",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.from([0]) }],
    requireKnownMemberId: false,
    supportsSkipAssignment: false,
  };
}

async function formGroup(s: ReturnType<typeof setup>, memberIds: string[]) {
  const joins = memberIds.map((id) =>
    s.service.run<JoinGroupResult>((reply, now) => s.service.coordinator.joinGroup(joinInput(id), reply, now)),
  );
  await settle();
  s.scheduler.advance(0);
  const results = await Promise.all(joins);
  for (const r of results) assert.equal(r.errorCode, ErrorCode.NONE);
  const leader = results[0].leader;
  return {
    leader,
    follower: results.map((r) => r.memberId).find((m) => m !== leader)!,
    generation: results[0].generationId,
  };
}

function sync(s: ReturnType<typeof setup>, memberId: string, generationId: number, members: string[]) {
  return s.service.run<SyncGroupResult>((reply, now) =>
    s.service.coordinator.syncGroup(syncInput(memberId, generationId, members), reply, now),
  );
}

test("a SyncGroup whose assignment append fails answers NOT_COORDINATOR to every member and rebalances", async () => {
  const s = setup();
  const { leader, follower, generation } = await formGroup(s, ["", ""]);
  const followerSync = sync(s, follower, generation, []);
  await settle();
  s.offsets.failWith = "NOT_LEADER_OR_FOLLOWER";
  const leaderSync = sync(s, leader, generation, [leader, follower]);
  assert.equal((await leaderSync).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal((await followerSync).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(s.service.coordinator.group("g")?.state, "PreparingRebalance");

  // The coordinator's log works again: the members rejoin and the next generation completes.
  s.offsets.failWith = undefined;
  const again = await formGroup(s, [leader, follower]);
  assert.equal(again.generation, generation + 1);
  const f = sync(s, again.follower, again.generation, []);
  const l = sync(s, again.leader, again.generation, [again.leader, again.follower]);
  assert.deepEqual((await l).assignment, Buffer.from([1]));
  assert.deepEqual((await f).assignment, Buffer.from([2]));
  assert.equal(s.service.coordinator.group("g")?.state, "Stable");
});

test("an offset commit whose append fails answers NOT_COORDINATOR and is never served", async () => {
  const s = setup();
  s.offsets.failWith = "NOT_LEADER_OR_FOLLOWER";
  const commit = () =>
    answerOr(
      s.service.run<OffsetCommitResult>((reply, now) =>
        s.service.coordinator.commitOffsets(commitInput("simple", 9n), reply, now),
      ),
      (errorCode): OffsetCommitResult | number => errorCode,
    );
  assert.equal(await commit(), ErrorCode.NOT_COORDINATOR);
  await settle();
  assert.equal(s.service.coordinator.committedOffset("simple", "t", 0), undefined);
  assert.equal(s.service.coordinator.group("simple"), undefined, "no group left behind");
  s.offsets.failWith = undefined;
  const ok = await commit();
  assert.notEqual(typeof ok, "number");
  assert.equal(s.service.coordinator.committedOffset("simple", "t", 0)?.offset, 9n);
});
