// A CI-sized slice of the Kafka clients' own test suites (the full run is `npm run compat`, see
// COMPATIBILITY.md): librdkafka 2.0.2 tests in quick mode, kafka-go 0.2.1's writer, reader and dialer
// tests, kafka-python 2.0.2's producer end-to-end tests, each against a broker the runner starts.
// Every test chosen here passes today; one failing fails this file. Set-up (Debian packages, the
// librdkafka test runner: about 45 s to build, cached in .compat-cache/) counts in the budget.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { parseGoTestOutput, runKafkaGoSuite } from "../../compat/kafka-go.mjs";
import { parseJunitXml, runKafkaPythonSuite } from "../../compat/kafka-python.mjs";
import { buildLibrdkafkaTests, parseRunnerOutput, runLibrdkafkaSuite } from "../../compat/librdkafka.mjs";
import { applyAllowlist, summarize } from "../../compat/results.mjs";
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
/** Not TestConn: its empty-partition deadline sub-test has a 1 ms margin and flakes (COMPATIBILITY.md). */
const KAFKA_GO_TESTS = [
  "TestWriter",
  "TestReader",
  "TestDialer",
  "TestBatchDontExpectEOF",
  "TestCompressedMessages",
  "TestMixedCompressedMessages",
];
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

test("result parsers: librdkafka runner output, go test -v, pytest JUnit XML, allowlist", () => {
  const rdkafka = parseRunnerOutput(
    [
      "[x] ================= Running test 0001_multiobj =================",
      "\x1b[32m[x] ================= Test 0001_multiobj PASSED =================\x1b[0m",
      "[x] ================= Running test 0081_admin =================",
      '### Test "0081_admin (do_test_CreateAcls:1115)" failed at 0081-admin.c:1180:f() at Tue Nov 24 01:07:43 2026: ###',
      "Expected success, not _UNSUPPORTED_FEATURE",
      "[x] ================= Running test 0045_subscribe_update =================",
      "| 0028_long_topicnames                     |    SKIPPED |   0.000s | Filtered due to negative test flags",
    ].join("\n"),
  ).results;
  assert.deepEqual(rdkafka.get("0001_multiobj"), { state: "passed" });
  assert.equal(rdkafka.get("0081_admin").state, "failed");
  assert.match(rdkafka.get("0081_admin").detail, /do_test_CreateAcls.*UNSUPPORTED_FEATURE/);
  assert.deepEqual(rdkafka.get("0045_subscribe_update"), { state: "running" });
  assert.equal(rdkafka.get("0028_long_topicnames").state, "skipped");

  const go = parseGoTestOutput(
    [
      "--- FAIL: TestConn (0.00s)",
      "    --- PASS: TestConn/a (0.10s)",
      "    --- FAIL: TestConn/b (0.18s)",
      "        conn_test.go:870: expected timeout error but got <nil>",
      "--- SKIP: TestReadTruncatedMessages (0.00s)",
    ].join("\n"),
  );
  assert.deepEqual(
    go.map((t) => [t.name, t.status]),
    [
      ["TestConn/a", "passed"],
      ["TestConn/b", "failed"],
      ["TestReadTruncatedMessages", "skipped"],
    ],
  );
  assert.match(go[1].detail, /expected timeout/);

  const py = parseJunitXml(
    '<testsuite><testcase classname="test.test_producer" name="test_end_to_end[gzip]" time="0.456" />' +
      '<testcase classname="test.test_admin_integration" name="test_acls" time="0.1"><failure message="IncompatibleBrokerVersion: x">tb</failure></testcase></testsuite>',
  );
  assert.deepEqual(
    py.map((t) => [t.name, t.status]),
    [
      ["test_producer.py::test_end_to_end[gzip]", "passed"],
      ["test_admin_integration.py::test_acls", "failed"],
    ],
  );
  const { tests, stale } = applyAllowlist(py, { "test_admin_integration.py::*": "ACLs", "x.py::y": "gone" });
  assert.equal(tests[1].status, "allowlisted");
  assert.deepEqual(stale, ["x.py::y"]);
  assert.deepEqual(summarize(tests), { run: 2, passed: 1, failed: 0, allowlisted: 1, skipped: 0 });
});

// A fresh machine installs the Debian packages and builds the librdkafka test runner here (about
// 2 minutes); afterwards both are cached and this takes a second.
before(
  async () => {
    await ensureDebianPackages(quiet);
    await buildLibrdkafkaTests(quiet);
  },
  { timeout: 900_000 },
);

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

test("kafka-go 0.2.1: Writer, Reader, Dialer and compressed messages on localhost:9092", {
  timeout: 180_000,
}, async () => {
  const results = await runKafkaGoSuite({ only: KAFKA_GO_TESTS, log: quiet });
  // 17 leaf tests (TestReader and TestWriter count through their sub-tests).
  assertAllPassed(results, 15);
});

test("kafka-python 2.0.2: producer end to end through every codec", { timeout: 180_000 }, async () => {
  const results = await runKafkaPythonSuite({ only: KAFKA_PYTHON_FILES, log: quiet });
  assertAllPassed(results, 10);
});
