// ACLs with real clients against a real Samsa broker running the authorizer: kafkajs' admin client
// creates, describes and deletes ACLs (CreateAcls/DescribeAcls/DeleteAcls); kcat (librdkafka) gets
// TOPIC_AUTHORIZATION_FAILED producing to and consuming from denied topics; a kafkajs consumer gets
// GROUP_AUTHORIZATION_FAILED joining a denied group; ACLs survive a restart; a broker without an
// authorizer answers SECURITY_DISABLED; in a cluster the ACLs go through etcd to every broker; a
// SASL-authenticated client is checked as its own principal.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import kafkajs from "kafkajs";
import { clusterArgs, startEtcd } from "../cluster/harness.mjs";
import { freePort, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic, kafkajsClient } from "./harness/kafkajs.mjs";
import { requireExecutable, run } from "./harness/process.mjs";
import { uniqueTopic } from "./harness/records.mjs";

const { AclOperationTypes: Op, AclPermissionTypes: Perm, AclResourceTypes: Res, ResourcePatternTypes: Pat } = kafkajs;

after(stopAllBrokers);

const AUTHORIZER = [
  "--set",
  "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
  "--set",
  "allow.everyone.if.no.acl.found=true",
];

function deny(resourceType, resourceName, operation) {
  return {
    resourceType,
    resourceName,
    resourcePatternType: Pat.LITERAL,
    principal: "User:*",
    host: "*",
    operation,
    permissionType: Perm.DENY,
  };
}

async function withAdmin(bootstrap, fn) {
  const admin = kafkajsClient(bootstrap, "acls-test-admin").admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** kcat's exit and output for one produce of a single record (it fails fast on a permanent error). */
function kcatProduce(bootstrap, topic) {
  return run(requireExecutable("kcat"), ["-b", bootstrap, "-P", "-t", topic, "-X", "message.timeout.ms=5000"], {
    input: "hello\n",
    timeoutMs: 20_000,
  });
}

test("kafkajs creates, describes (MATCH finds wildcard and prefixed ACLs) and deletes ACLs", async () => {
  const broker = await startBroker({ args: AUTHORIZER });
  const topic = uniqueTopic("acl-admin");
  await withAdmin(broker.bootstrap, async (admin) => {
    await admin.createAcls({
      acl: [
        { ...deny(Res.TOPIC, topic, Op.WRITE), principal: "User:alice" },
        { ...deny(Res.TOPIC, "*", Op.READ), principal: "User:bob" },
        { ...deny(Res.TOPIC, topic.slice(0, 5), Op.ALTER), resourcePatternType: Pat.PREFIXED },
        { ...deny(Res.GROUP, "g1", Op.READ), permissionType: Perm.ALLOW },
      ],
    });
    const literal = await admin.describeAcls({
      resourceType: Res.TOPIC,
      resourceName: topic,
      resourcePatternType: Pat.LITERAL,
      operation: Op.ANY,
      permissionType: Perm.ANY,
    });
    assert.deepEqual(
      literal.resources.map((r) => [r.resourceName, r.acls.map((a) => a.principal)]),
      [[topic, ["User:alice"]]],
    );
    const match = await admin.describeAcls({
      resourceType: Res.TOPIC,
      resourceName: topic,
      resourcePatternType: Pat.MATCH,
      operation: Op.ANY,
      permissionType: Perm.ANY,
    });
    assert.deepEqual(match.resources.map((r) => r.resourceName).sort(), [topic, "*", topic.slice(0, 5)].sort());
    const deleted = await admin.deleteAcls({
      filters: [
        {
          resourceType: Res.ANY,
          resourcePatternType: Pat.ANY,
          principal: "User:bob",
          operation: Op.ANY,
          permissionType: Perm.ANY,
        },
      ],
    });
    assert.equal(deleted.filterResponses[0].matchingAcls.length, 1);
    assert.equal(deleted.filterResponses[0].matchingAcls[0].resourceName, "*");
    const rest = await admin.describeAcls({
      resourceType: Res.ANY,
      resourcePatternType: Pat.ANY,
      operation: Op.ANY,
      permissionType: Perm.ANY,
    });
    assert.equal(rest.resources.flatMap((r) => r.acls).length, 3);
  });
});

test("kcat: producing to a topic denied WRITE and consuming from one denied READ fail with TOPIC_AUTHORIZATION_FAILED", async () => {
  const broker = await startBroker({ args: AUTHORIZER });
  const open = uniqueTopic("acl-open");
  const noWrite = uniqueTopic("acl-nowrite");
  const noRead = uniqueTopic("acl-noread");
  for (const t of [open, noWrite, noRead]) await createTopic(broker.bootstrap, t);
  await withAdmin(broker.bootstrap, (admin) =>
    admin.createAcls({
      acl: [
        deny(Res.TOPIC, noWrite, Op.WRITE),
        // An ACL on a topic ends allow.everyone.if.no.acl.found for it: WRITE (implying DESCRIBE) is granted.
        { ...deny(Res.TOPIC, noRead, Op.WRITE), permissionType: Perm.ALLOW },
        deny(Res.TOPIC, noRead, Op.READ),
      ],
    }),
  );

  const ok = await kcatProduce(broker.bootstrap, open);
  assert.equal(ok.code, 0, ok.stderr);
  const refused = await kcatProduce(broker.bootstrap, noWrite);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Topic authorization failed/);
  assert.equal((await kcatProduce(broker.bootstrap, noRead)).code, 0);
  const consumed = await run(
    requireExecutable("kcat"),
    ["-b", broker.bootstrap, "-C", "-t", noRead, "-p", "0", "-o", "beginning", "-e", "-c", "1"],
    { timeoutMs: 20_000 },
  );
  assert.notEqual(consumed.code, 0);
  assert.match(consumed.stderr, /Topic authorization failed/);
  assert.doesNotMatch(consumed.stdout, /hello/);
});

