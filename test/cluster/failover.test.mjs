// Cluster mode end to end: etcd + 3 brokers, a topic with replication factor 3 and
// min.insync.replicas 2, an idempotent acks=all producer (python3-confluent-kafka) writing
// throughout; the leader of partition 0 is killed with SIGKILL. Every acknowledged record must be
// readable afterwards, exactly once, at its acknowledged offset; the failover time (kill to the
// first acknowledgement from a partition the killed broker led) is reported.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startBroker } from "../compat/harness/broker.mjs";
import { requireExecutable } from "../compat/harness/process.mjs";
import {
  clusterArgs,
  readPartition,
  startCluster,
  startEtcd,
  startProducer,
  topicMetadata,
  verifyAcknowledged,
} from "./harness.mjs";

const PARTITIONS = 3;

let etcd;
let brokers = [];

before(async () => {
  requireExecutable("kcat");
  etcd = await startEtcd();
  brokers = await startCluster(etcd.url, 3);
});

after(async () => {
  for (const b of brokers) await b.broker.stop().catch(() => {});
  await etcd?.stop();
});

test("kill -9 of a partition leader: a new leader from the ISR, no acknowledged record lost", async (t) => {
  const topic = `failover-${Date.now()}`;
  const bootstrap = brokers.map((b) => b.bootstrap).join(",");
  const producer = startProducer(bootstrap, topic, PARTITIONS);
  await producer.waitFor((s) => s.created && s.acks.length >= 300, 30_000, "300 acknowledgements");

  const before = await topicMetadata(bootstrap, topic);
  assert.equal(before.partitions.length, PARTITIONS);
  for (const p of before.partitions) {
    assert.equal(p.replicas.length, 3, "replication factor 3");
    assert.equal(p.isrs.length, 3, `partition ${p.partition} has all replicas in sync: ${JSON.stringify(p)}`);
  }
  const victimId = before.partitions.find((p) => p.partition === 0).leader;
  const victim = brokers.find((b) => b.id === victimId);
  const ledByVictim = new Set(before.partitions.filter((p) => p.leader === victimId).map((p) => p.partition));

  const killedAtMs = Date.now();
  const acksBeforeKill = producer.acks.length;
  await victim.broker.kill9();
  await producer.waitFor(
    (s) => s.acks.some((a) => a.t > killedAtMs && ledByVictim.has(a.p) && s.acks.indexOf(a) >= acksBeforeKill),
    30_000,
    "an acknowledgement from a partition the killed broker led",
  );
  const firstAfter = producer.acks.find((a, i) => i >= acksBeforeKill && a.t > killedAtMs && ledByVictim.has(a.p));
  const failoverMs = firstAfter.t - killedAtMs;
  await producer.waitFor((s) => s.acks.length >= acksBeforeKill + 300, 30_000, "300 more acknowledgements");
  const summary = await producer.finish();

  const survivors = brokers.filter((b) => b !== victim);
  const liveBootstrap = survivors.map((b) => b.bootstrap).join(",");
  const afterMd = await topicMetadata(liveBootstrap, topic);
  for (const p of afterMd.partitions) {
    assert.notEqual(p.leader, victimId, `partition ${p.partition} moved away from the killed broker`);
    assert.ok(!p.isrs.includes(victimId), `the killed broker left the ISR of ${p.partition}`);
  }

  // Every acknowledged record is at its acknowledged offset, exactly once, in order.
  const { found, duplicates } = await verifyAcknowledged(liveBootstrap, topic, PARTITIONS, producer.acks);
  const acked = producer.acks.length;
  t.diagnostic(
    `acknowledged ${acked}, found ${found}, lost ${acked - found}, duplicates ${duplicates}, ` +
      `failed deliveries ${summary.failed}, failover ${failoverMs} ms (kill -9 to first acks=all ack)`,
  );
  assert.equal(summary.failed, 0, `failed deliveries: ${JSON.stringify(producer.errors.slice(0, 5))}`);
  assert.equal(found, acked, "every acknowledged record is readable at its offset");
  assert.equal(duplicates, 0, "no record twice");

  // The killed broker comes back under a new broker epoch, catches up and rejoins every ISR.
  const restarted = await startBroker({
    dataDir: victim.dataDir,
    port: victim.port,
    args: clusterArgs(etcd.url, victimId),
  });
  victim.broker = restarted;
  const deadline = Date.now() + 20_000;
  let md;
  for (;;) {
    md = await topicMetadata(liveBootstrap, topic);
    if (md.partitions.every((p) => p.isrs.length === 3)) break;
    assert.ok(Date.now() < deadline, `the restarted broker rejoins the ISRs: ${JSON.stringify(md.partitions)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const replayed = await readPartition(restarted.bootstrap, topic, [...ledByVictim][0]);
  assert.ok(replayed.length > 0);
});
