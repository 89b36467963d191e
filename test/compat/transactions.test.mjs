// Transactions with real clients against a real Samsa broker: python confluent-kafka (librdkafka)
// commit/abort under read_committed and read_uncommitted, an open transaction holding back the last
// stable offset, zombie fencing, and a consume-transform-produce loop that survives a killed client
// and a kill -9 of the broker with every input exactly once in the output; kafkajs transactions with
// sendOffsets.
import assert from "node:assert/strict";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort, makeTempDir, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic, kafkajsClient } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const PYTHON = "/usr/bin/python3";
const PY_TXN = join(import.meta.dirname, "clients/confluent_txn.py");

async function py(spec, timeoutMs = 90_000) {
  requireExecutable(PYTHON);
  const { stdout } = await runOk(PYTHON, [PY_TXN], { input: JSON.stringify(spec), timeoutMs });
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines.at(-1));
}

function readValues(bootstrap, topic, partitions, isolation) {
  return py({ mode: "consume", bootstrap, topic, partitions, isolation, idleS: 2 }).then((r) => r.values);
}

async function produceInputs(bootstrap, topic, count) {
  const producer = kafkajsClient(bootstrap).producer();
  await producer.connect();
  try {
    const messages = [];
    for (let i = 0; i < count; i++) messages.push({ partition: i % 2, key: `k${i}`, value: `v${i}` });
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

test("confluent-kafka: committed records only under read_committed; aborted ones under read_uncommitted; an open transaction holds back the LSO", {
  timeout: 120_000,
}, async () => {
  const broker = await startBroker();
  try {
    const topic = uniqueTopic("txn");
    await createTopic(broker.bootstrap, topic);
    const txnId = `tx-${topic}`;
    await py({
      mode: "produce",
      bootstrap: broker.bootstrap,
      topic,
      txnId,
      txns: [
        { values: ["a1", "a2"], commit: true },
        { values: ["b1", "b2"], commit: false },
        { values: ["c1"], commit: true },
      ],
      leaveOpen: ["d1"],
    });
    assert.deepEqual(await readValues(broker.bootstrap, topic, [0], "read_committed"), ["a1", "a2", "c1"]);
    assert.deepEqual(await readValues(broker.bootstrap, topic, [0], "read_uncommitted"), [
      "a1",
      "a2",
      "b1",
      "b2",
      "c1",
      "d1",
    ]);
    // A new producer with the same transactional.id aborts the open transaction, unblocking the LSO.
    await py({ mode: "produce", bootstrap: broker.bootstrap, topic, txnId, txns: [{ values: ["e1"], commit: true }] });
    assert.deepEqual(await readValues(broker.bootstrap, topic, [0], "read_committed"), ["a1", "a2", "c1", "e1"]);
  } finally {
    await broker.stop();
  }
});

test("confluent-kafka: a transaction left open is aborted at its transaction.timeout.ms, releasing the LSO", {
  timeout: 90_000,
}, async () => {
  const broker = await startBroker();
  try {
    const topic = uniqueTopic("txn-timeout");
    await createTopic(broker.bootstrap, topic);
    const started = Date.now();
    await py({
      mode: "produce",
      bootstrap: broker.bootstrap,
      topic,
      txnId: `tx-${topic}`,
      txnTimeoutMs: 8000,
      txns: [{ values: ["a1"], commit: true }],
      leaveOpen: ["b1"],
    });
    const producer = kafkajsClient(broker.bootstrap).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "c1" }] });
    await producer.disconnect();
    if (Date.now() - started < 3000) {
      assert.deepEqual(await readValues(broker.bootstrap, topic, [0], "read_committed"), ["a1"], "blocked at the LSO");
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 8500 - Date.now())));
    let values = [];
    for (let i = 0; i < 10 && values.length < 2; i++)
      values = await readValues(broker.bootstrap, topic, [0], "read_committed");
    assert.deepEqual(values, ["a1", "c1"], "b1 aborted by the coordinator, c1 visible");
  } finally {
    await broker.stop();
  }
});

test("confluent-kafka: a second producer with the same transactional.id fences the first", {
  timeout: 90_000,
}, async () => {
  const broker = await startBroker();
  try {
    const topic = uniqueTopic("fence");
    await createTopic(broker.bootstrap, topic);
    const r = await py({ mode: "fence", bootstrap: broker.bootstrap, topic, txnId: `tx-${topic}` });
    assert.equal(r.fenced, true, r.error);
    assert.deepEqual(await readValues(broker.bootstrap, topic, [0], "read_committed"), ["successor"]);
  } finally {
    await broker.stop();
  }
});