test("a kafkajs consumer joining a group denied READ gets GROUP_AUTHORIZATION_FAILED", async () => {
  const broker = await startBroker({ args: AUTHORIZER });
  const topic = uniqueTopic("acl-group");
  await createTopic(broker.bootstrap, topic);
  await withAdmin(broker.bootstrap, (admin) =>
    admin.createAcls({
      // DESCRIBE (FindCoordinator) allowed, READ (JoinGroup) denied.
      acl: [
        { ...deny(Res.GROUP, "denied-group", Op.DESCRIBE), permissionType: Perm.ALLOW },
        deny(Res.GROUP, "denied-group", Op.READ),
      ],
    }),
  );
  // Retries enough for the offsets topic, which the first FindCoordinator creates, to come up.
  const consumer = new kafkajs.Kafka({
    clientId: "acls-test-consumer",
    brokers: [broker.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
  }).consumer({ groupId: "denied-group" });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    const crashed = new Promise((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)));
    await consumer.run({ eachMessage: async () => {} });
    const error = await crashed;
    assert.match(
      `${error.type} ${error.message} ${error.originalError?.type}`,
      /GROUP_AUTHORIZATION_FAILED|group authorization/i,
    );
  } finally {
    await consumer.disconnect();
  }
});

test("ACLs survive a restart; a broker without an authorizer answers SECURITY_DISABLED", async () => {
  const first = await startBroker({ args: AUTHORIZER });
  const topic = uniqueTopic("acl-restart");
  await createTopic(first.bootstrap, topic);
  await withAdmin(first.bootstrap, (admin) => admin.createAcls({ acl: [deny(Res.TOPIC, topic, Op.WRITE)] }));
  const dataDir = first.dataDir;
  await first.process.kill("SIGTERM");
  await first.exited;

  const again = await startBroker({ dataDir, args: AUTHORIZER });
  assert.match((await kcatProduce(again.bootstrap, topic)).stderr, /Topic authorization failed/);
  await again.stop();

  // The same data without an authorizer: ACLs are kept but not enforced, and the ACL APIs are off.
  const plain = await startBroker({ dataDir });
  assert.equal((await kcatProduce(plain.bootstrap, topic)).code, 0);
  await withAdmin(plain.bootstrap, async (admin) => {
    await assert.rejects(
      admin.describeAcls({
        resourceType: Res.ANY,
        resourcePatternType: Pat.ANY,
        operation: Op.ANY,
        permissionType: Perm.ANY,
      }),
      (e) => e.type === "SECURITY_DISABLED" || /SECURITY_DISABLED|Security features are disabled/.test(String(e)),
    );
  });
  await plain.stop();
});

