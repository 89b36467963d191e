// Transaction coordinator failover: etcd + 3 brokers, `__transaction_state` with replication factor
// 3. A transactional producer (python3-confluent-kafka) runs small transactions, committing most and
// aborting every fourth; the broker leading its transactional id's `__transaction_state` partition
// (its coordinator) is killed with SIGKILL in the middle of a transaction, and restarted later. The
// producer must keep committing through the new coordinator (aborting what it must), and a
// read_committed consumer must see every committed record exactly once and no aborted one.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import kafkajs from "kafkajs";
import { startBroker } from "../compat/harness/broker.mjs";
import { requireExecutable, runOk } from "../compat/harness/process.mjs";
import { clusterArgs, onJsonLines, startEtcd } from "./harness.mjs";

const { Kafka, logLevel } = kafkajs;
const TXN_PARTITIONS = 10;
const PARTITIONS = 3;
const PYTHON = "/usr/bin/python3";
const PRODUCER = new URL("./clients/txn_producer.py", import.meta.url).pathname;

let etcd;
const brokers = [];
const brokerArgs = (id) =>
  clusterArgs(etcd.url, id, [
    "--set",
    `transaction.state.log.num.partitions=${TXN_PARTITIONS}`,
    "--set",
    "offsets.topic.num.partitions=3",
  ]);

before(async () => {
  requireExecutable("kcat");
  etcd = await startEtcd();
  for (let id = 1; id <= 3; id++) brokers.push({ id, broker: await startBroker({ args: brokerArgs(id) }) });
});

