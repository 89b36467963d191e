// kafka-go 0.2.1's own tests, as Debian ships them in golang-github-segmentio-kafka-go-dev, built with
// Go 1.19 in GOPATH mode. They dial the hard-coded localhost:9092 and expect the broker to advertise
// `localhost` (as their docker-compose Kafka does), so the broker listens on 127.0.0.1:9092 and
// advertises localhost:9092.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { run, runOk } from "../test/compat/harness/process.mjs";
import { startSuiteBroker } from "./broker.mjs";
import { CACHE_DIR } from "./sources.mjs";

const PACKAGE = "github.com/segmentio/kafka-go";
const PACKAGE_DIR = `/usr/share/gocode/src/${PACKAGE}`;
const PORT = 9092;
const SUITE_TIMEOUT_MS = 600_000;

/**
 * The top-level tests that need a broker: run without one, these fail or hang, and every other test
 * passes (measured on the Debian package; the rest test codecs and message layouts in memory).
 * TestReadTruncatedMessages skips itself unconditionally.
 */
export const BROKER_TESTS = [
  "TestBatchDontExpectEOF",
  "TestConn",
  "TestDialer",
  "TestDialerTLS",
  "TestCompressedMessages",
  "TestMixedCompressedMessages",
  "TestWriter",
  "TestReader",
  "TestReaderOnNonZeroPartition",
  "TestConsumerGroup",
  "TestReaderConsumerGroup",
  "TestReadTruncatedMessages",
];

function goEnv() {
  return {
    GO111MODULE: "off",
    GOPATH: `${join(CACHE_DIR, "gopath")}:/usr/share/gocode`,
    GOFLAGS: "",
    GOCACHE: join(CACHE_DIR, "go-build"),
  };
}

export async function buildKafkaGoTests(log) {
  const binary = join(CACHE_DIR, "kafka-go/kafka-go.test");
  if (existsSync(binary)) return binary;
  if (!existsSync(PACKAGE_DIR))
    throw new Error(`${PACKAGE_DIR} is missing: install golang-github-segmentio-kafka-go-dev`);
  mkdirSync(join(CACHE_DIR, "kafka-go"), { recursive: true });
  log("kafka-go: go test -c");
  await runOk("go", ["test", "-c", "-o", binary, PACKAGE], { env: goEnv(), timeoutMs: 300_000 });
  return binary;
}

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * Reads `go test -v` output: one result per leaf test (a test with subtests counts through its
 * subtests), with the log lines Go printed under a failure.
 */
export function parseGoTestOutput(output) {
  const lines = output.split("\n");
  const all = new Map();
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)/.exec(lines[i]);
    if (!m) continue;
    const detail = [];
    for (let j = i + 1; j < lines.length && /^\s{4,}\S/.test(lines[j]) && !/^\s*(---|===)/.test(lines[j]); j++) {
      detail.push(lines[j].trim());
    }
    const status = { PASS: "passed", FAIL: "failed", SKIP: "skipped" }[m[1]];
    all.set(m[2], {
      name: m[2],
      status,
      durationMs: Math.round(Number(m[3]) * 1000),
      detail: detail.join(" ").slice(0, 500),
    });
  }
  const names = [...all.keys()];
  const leaves = [...all.values()].filter((t) => !names.some((n) => n.startsWith(`${t.name}/`)));
  // A parent can fail with every subtest passing (its own assertions): count it then as well.
  for (const t of all.values()) {
    if (
      t.status === "failed" &&
      !leaves.includes(t) &&
      !names.some((n) => n.startsWith(`${t.name}/`) && all.get(n).status === "failed")
    ) {
      leaves.push(t);
    }
  }
  return leaves;
}

/** Runs the broker-backed kafka-go tests (optionally only the top-level tests in `only`). */
export async function runKafkaGoSuite({ only, log }) {
  const binary = await buildKafkaGoTests(log);
  if (await portInUse(PORT)) throw new Error(`kafka-go needs 127.0.0.1:${PORT}, which something else is using`);
  const selected = only ? BROKER_TESTS.filter((t) => only.includes(t)) : BROKER_TESTS;
  const broker = await startSuiteBroker({ port: PORT, advertisedHost: "localhost" });
  log(`kafka-go: ${selected.length} top-level tests against ${broker.bootstrap}`);
  let result;
  let brokerDied;
  try {
    result = await run(binary, ["-test.v", "-test.timeout", "480s", "-test.run", `^(${selected.join("|")})$`], {
      cwd: PACKAGE_DIR,
      timeoutMs: SUITE_TIMEOUT_MS,
    });
  } finally {
    // A broker that died under the suite fails it, whatever the client reported.
    brokerDied = broker.alive() ? undefined : await broker.exitStatus();
    await broker.stop();
  }
  mkdirSync(join(CACHE_DIR, "logs"), { recursive: true });
  writeFileSync(join(CACHE_DIR, "logs/kafka-go.log"), `${result.stdout}\n${result.stderr}`);
  const tests = parseGoTestOutput(result.stdout);
  const seen = new Set(tests.map((t) => t.name.split("/")[0]));
  for (const name of selected) {
    if (!seen.has(name)) tests.push({ name, status: "failed", detail: `no result: ${result.stdout.slice(-400)}` });
  }
  for (const t of tests) if (t.status !== "passed") log(`  ${t.name}: ${t.status} ${t.detail ?? ""}`.slice(0, 300));
  if (brokerDied) {
    log(`  the broker exited (${brokerDied}) during the suite`);
    tests.push({ name: "(broker stays up through the suite)", status: "failed", detail: `exited: ${brokerDied}` });
  }
  return tests.sort((a, b) => a.name.localeCompare(b.name));
}
