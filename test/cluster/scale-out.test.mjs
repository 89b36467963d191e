// Scale-out end to end: etcd + 3 brokers, an idempotent acks=all producer (python3-confluent-kafka)
// writing throughout to a topic with replication factor 3; a 4th broker starts, every partition is
// reassigned so that the new broker replaces the preferred replica (AlterPartitionReassignments;
// while broker 4 is paused they are listed in flight and one is cancelled and redone),
// the new replicas catch up by follower fetch and join the ISR, the controller switches to the
// target and the 4th broker leads (ElectLeaders where the leader stayed). Removed replicas delete
// their logs. Then the 4th broker restarts and gets its leaderships back by the automatic
// preferred-leader rebalance. Every acknowledged record is present exactly once, at its offset.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startBroker } from "../compat/harness/broker.mjs";
import { requireExecutable } from "../compat/harness/process.mjs";
import { alterReassignments, electLeaders, listReassignments } from "./cluster-admin.mjs";
import { clusterArgs, startEtcd, startProducer, topicMetadata, verifyAcknowledged } from "./harness.mjs";

const PARTITIONS = 3;
/** The rebalance check runs every 2 s here (Kafka's default is 300 s). */
const EXTRA = ["--set", "leader.imbalance.check.interval.seconds=2"];

let etcd;
const brokers = [];

async function startNode(id, previous) {
  const b = await startBroker({
    dataDir: previous?.dataDir,
    port: previous?.port,
    args: clusterArgs(etcd.url, id, EXTRA),
  });
  return { id, ...b, broker: b };
}

async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await check();
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

before(async () => {
  requireExecutable("kcat");
  etcd = await startEtcd();
  for (let id = 1; id <= 3; id++) brokers.push(await startNode(id));
});

after(async () => {
  for (const b of brokers) await b.broker.stop().catch(() => {});
  await etcd?.stop();
});

