// A CI-sized slice of the Kafka clients' own test suites (the full run is `npm run compat`, see
// COMPATIBILITY.md): librdkafka 2.0.2 tests in quick mode, kafka-go 0.2.1's produce and connection
// tests, kafka-python 2.0.2's producer end-to-end tests, each against a broker the runner starts.
// Every test chosen here passes today; one failing fails this file. Set-up (Debian packages, the
// librdkafka test runner: about 45 s to build, cached in .compat-cache/) counts in the budget.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { runKafkaGoSuite } from "../../compat/kafka-go.mjs";
import { runKafkaPythonSuite } from "../../compat/kafka-python.mjs";
import { buildLibrdkafkaTests, runLibrdkafkaSuite } from "../../compat/librdkafka.mjs";
import { CLAIMED_KAFKA_VERSION } from "../../compat/kafka-version.mjs";
import { ensureDebianPackages } from "../../compat/sources.mjs";

/** Produce, consume, offsets, compression, headers, timestamps, admin and a consumer group. */
const LIBRDKAFKA_TESTS = [
  "0001_multiobj",
  "0002_unkpart",
  "0005_order",
  "0007_autotopic",
  "0008_reqacks",
  "0012_produce_consume",
  "0013_null_msgs",
  "0017_compression",
  "0021_rkt_destroy",
  "0029_assign_offset",
  "0031_get_offsets",
  "0035_api_version",
  "0052_msg_timestamps",
  "0073_headers",
];
const KAFKA_GO_TESTS = ["TestWriter", "TestConn", "TestCompressedMessages"];
const KAFKA_PYTHON_FILES = ["test_producer.py"];

const quiet = () => {};

function assertAllPassed(results, expectedCount) {
  const notPassed = results.filter((t) => t.status !== "passed" && t.status !== "skipped");
  assert.deepEqual(
    notPassed.map((t) => `${t.name}: ${t.status} ${t.detail ?? ""}`),
    [],
    "tests that do not pass",
  );
  assert.ok(results.filter((t) => t.status === "passed").length >= expectedCount, "enough tests ran and passed");
}

before(async () => {
  await ensureDebianPackages(quiet);
  await buildLibrdkafkaTests(quiet);
});

test("librdkafka 2.0.2 tests/ (quick mode): produce, consume, offsets, compression, headers", {
  timeout: 240_000,
}, async () => {
  const results = await runLibrdkafkaSuite({
    kafkaVersion: CLAIMED_KAFKA_VERSION,
    quick: true,
    only: LIBRDKAFKA_TESTS,
    log: quiet,
  });
  assert.deepEqual(results.map((t) => t.name).sort(), [...LIBRDKAFKA_TESTS].sort(), "every chosen test reported");
  assertAllPassed(results, LIBRDKAFKA_TESTS.length);
});

test("kafka-go 0.2.1: Writer, Conn and compressed messages on localhost:9092", { timeout: 180_000 }, async () => {
  const results = await runKafkaGoSuite({ only: KAFKA_GO_TESTS, log: quiet });
  // TestConn alone has about 30 subtests.
  assertAllPassed(results, 30);
});

test("kafka-python 2.0.2: producer end to end through every codec", { timeout: 180_000 }, async () => {
  const results = await runKafkaPythonSuite({ only: KAFKA_PYTHON_FILES, log: quiet });
  assertAllPassed(results, 10);
});