after(async () => {
  for (const b of brokers) await b.broker.stop().catch(() => {});
  await etcd?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Kafka's choice of a transactional id's `__transaction_state` partition (Java's String.hashCode). */
function txnPartition(transactionalId) {
  let h = 0;
  for (let i = 0; i < transactionalId.length; i++) h = (Math.imul(h, 31) + transactionalId.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % TXN_PARTITIONS;
}

/** The transactional producer; its outcomes are collected as they come. */
function startTxnProducer(bootstrap, topic, transactionalId) {
  const child = spawn(PYTHON, [PRODUCER, bootstrap, topic, String(PARTITIONS), transactionalId], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const state = { ready: false, begun: -1, committed: [], aborted: [], fatal: undefined, done: undefined };
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(process.env.TXN_DEBUG === undefined ? -8192 : -2_000_000);
  });
  onJsonLines(child.stdout, (m) => {
    if (m.ready) state.ready = true;
    else if (m.begun !== undefined) state.begun = m.begun;
    else if (m.fatal !== undefined) state.fatal = m.fatal;
    else if (m.done) state.done = m;
    else if (m.outcome === "committed") state.committed.push(m);
    else state.aborted.push(m);
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    state,
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(state)) {
        if (state.fatal !== undefined || child.exitCode !== null)
          throw new Error(`producer failed (${state.fatal ?? child.exitCode}) waiting for ${what}:\n${stderr}`);
        if (Date.now() > deadline) {
          const logs = brokers.map((b) => `--- broker ${b.id}\n${b.broker.log().slice(-6000)}`).join("\n");
          throw new Error(`timed out waiting for ${what}; producer stderr:\n${stderr}\n${logs}`);
        }
        await sleep(50);
      }
    },
    async finish() {
      child.stdin.end();
      const code = await exited;
      assert.equal(code, 0, `producer failed (${state.fatal}):\n${stderr}`);
      return state.done;
    },
    kill: () => child.kill("SIGKILL"),
  };
}

/** Every value a read_committed consumer sees in one partition, up to the last stable offset. */
async function readCommitted(bootstrap, topic, partition) {
  const { stdout } = await runOk(
    "kcat",
    [
      "-C",
      "-b",
      bootstrap,
      "-X",
      "isolation.level=read_committed",
      "-t",
      topic,
      "-p",
      String(partition),
      "-o",
      "beginning",
      "-e",
      "-q",
      "-f",
      "%s\\n",
    ],
    { timeoutMs: 30_000 },
  );
  return stdout.split("\n").filter((l) => l !== "");
}

test("transactions keep committing, exactly once, when the transaction coordinator is killed", {
  timeout: 150_000,
}, async (t) => {
  const topic = `txn-failover-${Date.now()}`;
  const transactionalId = `txn-${Date.now()}`;
  const bootstrap = () => brokers.map((b) => b.broker.bootstrap).join(",");
  const kafka = new Kafka({
    clientId: "txn-coordinator-failover",
    brokers: brokers.map((b) => b.broker.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 3 }],
    waitForLeaders: true,
  });
  const producer = startTxnProducer(bootstrap(), topic, transactionalId);
  try {
    await producer.waitFor((s) => s.committed.length >= 5, 60_000, "5 committed transactions");

    const md = await admin.fetchTopicMetadata({ topics: ["__transaction_state"] });
    const partitions = md.topics[0].partitions;
    assert.equal(partitions.length, TXN_PARTITIONS);
    for (const p of partitions) assert.equal(p.replicas.length, 3, "__transaction_state has replication factor 3");
    const coordinatorId = partitions.find((p) => p.partitionId === txnPartition(transactionalId)).leader;
    const victim = brokers.find((b) => b.id === coordinatorId);
    assert.ok(victim !== undefined, `coordinator ${coordinatorId} is one of the brokers`);
    await admin.disconnect();

    // Mid-transaction: a new one has begun and its records are on their way.
    const begunBefore = producer.state.begun;
    await producer.waitFor((s) => s.begun > begunBefore, 30_000, "a new transaction");
    await sleep(20);
    const committedBefore = producer.state.committed.length;
    const killedAtMs = Date.now();
    await victim.broker.kill9();
    await producer.waitFor(
      (s) => s.committed.some((c) => c.t > killedAtMs && c.txn > begunBefore + 1),
      60_000,
      "a transaction begun after the kill committed",
    );
    const failoverMs = producer.state.committed.find((c) => c.t > killedAtMs && c.txn > begunBefore + 1).t - killedAtMs;
    await producer.waitFor((s) => s.committed.length >= committedBefore + 10, 60_000, "10 more committed");

    // The old coordinator comes back as a follower; transactions go on.
    victim.broker = await startBroker({
      dataDir: victim.broker.dataDir,
      port: victim.broker.port,
      args: brokerArgs(victim.id),
    });
    const afterRestart = producer.state.committed.length;
    await producer.waitFor((s) => s.committed.length >= afterRestart + 5, 60_000, "5 committed after the restart");
    const done = await producer.finish();

    const committed = new Set(producer.state.committed.flatMap((c) => c.values));
    const aborted = new Set(producer.state.aborted.flatMap((c) => c.values));
    // Markers land after commit_transaction returns: read until every committed record is stable.
    let seen = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      seen = [];
      for (let p = 0; p < PARTITIONS; p++) seen.push(...(await readCommitted(bootstrap(), topic, p)));
      if ([...committed].every((v) => seen.includes(v)) || Date.now() > deadline) break;
      await sleep(500);
    }
    const seenSet = new Set(seen);
    const missing = [...committed].filter((v) => !seenSet.has(v));
    const visibleAborted = seen.filter((v) => aborted.has(v));
    const unknown = seen.filter((v) => !committed.has(v) && !aborted.has(v));
    const duplicates = seen.length - seenSet.size;
    t.diagnostic(
      `coordinator ${coordinatorId} killed; transactions ${done.transactions}: committed ` +
        `${producer.state.committed.length} (${committed.size} records), aborted ${producer.state.aborted.length} ` +
        `(${producer.state.aborted.filter((a) => a.why !== "on purpose").length} by the client after an error); ` +
        `read_committed saw ${seen.length}, missing ${missing.length}, aborted visible ${visibleAborted.length}, ` +
        `duplicates ${duplicates}; failover ${failoverMs} ms (kill -9 to the first commit of a transaction begun after it)`,
    );
    assert.deepEqual(missing, [], "every committed record is visible to read_committed");
    assert.deepEqual(visibleAborted, [], "no aborted record is visible to read_committed");
    assert.deepEqual(unknown, [], "nothing else is visible");
    assert.equal(duplicates, 0, "no committed record twice");
  } finally {
    producer.kill();
  }
});
