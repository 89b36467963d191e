// SASL and TLS listeners against real clients: kcat and python3-confluent-kafka (librdkafka 2.0), kafkajs and Sarama over
// SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), SASL_SSL and SSL with client certificates,
// using a CA and certificates made with openssl for the test. SCRAM users are created with
// AlterUserScramCredentials; PLAIN users come from the listener's JAAS config. Wrong passwords get an
// authentication error and the broker keeps serving.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { freePort, makeTempDir, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { readFileSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { requireExecutable, run, runOk } from "./harness/process.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./harness/records.mjs";
import { buildSarama } from "./harness/sarama.mjs";
import { roundTrip, upsertScramUser } from "./harness/scram.mjs";

after(stopAllBrokers);

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "clients/confluent_sasl.py");
const COUNT = 5;
const SCRAM_MECHANISMS = ["SCRAM-SHA-256", "SCRAM-SHA-512"];

let dir;
let broker;
const ports = {};

async function openssl(args) {
  await runOk(requireExecutable("openssl"), args, { cwd: dir, timeoutMs: 20_000 });
}

/** A CA, a server certificate for 127.0.0.1/localhost, and a client certificate signed by the CA. */
async function makeCertificates() {
  const subject = (cn) => ["-subj", cn];
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    ...subject("/CN=Samsa Test CA"),
  ]);
  writeFileSync(join(dir, "san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  for (const [name, cn, ext] of [
    ["server", "/CN=localhost", ["-extfile", "san.cnf"]],
    ["client", "/C=US/O=Samsa/OU=Test/CN=client1", []],
  ]) {
    await openssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      ...subject(cn),
    ]);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      ...ext,
    ]);
  }
  await runOk("sh", ["-c", "cat server.key server.pem > server-keystore.pem"], { cwd: dir });
}