test("scale-out to a 4th broker by reassignment while producing; no acknowledged record lost", async (t) => {
  const t0 = Date.now();
  const phase = (name) => t.diagnostic(`${name} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const topic = `scale-out-${Date.now()}`;
  const bootstrap = brokers.map((b) => b.bootstrap).join(",");
  const producer = startProducer(bootstrap, topic, PARTITIONS);
  await producer.waitFor((s) => s.created && s.acks.length >= 300, 30_000, "300 acknowledgements");
  phase("producing");

  const fourth = await startNode(4);
  brokers.push(fourth);
  phase("4th broker up");
  const md = await topicMetadata(bootstrap, topic);
  const targets = md.partitions.map((p) => ({
    topic,
    partition: p.partition,
    replicas: [4, ...p.replicas.map((r) => r.id).slice(1)],
    removed: p.replicas[0].id,
  }));
  // Broker 4 paused (well within its session timeout): the reassignments stay in flight, and one
  // is cancelled before it completes.
  fourth.broker.process.kill("SIGSTOP");
  let accepted;
  let inFlight;
  try {
    accepted = await alterReassignments(
      bootstrap,
      targets.map(({ removed, ...a }) => a),
    );
    inFlight = await listReassignments(bootstrap);
    const cancelled = await alterReassignments(bootstrap, [{ topic, partition: 0, replicas: null }]);
    assert.equal(cancelled[0].errorCode, 0, JSON.stringify(cancelled));
  } finally {
    fourth.broker.process.kill("SIGCONT");
  }
  assert.deepEqual(
    accepted.map((a) => a.errorCode),
    [0, 0, 0],
    JSON.stringify(accepted),
  );
  assert.deepEqual(
    inFlight.map((r) => [r.partition, r.addingReplicas, r.removingReplicas]).sort(),
    targets.map((x) => [x.partition, [4], [x.removed]]).sort(),
    "ListPartitionReassignments shows the adding and removing replicas",
  );
  const reverted = await topicMetadata(bootstrap, topic);
  // As Kafka's revert: the original replicas, in the order the reassignment left them.
  assert.deepEqual(
    reverted.partitions
      .find((p) => p.partition === 0)
      .replicas.map((r) => r.id)
      .sort(),
    md.partitions
      .find((p) => p.partition === 0)
      .replicas.map((r) => r.id)
      .sort(),
    "the cancel reverts partition 0 to its replicas",
  );
  await until("partition 0 reassigned again", 15_000, async () => {
    const replicas = targets.find((x) => x.partition === 0).replicas;
    const [again] = await alterReassignments(bootstrap, [{ topic, partition: 0, replicas }]);
    return again.errorCode === 0;
  });
  const unknown = await alterReassignments(bootstrap, [{ topic, partition: 99, replicas: [1] }]);
  assert.equal(unknown[0].errorCode, 3, "UNKNOWN_TOPIC_OR_PARTITION");
  const badBroker = await alterReassignments(bootstrap, [{ topic, partition: 0, replicas: [1, 9] }]);
  assert.equal(badBroker[0].errorCode, 39, "INVALID_REPLICA_ASSIGNMENT for an unknown broker");

  await until("every reassignment completes", 30_000, async () => (await listReassignments(bootstrap)).length === 0);
  phase("reassignments complete");
  const moved = await topicMetadata(bootstrap, topic);
  for (const p of moved.partitions) {
    const target = targets.find((x) => x.partition === p.partition);
    assert.deepEqual(
      p.replicas.map((r) => r.id),
      target.replicas,
      `partition ${p.partition} has its target replicas`,
    );
  }
  // Where the old leader stayed a replica, the preferred election hands the leadership to broker 4.
  const elected = await electLeaders(bootstrap, 0, null);
  assert.equal(elected.errorCode, 0);
  for (const r of elected.results) assert.equal(r.errorCode, 0, JSON.stringify(r));
  await until("broker 4 leads every partition", 15_000, async () => {
    const m = await topicMetadata(bootstrap, topic);
    return m.partitions.every((p) => p.leader === 4 && p.isrs.length === 3);
  });
  phase("broker 4 leads");
  const again = await electLeaders(bootstrap, 0, [{ topic, partition: 0 }]);
  assert.equal(again.results[0].errorCode, 84, "ELECTION_NOT_NEEDED");
  const cancel = await alterReassignments(bootstrap, [{ topic, partition: 0, replicas: null }]);
  assert.equal(cancel[0].errorCode, 85, "NO_REASSIGNMENT_IN_PROGRESS");

  // Removed replicas delete their logs.
  await until("removed replicas delete their logs", 15_000, async () =>
    targets.every((x) => !existsSync(join(brokers.find((b) => b.id === x.removed).dataDir, `${topic}-${x.partition}`))),
  );

  // The 4th broker restarts: leaderships move away, then come back by the automatic rebalance.
  const acksBeforeRestart = producer.acks.length;
  await fourth.broker.stop();
  await until("leaders move away from the stopped broker", 15_000, async () => {
    const m = await topicMetadata(bootstrap, topic);
    return m.partitions.every((p) => p.leader !== 4 && p.leader >= 0);
  });
  phase("broker 4 stopped");
  const restarted = await startNode(4, fourth);
  brokers[brokers.indexOf(fourth)] = restarted;
  await until("the restarted broker gets its leaderships back", 30_000, async () => {
    const m = await topicMetadata(bootstrap, topic);
    return m.partitions.every((p) => p.leader === 4);
  });
  phase("broker 4 leads again");
  await producer.waitFor((s) => s.acks.length >= acksBeforeRestart + 300, 30_000, "300 more acknowledgements");
  const summary = await producer.finish();

  const { found, duplicates, missing } = await verifyAcknowledged(bootstrap, topic, PARTITIONS, producer.acks);
  const acked = producer.acks.length;
  t.diagnostic(`acknowledged ${acked}, found ${found}, duplicates ${duplicates}, failed ${summary.failed}`);
  assert.equal(summary.failed, 0, `failed deliveries: ${JSON.stringify(producer.errors.slice(0, 5))}`);
  assert.equal(found, acked, `every acknowledged record is at its offset; missing ${JSON.stringify(missing)}`);
  assert.equal(duplicates, 0, "no record twice");
});