test("cluster: ACLs created through one broker are enforced by the others (etcd)", async () => {
  const etcd = await startEtcd();
  try {
    const brokers = [];
    for (let id = 1; id <= 2; id++) {
      brokers.push(
        await startBroker({
          args: clusterArgs(etcd.url, id, [...AUTHORIZER, "--set", "default.replication.factor=2"]),
        }),
      );
    }
    const topic = uniqueTopic("acl-cluster");
    await createTopic(brokers[0].bootstrap, topic);
    await withAdmin(brokers[0].bootstrap, (admin) => admin.createAcls({ acl: [deny(Res.TOPIC, topic, Op.DESCRIBE)] }));
    // Broker 2 learns the ACL from the etcd watch: its metadata fails the topic for everyone.
    const deadline = Date.now() + 10_000;
    let output = "";
    while (Date.now() < deadline) {
      const r = await run(requireExecutable("kcat"), ["-b", brokers[1].bootstrap, "-L", "-t", topic], {
        timeoutMs: 10_000,
      });
      output = r.stdout + r.stderr;
      if (/Topic authorization failed/.test(output)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(output, /Topic authorization failed/);
    const listed = await withAdmin(brokers[1].bootstrap, (admin) =>
      admin.describeAcls({
        resourceType: Res.TOPIC,
        resourcePatternType: Pat.ANY,
        operation: Op.ANY,
        permissionType: Perm.ANY,
      }),
    );
    assert.deepEqual(
      listed.resources.map((r) => r.resourceName),
      [topic],
    );
    for (const b of brokers) await b.stop();
  } finally {
    await etcd.stop();
  }
});

test("the principal SASL authenticated is the one ACLs name (kcat over SASL_PLAINTEXT PLAIN)", async () => {
  const port = await freePort();
  const saslPort = await freePort();
  const broker = await startBroker({
    port,
    args: [
      ...AUTHORIZER,
      "--listeners",
      `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      "--set",
      "sasl.enabled.mechanisms=PLAIN",
      "--set",
      'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    ],
  });
  const topic = uniqueTopic("acl-sasl");
  await createTopic(broker.bootstrap, topic);
  await withAdmin(broker.bootstrap, (admin) =>
    admin.createAcls({
      acl: [
        { ...deny(Res.TOPIC, topic, Op.WRITE), principal: "User:alice" },
        { ...deny(Res.TOPIC, topic, Op.ALL), principal: "User:ANONYMOUS", permissionType: Perm.ALLOW },
      ],
    }),
  );
  const sasl = [
    "-X",
    "security.protocol=SASL_PLAINTEXT",
    "-X",
    "sasl.mechanisms=PLAIN",
    "-X",
    "sasl.username=alice",
    "-X",
    "sasl.password=alice-secret",
  ];
  const kcat = requireExecutable("kcat");
  const asAlice = await run(
    kcat,
    ["-b", `127.0.0.1:${saslPort}`, ...sasl, "-P", "-t", topic, "-X", "message.timeout.ms=5000"],
    { input: "hello\n", timeoutMs: 20_000 },
  );
  assert.match(asAlice.stderr, /Topic authorization failed/);
  // The same topic over PLAINTEXT is User:ANONYMOUS, which the other ACL allows.
  assert.equal((await kcatProduce(broker.bootstrap, topic)).code, 0);
  await broker.stop();
});