before(async () => {
  requireExecutable("kcat");
  dir = makeTempDir("sasl");
  await makeCertificates();
  for (const l of ["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]) ports[l] = await freePort();
  const listeners = Object.entries(ports)
    .map(([name, port]) => `${name}://127.0.0.1:${port}`)
    .join(",");
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
  writeFileSync(
    join(dir, "broker.properties"),
    [
      "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas}`,
      `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas}`,
      "ssl.keystore.type=PEM",
      `ssl.keystore.location=${join(dir, "server-keystore.pem")}`,
      `ssl.truststore.location=${join(dir, "ca.pem")}`,
      "listener.name.ssl.ssl.client.auth=required",
      "",
    ].join("\n"),
  );
  broker = await startBroker({
    port: ports.PLAINTEXT,
    args: ["--config", join(dir, "broker.properties"), "--listeners", listeners],
  });
  await upsertScramUser({ port: ports.PLAINTEXT }, "bob", "bob-secret");
});

function clientConfig(listener, mechanism, user, password) {
  const c = { "security.protocol": listener, "bootstrap.servers": `127.0.0.1:${ports[listener]}` };
  if (listener.startsWith("SASL_"))
    Object.assign(c, { "sasl.mechanisms": mechanism, "sasl.username": user, "sasl.password": password });
  if (listener.endsWith("SSL")) c["ssl.ca.location"] = join(dir, "ca.pem");
  if (listener === "SSL")
    Object.assign(c, {
      "ssl.certificate.location": join(dir, "client.pem"),
      "ssl.key.location": join(dir, "client.key"),
    });
  return c;
}

const kcatArgs = (config) =>
  Object.entries(config).flatMap(([k, v]) => (k === "bootstrap.servers" ? ["-b", v] : ["-X", `${k}=${v}`]));

async function kcatRoundTrip(config) {
  const topic = uniqueTopic("sasl-kcat");
  const values = Array.from({ length: COUNT }, (_, i) => `value-${i}`);
  await runOk("kcat", [...kcatArgs(config), "-X", "message.timeout.ms=15000", "-P", "-t", topic, "-p", "0"], {
    input: `${values.join("\n")}\n`,
    timeoutMs: 30_000,
  });
  const { stdout } = await runOk(
    "kcat",
    [...kcatArgs(config), "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"],
    {
      timeoutMs: 30_000,
    },
  );
  assert.deepEqual(stdout.trim().split("\n"), values);
}

for (const [listener, mechanism, user, password] of [
  ["SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret"],
  ["SASL_PLAINTEXT", "SCRAM-SHA-256", "bob", "bob-secret"],
  ["SASL_PLAINTEXT", "SCRAM-SHA-512", "bob", "bob-secret"],
  ["SASL_SSL", "PLAIN", "alice", "alice-secret"],
  ["SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret"],
  ["SSL", undefined],
]) {
  test(`kcat over ${listener} ${mechanism ?? "(client certificate)"}: produce and consume`, {
    timeout: 60_000,
  }, async () => {
    await kcatRoundTrip(clientConfig(listener, mechanism, user, password));
  });
}

test("kcat with a wrong password: an authentication error, and the broker keeps serving", {
  timeout: 60_000,
}, async () => {
  for (const mechanism of ["PLAIN", ...SCRAM_MECHANISMS]) {
    const config = clientConfig("SASL_PLAINTEXT", mechanism, mechanism === "PLAIN" ? "alice" : "bob", "wrong");
    const r = await run("kcat", [...kcatArgs(config), "-L", "-m", "3"], { timeoutMs: 20_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /SASL authentication error: Authentication failed/, mechanism);
  }
  const r = await run(
    "kcat",
    [...kcatArgs(clientConfig("SSL")), "-X", "ssl.certificate.location=", "-X", "ssl.key.location=", "-L", "-m", "3"],
    {
      timeoutMs: 20_000,
    },
  );
  assert.notEqual(r.code, 0, "SSL with ssl.client.auth=required refuses a client without a certificate");
  await kcatRoundTrip(clientConfig("SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret"));
  assert.equal(broker.process.exitCode, null);
});

test("confluent-kafka (python): SCRAM and PLAIN over SASL_PLAINTEXT and SASL_SSL; wrong password", {
  timeout: 120_000,
}, async () => {
  requireExecutable(PYTHON);
  const cases = [
    [clientConfig("SASL_PLAINTEXT", "SCRAM-SHA-256", "bob", "bob-secret"), null],
    [clientConfig("SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret"), null],
    [clientConfig("SASL_SSL", "PLAIN", "alice", "alice-secret"), null],
    [clientConfig("SASL_PLAINTEXT", "SCRAM-SHA-512", "bob", "nope"), /Authentication failed/],
  ];
  for (const [config, failure] of cases) {
    const topic = uniqueTopic("sasl-py");
    const { stdout } = await runOk(PYTHON, [SCRIPT], {
      input: JSON.stringify({ config, topic, count: COUNT }),
      timeoutMs: 90_000,
    });
    const out = JSON.parse(stdout);
    const label = `${config["security.protocol"]} ${config["sasl.mechanisms"]}`;
    if (failure === null) {
      assert.equal(out.error, null, label);
      assert.deepEqual(
        out.consumed,
        Array.from({ length: COUNT }, (_, i) => `v${i}`),
        label,
      );
    } else {
      assert.match(out.error ?? "", failure, label);
    }
  }
});

test("DescribeUserScramCredentials lists the mechanisms and iterations; AlterUserScramCredentials deletes", {
  timeout: 30_000,
}, async () => {
  const address = { port: ports.PLAINTEXT };
  await upsertScramUser(address, "carol", "carol-secret", ["SCRAM-SHA-256"], 8192);
  const described = await roundTrip(address, 50, 0, { users: [{ name: "carol" }, { name: "nobody" }] });
  assert.deepEqual(
    described.results.map((r) => [r.user, r.errorCode, r.credentialInfos.map((c) => [c.mechanism, c.iterations])]),
    [
      ["carol", 0, [[1, 8192]]],
      ["nobody", 91, []],
    ],
  );
  const altered = await roundTrip(address, 51, 0, {
    deletions: [
      { name: "carol", mechanism: 1 },
      { name: "carol", mechanism: 2 },
    ],
    upsertions: [
      { name: "dave", mechanism: 1, iterations: 100, salt: Buffer.from("s"), saltedPassword: Buffer.alloc(32) },
    ],
  });
  assert.deepEqual(
    altered.results.map((r) => [r.user, r.errorCode]),
    [
      ["carol", 91],
      ["dave", 93],
    ],
    "a missing credential (RESOURCE_NOT_FOUND) and too few iterations (UNACCEPTABLE_CREDENTIAL)",
  );
  await roundTrip(address, 51, 0, { deletions: [{ name: "carol", mechanism: 1 }], upsertions: [] });
  const after = await roundTrip(address, 50, 0, { users: null });
  assert.deepEqual(
    after.results.map((r) => r.user),
    ["bob"],
  );
});

test("with an authorizer, SCRAM credentials need ALTER/DESCRIBE on the cluster: the SASL principal decides", {
  timeout: 30_000,
}, async () => {
  const port = await freePort();
  const saslPort = await freePort();
  const jaas =
    'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";';
  const secured = await startBroker({
    port,
    args: [
      "--listeners",
      `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      "--set",
      "sasl.enabled.mechanisms=PLAIN",
      "--set",
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas}`,
      "--set",
      "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
      "--set",
      "super.users=User:admin",
    ],
  });
  const upsert = {
    deletions: [],
    upsertions: [
      { name: "erin", mechanism: 1, iterations: 4096, salt: Buffer.from("salt"), saltedPassword: Buffer.alloc(32, 1) },
    ],
  };
  const as = (user) => ({ port: saslPort, sasl: { user, password: `${user}-secret` } });
  const denied = await roundTrip(as("alice"), 51, 0, upsert);
  assert.deepEqual(
    denied.results.map((r) => [r.user, r.errorCode]),
    [["erin", 31]],
    "alice: CLUSTER_AUTHORIZATION_FAILED",
  );
  assert.equal((await roundTrip(as("alice"), 50, 0, { users: null })).errorCode, 31);
  assert.equal((await roundTrip({ port }, 50, 0, { users: null })).errorCode, 31, "User:ANONYMOUS on PLAINTEXT");
  const allowed = await roundTrip(as("admin"), 51, 0, upsert);
  assert.deepEqual(
    allowed.results.map((r) => [r.user, r.errorCode]),
    [["erin", 0]],
  );
  const described = await roundTrip(as("admin"), 50, 0, { users: null });
  assert.deepEqual(
    described.results.map((r) => r.user),
    ["erin"],
  );
  await assert.rejects(
    roundTrip({ port: saslPort, sasl: { user: "alice", password: "wrong" } }, 50, 0, { users: null }),
    /SaslAuthenticate: error 58/,
  );
  await secured.stop();
});

test("kafkajs: SCRAM-SHA-256/512 and PLAIN over SASL_PLAINTEXT and SASL_SSL; wrong password", {
  timeout: 60_000,
}, async () => {
  const client = (listener, mechanism, username, password) =>
    new Kafka({
      clientId: "samsa-sasl",
      brokers: [`127.0.0.1:${ports[listener]}`],
      logLevel: logLevel.NOTHING,
      ssl: listener === "SASL_SSL" ? { ca: [readFileSync(join(dir, "ca.pem"))] } : undefined,
      sasl: { mechanism: mechanism.toLowerCase(), username, password },
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    });
  for (const [listener, mechanism, user, password] of [
    ["SASL_PLAINTEXT", "SCRAM-SHA-256", "bob", "bob-secret"],
    ["SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret"],
    ["SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret"],
  ]) {
    const kafka = client(listener, mechanism, user, password);
    const topic = uniqueTopic("sasl-kafkajs");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic, messages: [{ value: `${listener} ${mechanism}` }] });
    assert.equal(meta.errorCode, 0);
    await producer.disconnect();
  }
  const bad = client("SASL_PLAINTEXT", "SCRAM-SHA-512", "bob", "nope").admin();
  await assert.rejects(
    bad.connect(),
    (e) => e.name === "KafkaJSSASLAuthenticationError" && /invalid credentials/.test(e.message),
  );
});

test("Sarama: SASL/PLAIN with handshake v1 (SaslAuthenticate, Kafka 2.1 protocol) and v0 (bare tokens, 0.10.2)", {
  timeout: 180_000,
}, async () => {
  const sarama = await buildSarama();
  try {
    for (const version of ["2.1.0", "0.10.2.0"]) {
      const topic = uniqueTopic("sasl-sarama");
      // Record headers need the 0.11 message format.
      const records = makeRecords("sarama-sasl", 5).map((r) => (version === "2.1.0" ? r : { ...r, headers: [] }));
      const out = await sarama.run({
        bootstrap: `127.0.0.1:${ports.SASL_PLAINTEXT}`,
        topic,
        version,
        records,
        saslUser: "alice",
        saslPassword: "alice-secret",
      });
      assertRecordsRoundTrip(out.consumed, records);
    }
  } finally {
    sarama.cleanup();
  }
});

test("kafka-configs.sh stand-in: add, describe and delete SCRAM credentials, then authenticate with them", {
  timeout: 60_000,
}, async () => {
  const tool = join(import.meta.dirname, "../../compat/kafka-bin/bin/kafka-configs.sh");
  const base = ["--bootstrap-server", `127.0.0.1:${ports.PLAINTEXT}`, "--entity-type", "users"];
  await runOk(tool, [
    ...base,
    "--alter",
    "--entity-name",
    "frank",
    "--add-config",
    "SCRAM-SHA-256=[iterations=8192,password=frank-secret],SCRAM-SHA-512=[password=frank-secret]",
  ]);
  const { stdout } = await runOk(tool, [...base, "--describe", "--entity-name", "frank"]);
  assert.equal(
    stdout.trim(),
    "SCRAM credential configs for user-principal 'frank' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096",
  );
  await kcatRoundTrip(clientConfig("SASL_PLAINTEXT", "SCRAM-SHA-256", "frank", "frank-secret"));
  await runOk(tool, [...base, "--alter", "--entity-name", "frank", "--delete-config", "SCRAM-SHA-256"]);
  const r = await run(
    "kcat",
    [...kcatArgs(clientConfig("SASL_PLAINTEXT", "SCRAM-SHA-256", "frank", "frank-secret")), "-L", "-m", "3"],
    { timeoutMs: 20_000 },
  );
  assert.match(r.stderr, /Authentication failed: Invalid user credentials/);
});
