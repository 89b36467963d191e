import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultDeleteTopicsRequest,
  defaultFindCoordinatorRequest,
  defaultJoinGroupRequest,
  defaultOffsetCommitRequest,
  defaultOffsetFetchRequest,
  defaultSyncGroupRequest,
  ErrorCode,
  type JoinGroupRequest,
} from "@samsa/protocol";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { createLogger, silentLogger } from "./logger.js";
import { DiskPartitionLogs } from "./replica/testing/disk-partition-logs.js";
import { removeDir } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

async function startBroker(dir: string): Promise<{ broker: Broker; port: number }> {
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
    ["offsets.topic.num.partitions", "3"],
    ["group.initial.rebalance.delay.ms", "0"],
  ]);
  const logs = new DiskPartitionLogs(dir);
  const broker = new Broker({
    config,
    log: process.env.H8_DEBUG ? createLogger("debug") : silentLogger(),
    openLogs: async () => logs,
  });
  await broker.start();
  return { broker, port: broker.identity.endpoints[0].port };
}

/** Retries FindCoordinator until the offsets topic exists and the group's partition is loaded. */
async function findCoordinator(c: TestClient, group: string): Promise<{ nodeId: number; port: number }> {
  for (let i = 0; i < 200; i++) {
    const r = await c.send(10, 3, { ...defaultFindCoordinatorRequest(), key: group, keyType: 0 });
    if (r.errorCode === ErrorCode.NONE) return { nodeId: r.nodeId, port: r.port };
    assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no coordinator");
}

function joinRequest(memberId: string, extra: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    ...defaultJoinGroupRequest(),
    groupId: "g",
    memberId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.from("sub") }],
    ...extra,
  };
}

async function fetchCommitted(c: TestClient, partitions: number[]): Promise<{ code: number; offsets: bigint[] }> {
  const r = await c.send(9, 8, {
    ...defaultOffsetFetchRequest(),
    groups: [{ groupId: "g", memberId: null, memberEpoch: -1, topics: [{ name: "t", partitionIndexes: partitions }] }],
  });
  const g = r.groups[0];
  return { code: g.errorCode, offsets: g.topics[0]?.partitions.map((p) => p.committedOffset) ?? [] };
}

