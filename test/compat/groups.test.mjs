// Consumer groups with real clients against a real Samsa broker: kafkajs members sharing a topic,
// committed offsets surviving a broker restart, rebalance times after a member leaves or is killed,
// and python confluent-kafka subscribe + commit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { makeTempDir, REPO_ROOT, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { PartitionAssigners } from "kafkajs";
import { createTopic, kafkajsClient } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { buildSarama } from "./harness/sarama.mjs";
import { uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const PYTHON = "/usr/bin/python3";
const PY_GROUP = join(import.meta.dirname, "clients/confluent_group.py");
const SESSION_TIMEOUT_MS = 6000;

async function produce(bootstrap, topic, partitions, perPartition, tag) {
  const producer = kafkajsClient(bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = [];
    for (let p = 0; p < partitions; p++)
      for (let i = 0; i < perPartition; i++)
        messages.push({ partition: p, key: `${tag}-${p}-${i}`, value: `v-${tag}-${p}-${i}` });
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** A kafkajs group member recording what it consumes and every assignment it is given. */
function member(bootstrap, groupId, name, sink) {
  const consumer = kafkajsClient(bootstrap, name).consumer({
    groupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 200,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const joins = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joins.push({ atMs: Date.now(), assignment: e.payload.memberAssignment, leader: e.payload.isLeader });
  });
  return {
    name,
    consumer,
    joins,
    async start(topic) {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          sink.push({ member: name, partition, offset: Number(message.offset), key: message.key.toString() });
        },
      });
    },
  };
}

