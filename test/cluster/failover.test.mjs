// Cluster mode end to end: etcd + 3 brokers, a topic with replication factor 3 and
// min.insync.replicas 2, an idempotent acks=all producer (python3-confluent-kafka) writing
// throughout; the leader of partition 0 is killed with SIGKILL. Every acknowledged record must be
// readable afterwards, exactly once, at its acknowledged offset; the failover time (kill to the
// first acknowledgement from a partition the killed broker led) is reported.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { startBroker } from "../compat/harness/broker.mjs";
import { requireExecutable } from "../compat/harness/process.mjs";
import { clusterArgs, readPartition, startCluster, startEtcd, topicMetadata } from "./harness.mjs";

const PYTHON = "/usr/bin/python3";
const PRODUCER = new URL("./clients/acked_producer.py", import.meta.url).pathname;
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

/** Runs the producer; lines are parsed as they come. */
function startProducer(bootstrap, topic) {
  const child = spawn(PYTHON, [PRODUCER, bootstrap, topic, String(PARTITIONS), "3"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const acks = [];
  const errors = [];
  let done;
  let created = false;
  let stderr = "";
  let partial = "";
  const waiters = [];
  child.stderr.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-8192);
  });
  child.stdout.on("data", (d) => {
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop();
    for (const l of lines) {
      const m = JSON.parse(l);
      if (m.created) created = true;
      else if (m.done) done = m;
      else if (m.err) errors.push(m);
      else acks.push(m);
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const changed = () => new Promise((resolve) => waiters.push(resolve));
  return {
    acks,
    errors,
    stderr: () => stderr,
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate({ created, acks, done })) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; producer stderr:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`producer exited (${child.exitCode}):\n${stderr}`);
        await Promise.race([changed(), new Promise((r) => setTimeout(r, 200))]);
      }
    },
    async finish() {
      child.stdin.end();
      const code = await exited;
      assert.equal(code, 0, `producer failed:\n${stderr}`);
      return done;
    },
  };
}

test("kill -9 of a partition leader: a new leader from the ISR, no acknowledged record lost", async (t) => {
  const topic = `failover-${Date.now()}`;
  const bootstrap = brokers.map((b) => b.bootstrap).join(",");
  const producer = startProducer(bootstrap, topic);
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
  let found = 0;
  let duplicates = 0;
  const seen = new Set();
  for (let p = 0; p < PARTITIONS; p++) {
    const records = await readPartition(liveBootstrap, topic, p);
    const byOffset = new Map(records);
    for (let i = 1; i < records.length; i++) assert.ok(records[i][0] > records[i - 1][0], "offsets increase");
    for (const [, v] of records) {
      if (seen.has(v)) duplicates++;
      seen.add(v);
    }
    for (const a of producer.acks.filter((x) => x.p === p)) {
      if (byOffset.get(a.o) === a.v) found++;
    }
  }
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
