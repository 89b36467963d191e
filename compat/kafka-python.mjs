// kafka-python 2.0.2's integration tests (Debian source package python-kafka) against Samsa, with
// Debian's pytest under /usr/bin/python3. The tests import the kafka package from the source tree.
// kafka-python starts Kafka and ZooKeeper from a Kafka distribution itself; a small pytest plugin
// (kafka-python/samsa_external_broker.py) points its broker fixture at Samsa instead, and ZooKeeper
// gets a placeholder address that is never contacted.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../test/compat/harness/broker.mjs";
import { run } from "../test/compat/harness/process.mjs";
import { upsertScramUser } from "../test/compat/harness/scram.mjs";
import { startSuiteBroker } from "./broker.mjs";
import { CACHE_DIR, ensureSourcePackage } from "./sources.mjs";

/** The test files that talk to a broker (the rest of test/ is unit tests of the client). */
export const INTEGRATION_FILES = [
  "test/test_admin_integration.py",
  "test/test_consumer_group.py",
  "test/test_consumer_integration.py",
  "test/test_producer.py",
  "test/test_sasl_integration.py",
];
const PER_TEST_TIMEOUT_S = 120;
const SUITE_TIMEOUT_MS = 1_800_000;

function unescapeXml(s) {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#10;/g, " ")
    .replace(/&amp;/g, "&");
}

/** Reads pytest's JUnit XML: one result per test case. */
export function parseJunitXml(xml) {
  const tests = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const attrs = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], unescapeXml(a[2])]));
    const body = m[3] ?? "";
    const outcome = /<(failure|error|skipped)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    let status = "passed";
    let detail;
    if (outcome) {
      status = outcome[1] === "skipped" ? "skipped" : "failed";
      const message = /message="([^"]*)"/.exec(outcome[2])?.[1];
      detail = unescapeXml(message ?? outcome[3] ?? "").slice(0, 500);
    }
    // classname is test.<module>[.<Class>]
    const [, module, ...classes] = attrs.classname.split(".");
    tests.push({
      name: [`${module}.py`, ...classes, attrs.name].join("::"),
      status,
      detail,
      durationMs: Math.round(Number(attrs.time) * 1000),
    });
  }
  return tests;
}

/**
 * The newest Kafka release kafka-python 2.0.2 knows (its servers/ fixtures and its version inference
 * stop at 2.5): with a newer KAFKA_VERSION, test_kafka_version_infer would fail against any broker.
 */
export const KAFKA_PYTHON_KAFKA_VERSION = "2.5.0";

/** The user kafka-python's fixture authenticates as (KafkaFixture.broker_user / broker_password). */
const SASL_USER = "alice";
const SASL_PASSWORD = "alice-secret";

export async function runKafkaPythonSuite({ only, log }) {
  const src = await ensureSourcePackage("python-kafka", log);
  // As kafka-python's own fixture: broker id 0 (tests look the broker up by id), 4 partitions per topic;
  // its SASL tests get a SASL_PLAINTEXT listener with the fixture's user for PLAIN and SCRAM.
  const port = await freePort();
  const saslPort = await freePort();
  const broker = await startSuiteBroker({
    port,
    nodeId: 0,
    settings: {
      "num.partitions": 4,
      // As its fixture's kafka.properties: the ACL authorizer, open to everyone until ACLs name a resource.
      "authorizer.class.name": "kafka.security.auth.SimpleAclAuthorizer",
      "allow.everyone.if.no.acl.found": true,
      "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
      "listener.name.sasl_plaintext.plain.sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER}="${SASL_PASSWORD}";`,
    },
    args: ["--listeners", `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`],
  });
  await upsertScramUser({ port }, SASL_USER, SASL_PASSWORD);
  const report = join(CACHE_DIR, "kafka-python-junit.xml");
  rmSync(report, { force: true });
  const files = only ? INTEGRATION_FILES.filter((f) => only.some((o) => f.includes(o))) : INTEGRATION_FILES;
  log(`kafka-python: ${files.length} files against ${broker.bootstrap}`);
  let result;
  let brokerDied;
  try {
    result = await run(
      "/usr/bin/python3",
      [
        "-m",
        "pytest",
        "-p",
        "samsa_external_broker",
        `--timeout=${PER_TEST_TIMEOUT_S}`,
        "-o",
        "addopts=",
        "-q",
        `--junitxml=${report}`,
        ...files,
      ],
      {
        cwd: src,
        timeoutMs: SUITE_TIMEOUT_MS,
        env: {
          PYTHONPATH: `${join(import.meta.dirname, "kafka-python")}:${src}`,
          KAFKA_VERSION: KAFKA_PYTHON_KAFKA_VERSION,
          ZOOKEEPER_URI: "zookeeper://127.0.0.1:2181",
          SAMSA_BOOTSTRAP: broker.bootstrap,
          SAMSA_SASL_BOOTSTRAP: `127.0.0.1:${saslPort}`,
          PYTHONDONTWRITEBYTECODE: "1",
        },
      },
    );
  } finally {
    // A broker that died under the suite fails it, whatever the client reported.
    brokerDied = broker.alive() ? undefined : await broker.exitStatus();
    await broker.stop();
  }
  mkdirSync(join(CACHE_DIR, "logs"), { recursive: true });
  writeFileSync(join(CACHE_DIR, "logs/kafka-python.log"), `${result.stdout}\n${result.stderr}`);
  if (!existsSync(report))
    throw new Error(
      `pytest wrote no report (exit ${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`,
    );
  const tests = parseJunitXml(readFileSync(report, "utf8"));
  for (const t of tests) if (t.status === "failed") log(`  ${t.name}: ${(t.detail ?? "").slice(0, 200)}`);
  if (brokerDied) {
    log(`  the broker exited (${brokerDied}) during the suite`);
    tests.push({ name: "(broker stays up through the suite)", status: "failed", detail: `exited: ${brokerDied}` });
  }
  return tests.sort((a, b) => a.name.localeCompare(b.name));
}