async function until(what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function committedOffsets(bootstrap, groupId, topic) {
  const admin = kafkajsClient(bootstrap).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(t.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

test("kafkajs: 2 members share 4 partitions, commit, and after a broker restart the group resumes from its commits", {
  timeout: 120_000,
}, async () => {
  const dataDir = makeTempDir("groups");
  let broker = await startBroker({ dataDir });
  try {
    const topic = uniqueTopic("grp");
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, { partitions: 4 });
    await produce(broker.bootstrap, topic, 4, 10, "a");

    const consumed = [];
    const m1 = member(broker.bootstrap, groupId, "m1", consumed);
    const m2 = member(broker.bootstrap, groupId, "m2", consumed);
    // Both start within group.initial.rebalance.delay.ms, so the first generation has both.
    await Promise.all([m1.start(topic), m2.start(topic)]);
    await until("40 records", () => consumed.length >= 40, 60_000);
    const last = (m) => m.joins.at(-1).assignment[topic] ?? [];
    const p1 = last(m1);
    const p2 = last(m2);
    assert.equal(p1.length, 2, `m1 got ${p1}`);
    assert.equal(p2.length, 2, `m2 got ${p2}`);
    assert.deepEqual([...p1, ...p2].sort(), [0, 1, 2, 3], "partitions divided between the members");
    const seen = new Set(consumed.map((c) => `${c.partition}:${c.offset}`));
    assert.equal(seen.size, 40, "every record consumed");
    for (const c of consumed)
      assert.ok((c.member === "m1" ? p1 : p2).includes(c.partition), `${c.member} read ${c.partition}`);

    await until(
      "commits of every partition",
      async () => Object.values(await committedOffsets(broker.bootstrap, groupId, topic)).every((o) => o === 10),
      20_000,
    );
    await Promise.all([m1.consumer.disconnect(), m2.consumer.disconnect()]);
    await produce(broker.bootstrap, topic, 4, 2, "b");

    const port = broker.port;
    await broker.stop();
    broker = await startBroker({ dataDir, port });
    assert.deepEqual(await committedOffsets(broker.bootstrap, groupId, topic), { 0: 10, 1: 10, 2: 10, 3: 10 });

    const resumed = [];
    const m3 = member(broker.bootstrap, groupId, "m3", resumed);
    await m3.start(topic);
    await until("8 new records", () => resumed.length >= 8, 30_000);
    // Give a re-read of old records a chance to show up before checking there is none.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await m3.consumer.disconnect();
    assert.deepEqual(
      resumed.map((c) => c.offset).sort(),
      [10, 10, 10, 10, 11, 11, 11, 11],
      "the restarted group resumes from its committed offsets",
    );
    assert.ok(resumed.every((c) => c.key.startsWith("b-")));
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A kafkajs member in its own process, so it can be killed with SIGKILL. */
function memberProcess(bootstrap, groupId, topic) {
  const script = `
    import { Kafka, logLevel } from "kafkajs";
    const kafka = new Kafka({ clientId: "victim", brokers: [${JSON.stringify(bootstrap)}], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: ${JSON.stringify(groupId)}, sessionTimeout: ${SESSION_TIMEOUT_MS}, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    consumer.on(consumer.events.GROUP_JOIN, () => console.log("joined"));
    await consumer.connect();
    await consumer.subscribe({ topics: [${JSON.stringify(topic)}], fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const joined = new Promise((resolve) => child.stdout.on("data", (d) => d.toString().includes("joined") && resolve()));
  return { child, joined };
}

/** Waits until the survivors' latest assignments cover all `partitions` between them, after `sinceMs`. */
async function rebalancedAfter(survivors, topic, partitions, sinceMs) {
  await until(
    "the survivors' rebalance",
    () => {
      const latest = survivors.map((m) => m.joins.at(-1));
      if (latest.some((j) => j === undefined || j.atMs < sinceMs)) return false;
      const all = latest.flatMap((j) => j.assignment[topic] ?? []).sort((a, b) => a - b);
      return all.length === partitions && all.every((p, i) => p === i);
    },
    SESSION_TIMEOUT_MS * 4,
  );
  return Math.max(...survivors.map((m) => m.joins.at(-1).atMs)) - sinceMs;
}

test("kafkajs: a 3-member group rebalances after a member leaves and after one is killed", {
  timeout: 120_000,
}, async () => {
  const broker = await startBroker();
  const topic = uniqueTopic("reb");
  const groupId = `g-${topic}`;
  await createTopic(broker.bootstrap, topic, { partitions: 6 });
  const sink = [];
  const a = member(broker.bootstrap, groupId, "a", sink);
  const b = member(broker.bootstrap, groupId, "b", sink);
  const c = member(broker.bootstrap, groupId, "c", sink);
  await Promise.all([a.start(topic), b.start(topic), c.start(topic)]);
  await until(
    "3 members with 2 partitions each",
    () => [a, b, c].every((m) => (m.joins.at(-1)?.assignment[topic] ?? []).length === 2),
    30_000,
  );

  const leftAt = Date.now();
  await c.consumer.disconnect();
  const afterLeaveMs = await rebalancedAfter([a, b], topic, 6, leftAt);

  const victim = memberProcess(broker.bootstrap, groupId, topic);
  await victim.joined;
  await until(
    "3 members again",
    () => [a, b].every((m) => (m.joins.at(-1)?.assignment[topic] ?? []).length === 2),
    30_000,
  );
  const killedAt = Date.now();
  victim.child.kill("SIGKILL");
  const afterKillMs = await rebalancedAfter([a, b], topic, 6, killedAt);
  await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);
  await broker.stop();

  console.log(
    `# rebalance after a graceful leave: ${afterLeaveMs} ms; after kill -9: ${afterKillMs} ms (session ${SESSION_TIMEOUT_MS} ms)`,
  );
  // A leave rebalances at once (the survivors learn it from their next heartbeat); a kill waits out the session.
  assert.ok(afterLeaveMs < 3000, `graceful leave took ${afterLeaveMs} ms`);
  assert.ok(afterKillMs >= SESSION_TIMEOUT_MS - 500, `kill noticed after ${afterKillMs} ms, before the session ended`);
  assert.ok(afterKillMs < SESSION_TIMEOUT_MS + 5000, `kill took ${afterKillMs} ms`);
});

test("confluent-kafka (python): subscribe, consume, commit; the commit is what kafkajs reads", {
  timeout: 90_000,
}, async () => {
  requireExecutable(PYTHON);
  const broker = await startBroker();
  const topic = uniqueTopic("pygrp");
  const group = `g-${topic}`;
  await createTopic(broker.bootstrap, topic, { partitions: 2 });
  await produce(broker.bootstrap, topic, 2, 3, "py");
  const { stdout } = await runOk(PYTHON, [PY_GROUP], {
    input: JSON.stringify({ bootstrap: broker.bootstrap, topic, group, count: 6 }),
    timeoutMs: 60_000,
  });
  const out = JSON.parse(stdout);
  assert.deepEqual(out.assignment, [0, 1]);
  assert.deepEqual(out.consumed.map(([p, o]) => `${p}:${o}`).sort(), ["0:0", "0:1", "0:2", "1:0", "1:1", "1:2"]);
  assert.deepEqual(out.committed, [
    [0, 3, null],
    [1, 3, null],
  ]);
  assert.deepEqual(await committedOffsets(broker.bootstrap, group, topic), { 0: 3, 1: 3 });
  await broker.stop();
});

test("committed offsets survive kill -9 of the broker (answered only once flushed)", { timeout: 60_000 }, async () => {
  const dataDir = makeTempDir("groups-kill9");
  let broker = await startBroker({ dataDir });
  try {
    const topic = uniqueTopic("k9");
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, { partitions: 3 });
    const admin = kafkajsClient(broker.bootstrap).admin();
    await admin.connect();
    // kafkajs' setOffsets joins the group for each call (seconds each), so two rounds: the second
    // must win over the first after the restart.
    for (let round = 1; round <= 2; round++) {
      await admin.setOffsets({
        groupId,
        topic,
        partitions: [0, 1, 2].map((p) => ({ partition: p, offset: String(round * 10 + p) })),
      });
    }
    await admin.disconnect();
    const port = broker.port;
    await broker.kill9();
    broker = await startBroker({ dataDir, port });
    assert.deepEqual(await committedOffsets(broker.bootstrap, groupId, topic), { 0: 20, 1: 21, 2: 22 });
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("confluent-kafka (python): two cooperative-sticky members split 4 partitions (incremental rebalance)", {
  timeout: 90_000,
}, async () => {
  requireExecutable(PYTHON);
  const broker = await startBroker();
  const topic = uniqueTopic("pycoop");
  const group = `g-${topic}`;
  await createTopic(broker.bootstrap, topic, { partitions: 4 });
  await produce(broker.bootstrap, topic, 4, 3, "coop");
  const run = () =>
    runOk(PYTHON, [PY_GROUP], {
      input: JSON.stringify({
        bootstrap: broker.bootstrap,
        topic,
        group,
        count: 6,
        linger_s: 2,
        config: { "partition.assignment.strategy": "cooperative-sticky" },
      }),
      timeoutMs: 60_000,
    }).then((r) => JSON.parse(r.stdout));
  const [a, b] = await Promise.all([run(), run()]);
  assert.deepEqual([...a.assignment, ...b.assignment].sort(), [0, 1, 2, 3], "partitions divided");
  assert.equal(a.assignment.length, 2);
  const consumed = new Set([...a.consumed, ...b.consumed].map(([p, o]) => `${p}:${o}`));
  assert.equal(consumed.size, 12, "every record consumed");
  assert.deepEqual(await committedOffsets(broker.bootstrap, group, topic), { 0: 3, 1: 3, 2: 3, 3: 3 });
  await broker.stop();
});

test("static membership (python, group.instance.id): a restarted member takes its place without a rebalance", {
  timeout: 90_000,
}, async () => {
  requireExecutable(PYTHON);
  const broker = await startBroker();
  const topic = uniqueTopic("pystatic");
  const group = `g-${topic}`;
  await createTopic(broker.bootstrap, topic, { partitions: 2 });
  await produce(broker.bootstrap, topic, 2, 2, "st");
  const member = (instance, count, lingerS) =>
    runOk(PYTHON, [PY_GROUP], {
      input: JSON.stringify({
        bootstrap: broker.bootstrap,
        topic,
        group,
        count,
        linger_s: lingerS,
        config: { "group.instance.id": instance, "session.timeout.ms": 10000 },
      }),
      timeoutMs: 60_000,
    }).then((r) => JSON.parse(r.stdout));
  // B stays while A closes (a static member sends no LeaveGroup) and comes back; B leaves before A's
  // absent session (10 s) would end and rebalance the group, as it should.
  const b = member("inst-b", 2, 8);
  b.catch(() => {}); // awaited below; keeps an early failure from going unhandled meanwhile
  const a1 = await member("inst-a", 2, 0);
  const a2 = await member("inst-a", 0, 2);
  const bOut = await b;
  assert.equal(a1.assignment.length, 1);
  assert.deepEqual(a2.assignment, a1.assignment, "the returning instance gets its partition back");
  assert.deepEqual(
    bOut.events.map(([kind]) => kind),
    ["assign"],
    "the member that stayed saw no rebalance while the other restarted",
  );
  await broker.stop();
});

test('mixed group: a kafkajs member and a python confluent-kafka member share a topic (assignor "roundrobin")', {
  timeout: 90_000,
}, async () => {
  requireExecutable(PYTHON);
  const broker = await startBroker();
  const topic = uniqueTopic("mixed");
  const group = `g-${topic}`;
  await createTopic(broker.bootstrap, topic, { partitions: 4 });
  await produce(broker.bootstrap, topic, 4, 2, "mx");
  // kafkajs names its round robin "RoundRobinAssigner"; under librdkafka's name the two agree.
  const roundrobin = ({ cluster }) => ({ ...PartitionAssigners.roundRobin({ cluster }), name: "roundrobin" });
  const consumed = [];
  const consumer = kafkajsClient(broker.bootstrap, "mixed-js").consumer({
    groupId: group,
    partitionAssigners: [roundrobin],
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 200,
  });
  // The first generation has both (they join within group.initial.rebalance.delay.ms); once python
  // leaves, kafkajs gets everything, so only the first assignment is compared.
  let jsAssignment;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    jsAssignment ??= e.payload.memberAssignment[topic] ?? [];
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const python = runOk(PYTHON, [PY_GROUP], {
    input: JSON.stringify({
      bootstrap: broker.bootstrap,
      topic,
      group,
      count: 4,
      linger_s: 1,
      config: { "partition.assignment.strategy": "roundrobin" },
    }),
    timeoutMs: 60_000,
  }).then((r) => JSON.parse(r.stdout));
  python.catch(() => {});
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      consumed.push(`${partition}:${message.offset}`);
    },
  });
  const py = await python;
  await until("kafkajs' share", () => consumed.length >= 4, 30_000);
  await consumer.disconnect();
  assert.equal(py.assignment.length, 2, `python got ${py.assignment}`);
  assert.deepEqual([...py.assignment, ...jsAssignment].sort(), [0, 1, 2, 3], "one generation, partitions divided");
  const all = new Set([...consumed, ...py.consumed.map(([p, o]) => `${p}:${o}`)]);
  assert.equal(all.size, 8, "every record consumed by one of them");
  await broker.stop();
});

/** A Sarama group member process; its JSON-line events collect in `events`. */
function saramaMember(binary, spec) {
  const child = spawn(binary, [], { stdio: ["pipe", "pipe", "inherit"] });
  const events = [];
  let partial = "";
  child.stdout.on("data", (d) => {
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l.trim() !== "") events.push({ ...JSON.parse(l), atMs: Date.now() });
  });
  child.stdin.end(JSON.stringify(spec));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    events,
    latest: () => events.filter((e) => e.event === "assigned").at(-1),
    kill: async (signal) => {
      child.kill(signal);
      await exited;
    },
  };
}

