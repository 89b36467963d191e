// The KIP-848 consumer protocol with a real client: @confluentinc/kafka-javascript (librdkafka 2.15)
// members with group.protocol=consumer, one process each, under the server-side assignors `uniform`
// and `range`: they split a 4-partition topic, read and commit every record; when one leaves the other
// gets every partition and reads on from the commits; a killed member's partitions move once its
// session ends. Prints the rebalance times.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { consumedSet, coversAll, overlappingOwnership, spawnMember, until } from "./harness/group-members.mjs";
import { committedOffsets, createTopic, kafkajsClient, producePerPartition } from "./harness/kafkajs.mjs";
import { uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const PARTITIONS = 4;
// Broker-side in KIP-848: the coordinator tells members how often to heartbeat and ends sessions.
const SESSION_TIMEOUT_MS = 6000;
const HEARTBEAT_INTERVAL_MS = 500;
const MEMBER = join(import.meta.dirname, "clients/rdkafka_group_member.mjs");

async function withGroup(assignor, body) {
  const broker = await startBroker({
    args: [
      "--set",
      `group.consumer.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
      "--set",
      `group.consumer.heartbeat.interval.ms=${HEARTBEAT_INTERVAL_MS}`,
    ],
  });
  const topic = uniqueTopic(`kip848-${assignor}`);
  const group = `g-${topic}`;
  const admin = kafkajsClient(broker.bootstrap).admin();
  const members = [];
  const start = (name) => {
    const m = spawnMember(name, process.execPath, [MEMBER], {
      bootstrap: broker.bootstrap,
      topic,
      group,
      commitEveryMs: 300,
      config: { "group.protocol": "consumer", "group.remote.assignor": assignor },
    });
    members.push(m);
    return m;
  };
  const describe = () => {
    const lines = members.map((m) => {
      const events = m.events.filter((e) => e.event !== "message" && e.event !== "committed").slice(-20);
      return `${m.name}: holds [${[...m.held]}], read ${m.messages().length}, ${JSON.stringify(events)} ${m.stderr()}`;
    });
    const exit = broker.process.exitCode ?? broker.process.signalCode;
    return `\n${lines.join("\n")}\nbroker (exit ${exit}):\n${broker.log().slice(-3000)}`;
  };
  try {
    await createTopic(broker.bootstrap, topic, { partitions: PARTITIONS });
    await admin.connect();
    const committed = () => committedOffsets(admin, group, topic);
    await body({ broker, topic, start, members, committed, describe });
  } finally {
    await Promise.all(members.map((m) => m.kill()));
    await admin.disconnect();
    await broker.stop();
  }
}

for (const assignor of ["uniform", "range"]) {
  test(`KIP-848 (${assignor}): 2 librdkafka members split 4 partitions, commit; one leaves, the other gets all`, {
    timeout: 90_000,
  }, async () => {
    await withGroup(assignor, async ({ broker, topic, start, members, committed, describe }) => {
      await producePerPartition(broker.bootstrap, topic, PARTITIONS, 10, "a");
      const a = start("a");
      const b = start("b");
      await until(
        "2 members with 2 partitions each, all 40 records read and committed",
        async () =>
          a.held.size === 2 &&
          b.held.size === 2 &&
          coversAll([a, b], PARTITIONS) &&
          consumedSet(members).size === 40 &&
          Object.values(await committed()).every((o) => o === 10),
        45_000,
        describe,
      );
      if (assignor === "range") {
        // Range hands each member a contiguous run of the topic's partitions.
        assert.deepEqual([[...a.held].sort(), [...b.held].sort()].sort(), [
          [0, 1],
          [2, 3],
        ]);
      }

      const leftAtMs = Date.now();
      await a.stop();
      await until(
        "b holding every partition",
        () => b.assignedAtMs > leftAtMs && coversAll([b], PARTITIONS),
        SESSION_TIMEOUT_MS * 2,
        describe,
      );
      const afterLeaveMs = b.assignedAtMs - leftAtMs;
      await producePerPartition(broker.bootstrap, topic, PARTITIONS, 5, "b");
      await until(
        "b reading and committing the new records",
        async () => consumedSet(members).size === 60 && Object.values(await committed()).every((o) => o === 15),
        30_000,
        describe,
      );
      assert.equal(overlappingOwnership(members), null, "a partition is revoked before it is assigned elsewhere");
      const reread = b.messages().filter((e) => e.offset < 10 && e.atMs > leftAtMs);
      assert.deepEqual(reread, [], "b resumes a's partitions from a's commits");
      console.log(`# KIP-848 ${assignor}: b held all ${PARTITIONS} partitions ${afterLeaveMs} ms after a left`);
    });
  });
}

test("KIP-848 (uniform): a killed member's partitions move to the survivors once its session ends", {
  timeout: 90_000,
}, async () => {
  await withGroup("uniform", async ({ broker, topic, start, members, committed, describe }) => {
    await producePerPartition(broker.bootstrap, topic, PARTITIONS, 5, "a");
    const [a, b, c] = [start("a"), start("b"), start("c")];
    await until(
      "3 members sharing 4 partitions, all read and committed",
      async () =>
        [a, b, c].every((m) => m.held.size >= 1) &&
        coversAll([a, b, c], PARTITIONS) &&
        consumedSet(members).size === 20 &&
        Object.values(await committed()).every((o) => o === 5),
      45_000,
      describe,
    );
    const killedAtMs = Date.now();
    await c.kill();
    await until(
      "a and b holding every partition",
      () => coversAll([a, b], PARTITIONS),
      SESSION_TIMEOUT_MS * 3,
      describe,
    );
    const afterKillMs = Math.max(a.assignedAtMs, b.assignedAtMs) - killedAtMs;
    // c's partitions go straight to the survivors (c cannot revoke), so only the joins are compared.
    assert.equal(overlappingOwnership([a, b]), null, "a partition is revoked before it is assigned elsewhere");
    await producePerPartition(broker.bootstrap, topic, PARTITIONS, 5, "b");
    await until("the survivors reading the new records", () => consumedSet(members).size === 40, 30_000, describe);
    console.log(
      `# KIP-848 uniform: partitions of a killed member moved ${afterKillMs} ms after kill -9 (session ${SESSION_TIMEOUT_MS} ms)`,
    );
    assert.ok(afterKillMs >= SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS * 2, `moved after ${afterKillMs} ms`);
    assert.ok(afterKillMs < SESSION_TIMEOUT_MS + 5000, `moved after ${afterKillMs} ms`);
  });
});