test("a group over TCP: find coordinator, join, sync, heartbeat, commit, fetch, describe, list, leave, delete, restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-groups-"));
  let { broker, port } = await startBroker(dir);
  const clients: TestClient[] = [];
  const client = async () => {
    const c = await TestClient.connect(port);
    clients.push(c);
    return c;
  };
  try {
    const admin = await client();
    const first = await admin.send(10, 3, { ...defaultFindCoordinatorRequest(), key: "g", keyType: 0 });
    assert.equal(first.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE, "the offsets topic is created on first use");
    const coordinator = await findCoordinator(admin, "g");
    assert.equal(coordinator.nodeId, broker.identity.nodeId);
    assert.equal(coordinator.port, port);
    const batched = await admin.send(10, 4, {
      ...defaultFindCoordinatorRequest(),
      keyType: 0,
      coordinatorKeys: ["g", "h"],
    });
    assert.deepEqual(
      batched.coordinators.map((x) => [x.key, x.errorCode, x.port]),
      [
        ["g", 0, port],
        ["h", 0, port],
      ],
    );
    const created = await admin.send(19, 5, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 4, replicationFactor: -1 }],
    });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);

    // Errors Kafka gives before any state changes.
    const badSession = await admin.send(11, 5, joinRequest("", { sessionTimeoutMs: 1000 }));
    assert.equal(badSession.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);

    // Two members: v5 joins first get MEMBER_ID_REQUIRED, then park until the rebalance completes.
    const a = await client();
    const b = await client();
    const idA = (await a.send(11, 5, joinRequest(""))).memberId;
    const needB = await b.send(11, 5, joinRequest(""));
    assert.equal(needB.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const [ja, jb] = await Promise.all([a.send(11, 5, joinRequest(idA)), b.send(11, 5, joinRequest(needB.memberId))]);
    assert.equal(ja.errorCode, ErrorCode.NONE);
    assert.equal(jb.errorCode, ErrorCode.NONE);
    assert.equal(ja.generationId, jb.generationId);
    assert.equal(ja.protocolName, "range");
    const [leader, follower, leaderClient, followerClient] =
      ja.leader === ja.memberId ? [ja, jb, a, b] : [jb, ja, b, a];
    assert.equal(leader.members.length, 2);
    assert.deepEqual(follower.members, []);
    const generationId = leader.generationId;
    const [sl, sf] = await Promise.all([
      leaderClient.send(14, 5, {
        ...defaultSyncGroupRequest(),
        groupId: "g",
        generationId,
        memberId: leader.memberId,
        protocolType: "consumer",
        protocolName: "range",
        assignments: [
          { memberId: leader.memberId, assignment: Buffer.from("p0,p1") },
          { memberId: follower.memberId, assignment: Buffer.from("p2,p3") },
        ],
      }),
      followerClient.send(14, 5, {
        ...defaultSyncGroupRequest(),
        groupId: "g",
        generationId,
        memberId: follower.memberId,
      }),
    ]);
    assert.equal(sl.assignment.toString(), "p0,p1");
    assert.equal(sf.assignment.toString(), "p2,p3");
    assert.equal(sf.protocolName, "range");

    const hb = await a.send(12, 4, { groupId: "g", generationId, memberId: ja.memberId, groupInstanceId: null });
    assert.equal(hb.errorCode, ErrorCode.NONE);
    const staleHb = await a.send(12, 4, {
      groupId: "g",
      generationId: generationId - 1,
      memberId: ja.memberId,
      groupInstanceId: null,
    });
    assert.equal(staleHb.errorCode, ErrorCode.ILLEGAL_GENERATION);

    const commit = await a.send(8, 8, {
      ...defaultOffsetCommitRequest(),
      groupId: "g",
      generationIdOrMemberEpoch: generationId,
      memberId: ja.memberId,
      topics: [
        {
          name: "t",
          partitions: [0, 1, 2, 3].map((p) => ({
            partitionIndex: p,
            committedOffset: BigInt(10 + p),
            committedLeaderEpoch: 0,
            commitTimestamp: -1n,
            committedMetadata: "meta",
          })),
        },
        {
          name: "missing",
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1n,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      commit.topics.map((t) => t.partitions.map((p) => p.errorCode)),
      [[0, 0, 0, 0], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    );
    const stale = await a.send(8, 8, {
      ...defaultOffsetCommitRequest(),
      groupId: "g",
      generationIdOrMemberEpoch: generationId + 5,
      memberId: ja.memberId,
      topics: [
        {
          name: "t",
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 99n,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    assert.equal(stale.topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.deepEqual(await fetchCommitted(admin, [0, 1, 2, 3]), { code: 0, offsets: [10n, 11n, 12n, 13n] });
    const single = await admin.send(9, 5, { ...defaultOffsetFetchRequest(), groupId: "g", topics: null });
    assert.equal(single.topics[0].partitions.length, 4);
    assert.equal(single.topics[0].partitions[0].metadata, "meta");
    assert.equal(single.topics[0].partitions[0].committedLeaderEpoch, 0);

    const described = await admin.send(15, 5, { groups: ["g", "unknown"], includeAuthorizedOperations: false });
    assert.equal(described.groups[0].groupState, "Stable");
    assert.equal(described.groups[0].protocolData, "range");
    assert.equal(described.groups[0].members.length, 2);
    assert.equal(described.groups[1].groupState, "Dead");
    const listed = await admin.send(16, 4, { statesFilter: ["stable"], typesFilter: [] });
    assert.deepEqual(
      listed.groups.map((g) => [g.groupId, g.groupState, g.protocolType]),
      [["g", "Stable", "consumer"]],
    );
    const nonEmpty = await admin.send(42, 2, { groupsNames: ["g"] });
    assert.equal(nonEmpty.results[0].errorCode, ErrorCode.NON_EMPTY_GROUP);

    // Both leave (batched v3); the group is empty and can be deleted... after the restart check.
    const left = await a.send(13, 3, {
      groupId: "g",
      memberId: "",
      members: [
        { memberId: ja.memberId, groupInstanceId: null, reason: null },
        { memberId: jb.memberId, groupInstanceId: null, reason: null },
      ],
    });
    assert.deepEqual(
      left.members.map((m) => m.errorCode),
      [0, 0],
    );

    // Restart: the committed offsets come back from __consumer_offsets.
    for (const c of clients.splice(0)) c.close();
    await broker.stop();
    ({ broker, port } = await startBroker(dir));
    const after = await client();
    let fetched = await fetchCommitted(after, [0, 1, 2, 3]);
    for (let i = 0; i < 100 && fetched.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fetched = await fetchCommitted(after, [0, 1, 2, 3]);
    }
    assert.deepEqual(fetched, { code: 0, offsets: [10n, 11n, 12n, 13n] });
    const describedAfter = await after.send(15, 5, { groups: ["g"], includeAuthorizedOperations: false });
    assert.equal(describedAfter.groups[0].groupState, "Empty");
    const deleted = await after.send(42, 2, { groupsNames: ["g"] });
    assert.equal(deleted.results[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(await fetchCommitted(after, [0]), { code: 0, offsets: [-1n] });
  } finally {
    for (const c of clients) c.close();
    await broker.stop();
    await removeDir(dir);
  }
});

test("KIP-848 over TCP: ConsumerGroupHeartbeat v0 join/revoke/assign, ConsumerGroupDescribe, OffsetCommit v9 epochs", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-groups848-"));
  let { broker, port } = await startBroker(dir);
  let c = await TestClient.connect(port);
  try {
    await findCoordinator(c, "cg");
    const created = await c.send(19, 7, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 4, replicationFactor: -1 }],
    });
    const topicId = created.topics[0].topicId;
    const heartbeat = (memberId: string, memberEpoch: number, owned: number[] | null, join = false) =>
      c.send(68, 0, {
        groupId: "cg",
        memberId,
        memberEpoch,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: join ? 30_000 : -1,
        subscribedTopicNames: join ? ["t"] : null,
        subscribedTopicRegex: null,
        serverAssignor: join ? "range" : null,
        topicPartitions: owned === null ? null : owned.length === 0 ? [] : [{ topicId, partitions: owned }],
      });
    let m1 = await heartbeat("m1", 0, [], true);
    assert.equal(m1.errorCode, ErrorCode.NONE);
    assert.equal(m1.memberEpoch, 1);
    assert.deepEqual(m1.assignment?.topicPartitions, [{ topicId, partitions: [0, 1, 2, 3] }]);
    const m2 = await heartbeat("m2", 0, [], true);
    assert.equal(m2.memberEpoch, 2);
    assert.deepEqual(m2.assignment?.topicPartitions, [], "m2 waits for m1 to revoke");
    m1 = await heartbeat("m1", 1, [0, 1, 2, 3]);
    assert.equal(m1.memberEpoch, 1);
    assert.deepEqual(m1.assignment?.topicPartitions, [{ topicId, partitions: [0, 1] }]);
    m1 = await heartbeat("m1", 1, [0, 1]);
    assert.equal(m1.memberEpoch, 2);
    const m2b = await heartbeat("m2", 2, []);
    assert.deepEqual(m2b.assignment?.topicPartitions, [{ topicId, partitions: [2, 3] }]);
    const fenced = await heartbeat("m2", 9, [2, 3]);
    assert.equal(fenced.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);

    const described = await c.send(69, 0, { groupIds: ["cg"], includeAuthorizedOperations: false });
    const g = described.groups[0];
    assert.equal(g.groupState, "Stable");
    assert.equal(g.groupEpoch, 2);
    assert.equal(g.assignorName, "range");
    assert.deepEqual(
      g.members.map((m) => [m.memberId, m.memberEpoch, m.assignment.topicPartitions[0]?.topicName]),
      [
        ["m1", 2, "t"],
        ["m2", 2, "t"],
      ],
    );
    const commit = (memberEpoch: number) =>
      c.send(8, 9, {
        ...defaultOffsetCommitRequest(),
        groupId: "cg",
        generationIdOrMemberEpoch: memberEpoch,
        memberId: "m1",
        topics: [
          {
            name: "t",
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 3n,
                committedLeaderEpoch: -1,
                commitTimestamp: -1n,
                committedMetadata: null,
              },
            ],
          },
        ],
      });
    assert.equal((await commit(2)).topics[0].partitions[0].errorCode, ErrorCode.NONE);
    assert.equal((await commit(1)).topics[0].partitions[0].errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    const fetched = await c.send(9, 9, {
      ...defaultOffsetFetchRequest(),
      groups: [{ groupId: "cg", memberId: "m1", memberEpoch: 2, topics: [{ name: "t", partitionIndexes: [0] }] }],
    });
    assert.equal(fetched.groups[0].topics[0].partitions[0].committedOffset, 3n);
    const listed = await c.send(16, 5, { statesFilter: [], typesFilter: ["consumer"] });
    assert.deepEqual(
      listed.groups.map((x) => [x.groupId, x.groupType]),
      [["cg", "consumer"]],
    );

    // Restart: the group, its epochs and assignments come back from __consumer_offsets.
    c.close();
    await broker.stop();
    ({ broker, port } = await startBroker(dir));
    c = await TestClient.connect(port);
    let again = await c.send(69, 0, { groupIds: ["cg"], includeAuthorizedOperations: false });
    for (let i = 0; i < 100 && again.groups[0].errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await c.send(69, 0, { groupIds: ["cg"], includeAuthorizedOperations: false });
    }
    assert.equal(again.groups[0].groupEpoch, 2);
    assert.deepEqual(
      again.groups[0].members.map((m) => [m.memberId, m.memberEpoch, m.assignment.topicPartitions[0]?.partitions]),
      [
        ["m1", 2, [0, 1]],
        ["m2", 2, [2, 3]],
      ],
    );
    const resumed = await heartbeat("m2", 2, [2, 3]);
    assert.equal(resumed.errorCode, ErrorCode.NONE);
    assert.equal(resumed.memberEpoch, 2);

    const left = await heartbeat("m1", -1, null);
    assert.equal(left.memberEpoch, -1);
  } finally {
    c.close();
    await broker.stop();
    await removeDir(dir);
  }
});

test("deleting a topic drops every group's committed offsets of it: a re-created topic starts without them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-groups-"));
  const { broker, port } = await startBroker(dir);
  const c = await TestClient.connect(port);
  const createT = async () => {
    const created = await c.send(19, 5, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 2, replicationFactor: -1 }],
    });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
  };
  try {
    await findCoordinator(c, "g");
    await createT();
    const commit = await c.send(8, 8, {
      ...defaultOffsetCommitRequest(),
      groupId: "g",
      generationIdOrMemberEpoch: -1,
      topics: [
        {
          name: "t",
          partitions: [0, 1].map((p) => ({
            partitionIndex: p,
            committedOffset: 5n,
            committedLeaderEpoch: 0,
            commitTimestamp: -1n,
            committedMetadata: "",
          })),
        },
      ],
    });
    assert.deepEqual(
      commit.topics[0].partitions.map((p) => p.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    assert.deepEqual(await fetchCommitted(c, [0, 1]), { code: 0, offsets: [5n, 5n] });
    const deleted = await c.send(20, 4, { ...defaultDeleteTopicsRequest(), topicNames: ["t"], timeoutMs: 5000 });
    assert.equal(deleted.responses[0].errorCode, ErrorCode.NONE);
    await createT();
    assert.deepEqual(await fetchCommitted(c, [0, 1]), { code: 0, offsets: [-1n, -1n] });
  } finally {
    c.close();
    await broker.stop();
    await removeDir(dir);
  }
});
