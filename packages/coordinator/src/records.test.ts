import assert from "node:assert/strict";
import { test } from "node:test";
import { groupPartition, javaStringHashCode } from "./group-partition.js";
import { decodeCoordinatorRecord, encodeCoordinatorRecord } from "./records.js";

test("javaStringHashCode matches Java's String.hashCode", () => {
  assert.equal(javaStringHashCode(""), 0);
  assert.equal(javaStringHashCode("a"), 97);
  assert.equal(javaStringHashCode("hello"), 99162322);
  // Overflows to Integer.MIN_VALUE in Java; & 0x7fffffff then gives partition 0.
  assert.equal(javaStringHashCode("polygenelubricants"), -2147483648);
  assert.equal(groupPartition("polygenelubricants", 50), 0);
  assert.equal(groupPartition("hello", 50), 99162322 % 50);
  // Negative hash: "console-consumer-12345".hashCode() is negative in Java; the mask keeps it in range.
  for (const g of ["console-consumer-12345", "my-group", "g", "\u00e9\u4e2d"]) {
    const p = groupPartition(g, 50);
    assert.ok(p >= 0 && p < 50);
  }
});

test("offset commit record: key version 1 is the record type, value v3 carries the leader epoch", () => {
  const { key, value } = encodeCoordinatorRecord({
    type: "offset",
    groupId: "g",
    topic: "t",
    partition: 2,
    value: { offset: 42n, leaderEpoch: 5, metadata: "m", commitTimestampMs: 1000, expireTimestampMs: null },
  });
  assert.deepEqual([...key], [0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 2]);
  assert.deepEqual([...value!], [0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 5, 0, 1, 0x6d, 0, 0, 0, 0, 0, 0, 0x03, 0xe8]);
  const back = decodeCoordinatorRecord(key, value);
  assert.deepEqual(back, {
    type: "offset",
    groupId: "g",
    topic: "t",
    partition: 2,
    value: { offset: 42n, leaderEpoch: 5, metadata: "m", commitTimestampMs: 1000, expireTimestampMs: null },
  });
});

test("offset with an explicit expiry uses value v1; tombstones decode as null values", () => {
  const rec = {
    type: "offset" as const,
    groupId: "g",
    topic: "t",
    partition: 0,
    value: { offset: 1n, leaderEpoch: -1, metadata: "", commitTimestampMs: 5, expireTimestampMs: 99 },
  };
  const { key, value } = encodeCoordinatorRecord(rec);
  assert.equal(value!.readInt16BE(0), 1);
  assert.deepEqual(decodeCoordinatorRecord(key, value), rec);
  assert.deepEqual(decodeCoordinatorRecord(key, null), { ...rec, value: null });
});

test("group metadata record: key version 2, value v3 round trip", () => {
  const rec = {
    type: "group" as const,
    groupId: "grp",
    value: {
      protocolType: "consumer",
      generation: 4,
      protocol: "range",
      leader: "m-1",
      currentStateTimestamp: 77n,
      members: [
        {
          memberId: "m-1",
          groupInstanceId: "i-1",
          clientId: "c",
          clientHost: "/1.2.3.4",
          rebalanceTimeout: 30000,
          sessionTimeout: 10000,
          subscription: Buffer.from([1, 2]),
          assignment: Buffer.from([3]),
        },
      ],
    },
  };
  const { key, value } = encodeCoordinatorRecord(rec);
  assert.deepEqual([...key.subarray(0, 2)], [0, 2]);
  assert.equal(value!.readInt16BE(0), 3);
  assert.deepEqual(decodeCoordinatorRecord(key, value), rec);
});

test("records of other types are skipped; malformed ones throw a ProtocolError", () => {
  // Unknown future types (share groups, ...) are not kept.
  assert.equal(decodeCoordinatorRecord(Buffer.from([0, 42, 0, 1, 0x67]), Buffer.from([0, 0])), null);
  assert.throws(() => decodeCoordinatorRecord(Buffer.from([0, 1, 0]), null), { name: "ProtocolError" });
  assert.throws(() => decodeCoordinatorRecord(Buffer.from([0x80, 0]), null), { name: "ProtocolError" });
  const { key } = encodeCoordinatorRecord({ type: "group", groupId: "g", value: null });
  assert.throws(() => decodeCoordinatorRecord(key, Buffer.from([0, 9])), { name: "ProtocolError" });
});

test("KIP-848 records: key version is the record type (3, 5, 6, 7, 8); values v0 round trip", () => {
  const T = "AAAAAAAAAAAAAAAAAAAAAA";
  const records = [
    { type: "consumerGroup" as const, groupId: "cg", value: { epoch: 7 } },
    {
      type: "consumerMember" as const,
      groupId: "cg",
      memberId: "m1",
      value: {
        instanceId: "i",
        rackId: null,
        clientId: "c",
        clientHost: "/h",
        subscribedTopicNames: ["a", "b"],
        rebalanceTimeoutMs: 30000,
        serverAssignor: "range",
      },
    },
    { type: "consumerTargetEpoch" as const, groupId: "cg", value: { assignmentEpoch: 7 } },
    {
      type: "consumerPartitionMetadata" as const,
      groupId: "cg",
      value: [{ topicId: T, topicName: "a", numPartitions: 4 }],
    },
    { type: "consumerTarget" as const, groupId: "cg", memberId: "m1", value: [`${T}:0`, `${T}:3`] },
    {
      type: "consumerAssignment" as const,
      groupId: "cg",
      memberId: "m1",
      value: {
        memberEpoch: 6,
        previousMemberEpoch: 5,
        state: "unrevokedPartitions" as const,
        assigned: [`${T}:0`],
        pendingRevocation: [`${T}:1`],
      },
    },
    { type: "consumerMember" as const, groupId: "cg", memberId: "m1", value: null },
  ];
  const types = records.map((r) => encodeCoordinatorRecord(r).key.readInt16BE(0));
  assert.deepEqual(types, [3, 5, 6, 4, 7, 8, 5]);
  for (const r of records) {
    const { key, value } = encodeCoordinatorRecord(r);
    assert.deepEqual(decodeCoordinatorRecord(key, value), r);
  }
  // The current-assignment state byte is Kafka's MemberState value (UNREVOKED_PARTITIONS = 1).
  const { value } = encodeCoordinatorRecord(records[5]);
  assert.equal(value!.readInt8(2 + 8), 1);
});