test("confluent-kafka consume-transform-produce: a killed client and a kill -9 of the broker, then every input exactly once", {
  timeout: 240_000,
}, async () => {
  const dataDir = makeTempDir("txn-ctp");
  let broker = await startBroker({ dataDir });
  try {
    const input = uniqueTopic("ctp-in");
    const output = uniqueTopic("ctp-out");
    await createTopic(broker.bootstrap, input, { partitions: 2 });
    await createTopic(broker.bootstrap, output, { partitions: 2 });
    await produceInputs(broker.bootstrap, input, 60);
    const loop = { mode: "ctp", input, output, group: `g-${input}`, txnId: `tx-${input}`, batch: 10 };
    // Batches of up to 10: the first ones commit, the one open at record 25 is left hanging.
    const crashed = await py({ ...loop, bootstrap: broker.bootstrap, count: 60, crashAfter: 25 });
    assert.equal(crashed.crashed, true);
    await broker.kill9();
    broker = await startBroker({ dataDir, port: broker.port });
    const uncommittedBefore = await readValues(broker.bootstrap, output, [0, 1], "read_uncommitted");
    assert.ok(uncommittedBefore.length >= 25, `the crashed run wrote ${uncommittedBefore.length} records`);
    const committedBefore = await readValues(broker.bootstrap, output, [0, 1], "read_committed");
    const resumed = await py({ ...loop, bootstrap: broker.bootstrap, count: 60 - committedBefore.length });
    assert.equal(resumed.done, 60 - committedBefore.length);
    const out = await readValues(broker.bootstrap, output, [0, 1], "read_committed");
    const expected = Array.from({ length: 60 }, (_, i) => `out-v${i}`).sort();
    assert.deepEqual([...out].sort(), expected, "every input exactly once in the committed output");
  } finally {
    await broker.stop();
  }
});

test("kafkajs: transactions commit and abort, sendOffsets commits the group's offsets with the transaction", {
  timeout: 90_000,
}, async () => {
  const broker = await startBroker();
  try {
    const topic = uniqueTopic("kjs-txn");
    await createTopic(broker.bootstrap, topic, { partitions: 2 });
    const client = kafkajsClient(broker.bootstrap);
    const producer = client.producer({ transactionalId: `tx-${topic}`, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    let t = await producer.transaction();
    await t.send({
      topic,
      messages: [
        { partition: 0, value: "c1" },
        { partition: 1, value: "c2" },
      ],
    });
    await t.commit();
    t = await producer.transaction();
    await t.send({ topic, messages: [{ partition: 0, value: "a1" }] });
    await t.sendOffsets({
      consumerGroupId: `g-${topic}`,
      topics: [{ topic, partitions: [{ partition: 1, offset: "9" }] }],
    });
    await t.abort();
    t = await producer.transaction();
    await t.send({ topic, messages: [{ partition: 1, value: "c3" }] });
    await t.sendOffsets({
      consumerGroupId: `g-${topic}`,
      topics: [{ topic, partitions: [{ partition: 0, offset: "5" }] }],
    });
    await t.commit();
    await producer.disconnect();

    const admin = client.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: `g-${topic}`, topics: [topic] });
    await admin.disconnect();
    const byPartition = Object.fromEntries(offsets.partitions.map((p) => [p.partition, p.offset]));
    assert.deepEqual(byPartition, { 0: "5", 1: "-1" }, "only the committed transaction's offsets");

    assert.deepEqual((await readValues(broker.bootstrap, topic, [0, 1], "read_committed")).sort(), ["c1", "c2", "c3"]);
    assert.deepEqual((await readValues(broker.bootstrap, topic, [0, 1], "read_uncommitted")).sort(), [
      "a1",
      "c1",
      "c2",
      "c3",
    ]);
  } finally {
    await broker.stop();
  }
});

/**
 * One kafkajs consume-transform-produce worker: each fetched batch is copied to `output` in a
 * transaction that also commits the consumed offsets. With `crashAfter` it stops after that many
 * records without ending its transaction, like a killed process.
 */