test("Sarama: three members share 6 partitions; a killed member's partitions move within the session timeout", {
  timeout: 180_000,
}, async () => {
  const sarama = await buildSarama(join(import.meta.dirname, "clients/sarama-group"));
  const broker = await startBroker();
  const members = [];
  try {
    const topic = uniqueTopic("srm");
    await createTopic(broker.bootstrap, topic, { partitions: 6 });
    await produce(broker.bootstrap, topic, 6, 5, "s1");
    const spec = { bootstrap: broker.bootstrap, topic, group: `g-${topic}`, sessionTimeoutMs: SESSION_TIMEOUT_MS };
    for (let i = 0; i < 3; i++) members.push(saramaMember(sarama.binary, spec));
    const consumed = () =>
      new Set(
        members.flatMap((m) => m.events.filter((e) => e.event === "message").map((e) => `${e.partition}:${e.offset}`)),
      );
    await until(
      "3 members with 2 partitions each, all 30 records read",
      () => members.every((m) => m.latest()?.partitions.length === 2) && consumed().size >= 30,
      60_000,
    );
    assert.deepEqual(members.flatMap((m) => m.latest().partitions).sort(), [0, 1, 2, 3, 4, 5]);
    const killedAt = Date.now();
    await members[0].kill("SIGKILL");
    const survivors = members.slice(1);
    await until(
      "the survivors' rebalance",
      () => survivors.every((m) => m.latest().atMs > killedAt && m.latest().partitions.length === 3),
      SESSION_TIMEOUT_MS * 4,
    );
    const tookMs = Math.max(...survivors.map((m) => m.latest().atMs)) - killedAt;
    console.log(`# Sarama: partitions moved ${tookMs} ms after kill -9 (session ${SESSION_TIMEOUT_MS} ms)`);
    assert.deepEqual(survivors.flatMap((m) => m.latest().partitions).sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(tookMs < SESSION_TIMEOUT_MS + 5000, `took ${tookMs} ms`);
    await produce(broker.bootstrap, topic, 6, 1, "s2");
    await until("the 6 new records", () => consumed().size >= 36, 30_000);
  } finally {
    for (const m of members) await m.kill("SIGTERM");
    await broker.stop();
    sarama.cleanup();
  }
});
