// KIP-392 end to end: three brokers in racks RACK1-3 with replica.selector.class set to Kafka's
// RackAwareReplicaSelector; an idempotent producer writes 201 records (python3-confluent-kafka); a
// read_committed consumer (librdkafka's default) with client.rack naming a follower's rack is sent
// to that follower, which serves it: the consumer sees every record once, in order, and receives
// the records' bytes from the follower; then the same with committed and aborted transactions: the
// follower's read_committed answer skips the aborted one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startBroker } from "../compat/harness/broker.mjs";
import { runOk } from "../compat/harness/process.mjs";
import { clusterArgs, startEtcd, topicMetadata } from "./harness.mjs";

const PYTHON = "/usr/bin/python3";
const CLIENT = new URL("./clients/rack_consumer.py", import.meta.url).pathname;
const SELECTOR = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

let etcd;
const brokers = [];

before(async () => {
  etcd = await startEtcd();
  for (let id = 1; id <= 3; id++) {
    const extra = ["--set", `broker.rack=RACK${id}`, "--set", `replica.selector.class=${SELECTOR}`];
    brokers.push(await startBroker({ args: clusterArgs(etcd.url, id, extra) }));
  }
});

after(async () => {
  for (const b of brokers) await b.stop().catch(() => {});
  await etcd?.stop();
});

/**
 * Writes a new topic with the client's `produceCommand`, then consumes it with client.rack naming a
 * follower's rack: the leader, that follower, and what the consumer reports (values, bytes per broker).
 */
async function produceThenConsumeInFollowerRack(t, produceCommand, produceTimeoutMs) {
  const bootstrap = brokers.map((b) => b.bootstrap).join(",");
  const topic = `follower-fetch-${produceCommand}-${Date.now()}`;
  await runOk(PYTHON, [CLIENT, produceCommand, bootstrap, topic], { timeoutMs: produceTimeoutMs });
  const md = await topicMetadata(bootstrap, topic);
  const leader = md.partitions[0].leader;
  const follower = md.partitions[0].replicas.map((r) => r.id).find((id) => id !== leader);
  const run = await runOk(PYTHON, [CLIENT, "consume", bootstrap, topic, `RACK${follower}`], { timeoutMs: 60_000 });
  const out = JSON.parse(run.stdout.trim().split("\n").at(-1));
  t.diagnostic(`leader ${leader}, client rack RACK${follower}, rxbytes ${JSON.stringify(out.rxbytes)}`);
  return { leader, follower, out };
}

test("a read_committed consumer reads from the follower in its rack: every record once, in order", async (t) => {
  const { leader, follower, out } = await produceThenConsumeInFollowerRack(t, "produce", 60_000);
  const expected = Array.from({ length: 200 }, (_, i) => `v${i}`);
  assert.deepEqual(out.values, [...expected, "end"], "every record once, in order");
  assert.ok(
    (out.rxbytes[follower] ?? 0) > 200_000 && (out.rxbytes[leader] ?? 0) < 50_000,
    `the follower in the client's rack served the records: ${JSON.stringify(out.rxbytes)}`,
  );
});

test("read_committed from the follower: aborted transactions are skipped, committed ones kept, in order", async (t) => {
  const { leader, follower, out } = await produceThenConsumeInFollowerRack(t, "produce-transactions", 90_000);
  const committed = [..."cd"].flatMap((p) => Array.from({ length: 100 }, (_, i) => `${p}${i}`));
  assert.deepEqual(out.values, [...committed, "end"], "committed values only, in order");
  assert.ok(
    (out.rxbytes[follower] ?? 0) > 300_000 && (out.rxbytes[leader] ?? 0) < 50_000,
    `the follower served the records, the aborted ones too (the consumer drops them): ${JSON.stringify(out.rxbytes)}`,
  );
});