async function kafkajsWorker(bootstrap, { input, output, groupId, txnId, crashAfter, sink }) {
  const client = kafkajsClient(bootstrap, `ctp-${txnId}`);
  const producer = client.producer({ transactionalId: txnId, maxInFlightRequests: 1, idempotent: true });
  const consumer = client.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let done = 0;
  let crashed = false;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, isRunning }) => {
      if (crashed || !isRunning() || batch.messages.length === 0) return;
      const txn = await producer.transaction();
      await txn.send({
        topic: output,
        messages: batch.messages.map((m) => ({ partition: batch.partition, value: `out-${m.value}` })),
      });
      done += batch.messages.length;
      if (crashAfter !== undefined && done >= crashAfter) {
        crashed = true;
        return;
      }
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: next }] }],
      });
      await txn.commit();
      sink.push(...batch.messages.map((m) => m.value.toString()));
    },
  });
  return {
    crashed: () => crashed,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

async function waitFor(what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test("kafkajs consume-transform-produce with sendOffsets: a worker stopped mid-transaction, a successor finishes, every input exactly once", {
  timeout: 180_000,
}, async () => {
  const broker = await startBroker();
  try {
    const input = uniqueTopic("kctp-in");
    const output = uniqueTopic("kctp-out");
    await createTopic(broker.bootstrap, input, { partitions: 2 });
    await createTopic(broker.bootstrap, output, { partitions: 2 });
    const spec = { input, output, groupId: `g-${input}`, txnId: `tx-${input}` };
    await produceInputs(broker.bootstrap, input, 20);
    const first = await kafkajsWorker(broker.bootstrap, { ...spec, crashAfter: 1, sink: [] });
    await waitFor("the first worker to stop mid-transaction", async () => first.crashed(), 60_000);
    await first.stop();
    await produceInputs(broker.bootstrap, input, 20);
    const sink = [];
    const second = await kafkajsWorker(broker.bootstrap, { ...spec, sink });
    try {
      await waitFor(
        "40 outputs committed",
        async () => (await readValues(broker.bootstrap, output, [0, 1], "read_committed")).length >= 40,
        90_000,
      );
    } finally {
      await second.stop();
    }
    const out = await readValues(broker.bootstrap, output, [0, 1], "read_committed");
    const expected = [
      ...Array.from({ length: 20 }, (_, i) => `out-v${i}`),
      ...Array.from({ length: 20 }, (_, i) => `out-v${i}`),
    ];
    assert.deepEqual([...out].sort(), expected.sort(), "each input record once (the inputs were produced twice)");
    const uncommitted = await readValues(broker.bootstrap, output, [0, 1], "read_uncommitted");
    assert.ok(uncommitted.length > out.length, "the stopped worker's transaction is in the log, aborted");
  } finally {
    await broker.stop();
  }
});

/**
 * A TCP proxy in front of the broker that, for up to `stats.budget` Produce requests (every
 * `every`th one), lets the request through and then closes the connection instead of passing the
 * response on: the write happened, the client never learns it and retries.
 */
function dropProduceResponsesProxy(listenPort, brokerPort, { every }) {
  let produces = 0;
  const stats = { dropped: 0, budget: 0 };
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: brokerPort });
    const apiKeys = new Map();
    let fromClient = Buffer.alloc(0);
    let fromBroker = Buffer.alloc(0);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
    client.on("data", (d) => {
      fromClient = Buffer.concat([fromClient, d]);
      while (fromClient.length >= 4 && fromClient.length >= 4 + fromClient.readInt32BE(0)) {
        const size = fromClient.readInt32BE(0);
        const frame = fromClient.subarray(0, 4 + size);
        fromClient = fromClient.subarray(4 + size);
        const apiKey = frame.readInt16BE(4);
        let drop = false;
        if (apiKey === 0) {
          produces++;
          drop = stats.budget > 0 && produces % every === 0;
          if (drop) stats.budget--;
        }
        apiKeys.set(frame.readInt32BE(8), drop);
        upstream.write(frame);
      }
    });
    upstream.on("data", (d) => {
      fromBroker = Buffer.concat([fromBroker, d]);
      while (fromBroker.length >= 4 && fromBroker.length >= 4 + fromBroker.readInt32BE(0)) {
        const size = fromBroker.readInt32BE(0);
        const frame = fromBroker.subarray(0, 4 + size);
        fromBroker = fromBroker.subarray(4 + size);
        const correlationId = frame.readInt32BE(4);
        if (apiKeys.get(correlationId) === true) {
          stats.dropped++;
          close();
          return;
        }
        apiKeys.delete(correlationId);
        client.write(frame);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(listenPort, "127.0.0.1", () =>
      resolve({ stats, close: () => new Promise((r) => server.close(() => r())) }),
    );
  });
}

test("idempotent producers (kafkajs, confluent-kafka) write no duplicates when the connection drops between the write and the response", {
  timeout: 120_000,
}, async () => {
  const proxyPort = await freePort();
  const broker = await startBroker({ args: ["--advertised-listeners", `PLAINTEXT://127.0.0.1:${proxyPort}`] });
  const proxy = await dropProduceResponsesProxy(proxyPort, broker.port, { every: 3 });
  const bootstrap = `127.0.0.1:${proxyPort}`;
  try {
    const topic = uniqueTopic("idem-drops");
    await createTopic(bootstrap, topic);
    const producer = kafkajsClient(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1 });
    producer.on(producer.events.REQUEST_TIMEOUT, () => {});
    await producer.connect();
    proxy.stats.budget = 6;
    for (let i = 0; i < 30; i++) {
      const messages = Array.from({ length: 5 }, (_, j) => ({ partition: 0, value: `k${i * 5 + j}` }));
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();
    const kafkajsDrops = proxy.stats.dropped;
    assert.ok(kafkajsDrops >= 3, `only ${kafkajsDrops} responses dropped`);
    proxy.stats.budget = 6;
    await py({ mode: "idempotent", bootstrap, topic, count: 150, prefix: "p" });
    assert.ok(proxy.stats.dropped > kafkajsDrops, "librdkafka's produces met dropped responses too");
    const values = await readValues(broker.bootstrap, topic, [0], "read_uncommitted");
    const expected = [
      ...Array.from({ length: 150 }, (_, i) => `k${i}`),
      ...Array.from({ length: 150 }, (_, i) => `p${i}`),
    ];
    assert.equal(values.length, 300, "no record written twice");
    assert.deepEqual([...values].sort(), expected.sort());
  } finally {
    await proxy.close();
    await broker.stop();
  }
});
