// librdkafka 2.0.2's own test suite (tests/ in Debian's source package) against Samsa. The runner is
// built from the source tree's tests/ but linked against Debian's librdkafka 2.0.2 (the same version),
// so only the test files compile: about 45 s on 2 cores, once. Each test number runs in its own
// test-runner process (a crash or hang costs one test, not the suite), with the broker set up as the
// suite's own trivup cluster is: auto-created topics with 4 partitions.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clusterArgs, startEtcd } from "../test/cluster/harness.mjs";
import { freePort, startBroker } from "../test/compat/harness/broker.mjs";
import { run, runOk } from "../test/compat/harness/process.mjs";
import { upsertScramUser } from "../test/compat/harness/scram.mjs";
import { startSuiteBroker } from "./broker.mjs";
import { CACHE_DIR, ensureSourcePackage } from "./sources.mjs";
import { ensureSslCerts, sslBrokerSettings, sslClientConf, sslTestEnv } from "./ssl-certs.mjs";

const BUILD_TIMEOUT_MS = 900_000;
const KAFKA_BIN_DIR = join(import.meta.dirname, "kafka-bin");
/** Each runner process's whole output, for diagnosing a failure. */
const LOG_DIR = join(CACHE_DIR, "logs/librdkafka");
/** Outer bound on one test number's runner process; the tests' own timeouts are far shorter. */
const TEST_PROCESS_TIMEOUT_MS = 300_000;
/** Runner processes at once: each test's own timeouts assume a lightly loaded machine. */
const PARALLEL = 2;
/**
 * Kafka's ACL authorizer, open to everyone until a test adds ACLs: 0109, 0115 and 0119 deny topics
 * with kafka-acls.sh and expect every other resource to stay open; 0081 creates and deletes ACLs.
 */
const AUTHORIZER = {
  "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
  "allow.everyone.if.no.acl.found": true,
};
/** The broker settings of librdkafka's trivup scenarios (tests/scenarios/*.json), single node. */
const SCENARIOS = {
  default: { "num.partitions": 4, "auto.create.topics.enable": true, ...AUTHORIZER },
  noautocreate: { "num.partitions": 4, "auto.create.topics.enable": false, ...AUTHORIZER },
};

/**
 * Tests that need a SASL listener (librdkafka's CI runs them on a SASL-enabled trivup cluster): they
 * run last, against a broker with a SASL_PLAINTEXT listener, with test.conf authenticating by SCRAM.
 */
const SASL_TESTS = new Set(["0135"]);
const SASL_USER = "samsa-test";
const SASL_PASSWORD = "samsa-test-secret";
/**
 * Tests that need an SSL cluster (trivup --ssl): their test.conf connects to the broker's SSL
 * listener with a client certificate, and they get the SSL_* variables pointing at the certificates.
 * The single-node brokers always have the SSL listener beside the PLAINTEXT one, as trivup's do.
 */
const SSL_TESTS = new Set(["0097"]);
/**
 * Tests whose pass depends on the client's thread timing (see compat/known-failures.json): they run
 * one at a time after the rest of their scenario, so a parallel test's CPU use cannot decide them,
 * and a failed one runs once more (COMPATIBILITY.md lists each test that needed the second attempt).
 * 0055 reads wake-up counts from a 100 ms stats snapshot; 0086 races librdkafka's own hand-over of
 * queued messages (upstream fixed the test in 2.1.0, librdkafka#4228).
 */
const TIMING_TESTS = new Set(["0055", "0086"]);

export async function buildLibrdkafkaTests(log) {
  const src = await ensureSourcePackage("librdkafka", log);
  const runner = join(src, "tests/test-runner");
  if (existsSync(runner)) return { src, runner };
  log("librdkafka: configure + build tests/test-runner");
  const started = Date.now();
  await runOk("./configure", ["--disable-debug-symbols"], { cwd: src, timeoutMs: BUILD_TIMEOUT_MS });
  // The tests' Makefile wants the static libraries built first; `-o` takes them as up to date, and the
  // runner links against the installed shared librdkafka instead.
  await runOk(
    "make",
    ["-j2", "-o", "../src/librdkafka.a", "-o", "../src-cpp/librdkafka++.a", "-o", "interceptor_test", "test-runner"],
    { cwd: join(src, "tests"), timeoutMs: BUILD_TIMEOUT_MS },
  );
  log(`librdkafka: test-runner built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { src, runner };
}

/**
 * The suite's test table (tests/test.c `tests[]`): name, flags and scenario of each test. Broker-backed
 * means neither TEST_F_LOCAL nor TEST_F_MANUAL. A test whose source creates topics with replication
 * factor 3 runs against a 3-broker cluster (etcd + cluster mode), as librdkafka's trivup would.
 */
export function listTests(src) {
  const text = readText(join(src, "tests/test.c"));
  const start = text.indexOf("struct test tests[] = {");
  const end = text.indexOf("{NULL}", start);
  const table = text.slice(start, end);
  const testFiles = readdirSync(join(src, "tests")).filter((f) => /^\d{4}-.*\.(c|cpp)$/.test(f));
  const sourceOf = (number) =>
    testFiles
      .filter((f) => f.startsWith(`${number}-`))
      .map((f) => readText(join(src, "tests", f)))
      .join("\n");
  const tests = [];
  for (const entry of table.split(/_TEST\(/).slice(1)) {
    const m = /^\s*(\w+),\s*([^,)]*)/.exec(entry);
    if (!m) continue;
    const scenario = /\.scenario\s*=\s*"([^"]*)"/.exec(entry)?.[1] ?? "default";
    const flags = m[2];
    tests.push({
      name: m[1],
      number: m[1].slice(0, 4),
      brokerBacked: !/TEST_F_LOCAL|TEST_F_MANUAL/.test(flags),
      scenarios: scenario.split(","),
      // Topics created with replication factor 3 (hard-coded in the test) need three brokers.
      needsCluster: /create_topic\([^;]*,\s*3\)\s*;/.test(sourceOf(m[1].slice(0, 4))),
    });
  }
  return tests;
}

function readText(path) {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the runner colours its output with ANSI escapes
const ANSI = /\x1b\[[0-9;]*m|\x1b\([A-Z]/g;

/**
 * Reads one runner process's output: per test, PASSED / FAILED (first failure message) / SKIPPED
 * (reason) / started but never finished.
 */
export function parseRunnerOutput(output) {
  const results = new Map();
  const lines = output.replace(ANSI, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m = /Running test (\S+) =+/.exec(line);
    if (m) {
      if (!results.has(m[1])) results.set(m[1], { state: "running" });
      continue;
    }
    m = /Test (\S+) PASSED/.exec(line);
    if (m && results.get(m[1])?.state !== "failed") {
      results.set(m[1], { state: "passed" });
      continue;
    }
    // A failing sub-test reads `### Test "0081_admin (do_test_CreateAcls:1115)" failed at ...`.
    m = /^### Test "(\S+)( \([^"]*\))?" failed at (.*?) at .*###$/.exec(line);
    if (m && results.get(m[1])?.state !== "failed") {
      const where = m[2] ? `${m[2].trim()} ${m[3]}` : m[3];
      results.set(m[1], { state: "failed", detail: `${where}: ${(lines[i + 1] ?? "").trim()}` });
      continue;
    }
    m = /^\| (\S+)\s+\|\s+(PASSED|FAILED|SKIPPED)\s+\|\s+[\d.]+s\s*\|?\s*(.*)$/.exec(line);
    if (m && m[1] !== "<MAIN>") {
      const known = results.get(m[1]);
      if (m[2] === "SKIPPED") results.set(m[1], { state: "skipped", detail: m[3].trim() || "skipped by the suite" });
      else if (!known || known.state === "running") {
        results.set(m[1], { state: m[2] === "PASSED" ? "passed" : "failed", detail: m[3].trim() });
      }
    }
  }
  const main = /### Test "<MAIN>" failed at .*###\n(.*)/.exec(output.replace(ANSI, ""));
  return { results, mainFailure: main?.[1]?.trim() };
}

async function runNumber({ runner, src, number, scenario, conf, bootstrap, kafkaVersion, quick, env = {} }) {
  const args = ["-L", "-s", scenario];
  if (quick) args.push("-Q");
  const started = Date.now();
  let output;
  let exit;
  try {
    const r = await run(runner, args, {
      cwd: join(src, "tests"),
      timeoutMs: TEST_PROCESS_TIMEOUT_MS,
      env: {
        RDKAFKA_TEST_CONF: conf,
        TEST_KAFKA_VERSION: kafkaVersion,
        TESTS: number,
        TEST_LEVEL: "2",
        // Tests that shell out to Kafka's bin/kafka-topics.sh or kafka-acls.sh get stand-ins over
        // Samsa's admin APIs; Kafka's Java classes are absent, and the tests needing them fail.
        KAFKA_PATH: KAFKA_BIN_DIR,
        BROKERS: bootstrap,
        ...env,
      },
    });
    output = `${r.stdout}\n${r.stderr}`;
    exit = r.code ?? r.signal;
  } catch (e) {
    output = String(e.message);
    exit = "timeout";
  }
  return { output, exit, durationMs: Date.now() - started };
}

/** Runs `items` through `worker` with at most `limit` at once. */
async function pool(items, limit, worker) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await worker(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * Runs the broker-backed tests (optionally only `only`, a list of test names or numbers) and returns
 * one result per test: { name, status: passed|failed|skipped, detail, durationMs }.
 */
export async function runLibrdkafkaSuite({ kafkaVersion, quick = false, only, log }) {
  const { src, runner } = await buildLibrdkafkaTests(log);
  const ssl = await ensureSslCerts(log);
  const wanted = (t) => !only || only.some((o) => t.name === o || t.number === o);
  const tests = listTests(src).filter((t) => t.brokerBacked && wanted(t));
  const results = [];
  mkdirSync(LOG_DIR, { recursive: true });
  const passes = Object.entries(SCENARIOS).flatMap(([scenario, settings]) =>
    [false, true].map((cluster) => ({ scenario, settings, cluster })),
  );
  for (const { scenario, settings, cluster } of passes) {
    const inScenario = tests.filter(
      (t) => t.scenarios.includes(scenario) && t.needsCluster === cluster && !SASL_TESTS.has(t.number),
    );
    if (inScenario.length === 0) continue;
    const numbers = [...new Set(inScenario.map((t) => t.number))];
    const start = async () => (cluster ? startClusterOf3(settings) : startSingleBroker(settings, ssl));
    let broker = await start();
    let restarting = false;
    // One test.conf per broker (a restarted one gets its own), written before any runner reads it.
    const confs = new Map();
    const confFor = (b, overSsl) => {
      const key = `${b.bootstrap} ${overSsl}`;
      if (!confs.has(key)) {
        // The pid keeps concurrent runs (single tests while a colleague runs others) apart.
        const name = `${scenario}${cluster ? "-cluster" : ""}${overSsl ? "-ssl" : ""}-${process.pid}-${confs.size}`;
        const path = join(CACHE_DIR, `test-${name}.conf`);
        const lines = overSsl ? sslClientConf(ssl, b.sslBootstrap) : [`bootstrap.servers=${b.bootstrap}`];
        writeFileSync(path, `${lines.join("\n")}\n`);
        confs.set(key, path);
      }
      return confs.get(key);
    };
    log(`librdkafka: ${inScenario.length} tests (scenario ${scenario}) against ${broker.bootstrap}`);
    try {
      const attemptOnce = async (number) => {
        const overSsl = SSL_TESTS.has(number) && broker.sslBootstrap !== undefined;
        const r = await runNumber({
          runner,
          src,
          number,
          scenario,
          conf: confFor(broker, overSsl),
          bootstrap: overSsl ? broker.sslBootstrap : broker.bootstrap,
          kafkaVersion,
          quick,
          env: overSsl ? sslTestEnv(ssl) : {},
        });
        const logFile = join(LOG_DIR, `${number}-${scenario}${cluster ? "-cluster" : ""}.log`);
        writeFileSync(logFile, r.output);
        const { results: parsed, mainFailure } = parseRunnerOutput(r.output);
        return inScenario
          .filter((x) => x.number === number)
          .map((t) => {
            const p = parsed.get(t.name);
            let status;
            let detail;
            if (!p) [status, detail] = ["failed", `no result (runner exit ${r.exit}): ${lastLines(r.output)}`];
            else if (p.state === "running") {
              [status, detail] = [
                "failed",
                `did not finish (runner exit ${r.exit}): ${mainFailure ?? lastLines(r.output)}`,
              ];
            } else [status, detail] = [p.state, p.detail];
            return { name: t.name, status, detail, durationMs: r.durationMs, log: logFile };
          });
      };
      const runOne = async (number) => {
        let outcome = await attemptOnce(number);
        const failed = outcome.find((t) => t.status === "failed");
        const firstFailure = failed && { name: failed.name, detail: failed.detail ?? "failed" };
        // A second attempt only for the named client-timing races; the report lists every retry.
        if (firstFailure && TIMING_TESTS.has(number)) {
          log(`  ${firstFailure.name}: failed on attempt 1, running it again (${firstFailure.detail.slice(0, 160)})`);
          outcome = (await attemptOnce(number)).map((t) => ({ ...t, firstAttemptFailure: firstFailure.detail }));
        }
        for (const t of outcome) {
          results.push(t);
          log(`  ${t.name}: ${t.status}${t.detail ? ` (${t.detail.slice(0, 160)})` : ""}`);
        }
        const logFile = outcome[0]?.log;
        if (!broker.alive() && !restarting) {
          restarting = true;
          // A dead broker is a bug of its own: the tests that ran on it fail, the rest get a new one.
          const died = `the broker exited (${await broker.exitStatus()}) during this test; its last output: ${lastLines(broker.log())}`;
          log(`librdkafka: ${died}`);
          for (const t of results.filter((x) => x.log === logFile))
            Object.assign(t, { status: "failed", detail: died });
          const dead = broker;
          broker = await start();
          await dead.stop();
          restarting = false;
        }
      };
      await pool(
        numbers.filter((n) => !TIMING_TESTS.has(n)),
        PARALLEL,
        runOne,
      );
      await pool(
        numbers.filter((n) => TIMING_TESTS.has(n)),
        1,
        runOne,
      );
    } finally {
      await broker.stop();
    }
  }
  results.push(...(await runSaslTests({ runner, src, tests, kafkaVersion, quick, log })));
  return results.sort((a, b) => a.name.localeCompare(b.name));
}

/** One broker with a PLAINTEXT listener and an SSL one (client certificates required). */
async function startSingleBroker(settings, ssl) {
  const port = await freePort();
  const sslPort = await freePort();
  const broker = await startSuiteBroker({
    port,
    settings: { ...settings, ...sslBrokerSettings(ssl) },
    args: ["--listeners", `PLAINTEXT://127.0.0.1:${port},SSL://127.0.0.1:${sslPort}`],
  });
  return { ...broker, sslBootstrap: `127.0.0.1:${sslPort}` };
}

/** SASL_TESTS against a broker with PLAINTEXT and SASL_PLAINTEXT listeners and a SCRAM user. */
async function runSaslTests({ runner, src, tests, kafkaVersion, quick, log }) {
  const saslTests = tests.filter((t) => SASL_TESTS.has(t.number));
  if (saslTests.length === 0) return [];
  const port = await freePort();
  const saslPort = await freePort();
  const broker = await startSuiteBroker({
    port,
    settings: { ...SCENARIOS.default, "sasl.enabled.mechanisms": "SCRAM-SHA-256" },
    args: ["--listeners", `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`],
  });
  const results = [];
  try {
    await upsertScramUser({ port }, SASL_USER, SASL_PASSWORD, ["SCRAM-SHA-256"]);
    const conf = join(CACHE_DIR, "test-sasl.conf");
    writeFileSync(
      conf,
      [
        `bootstrap.servers=127.0.0.1:${saslPort}`,
        "security.protocol=SASL_PLAINTEXT",
        "sasl.mechanism=SCRAM-SHA-256",
        `sasl.username=${SASL_USER}`,
        `sasl.password=${SASL_PASSWORD}`,
        "",
      ].join("\n"),
    );
    log(`librdkafka: ${saslTests.length} SASL tests against 127.0.0.1:${saslPort}`);
    for (const number of new Set(saslTests.map((t) => t.number))) {
      const r = await runNumber({
        runner,
        src,
        number,
        scenario: "default",
        conf,
        bootstrap: `127.0.0.1:${saslPort}`,
        kafkaVersion,
        quick,
      });
      const logFile = join(LOG_DIR, `${number}-sasl.log`);
      writeFileSync(logFile, r.output);
      const { results: parsed } = parseRunnerOutput(r.output);
      for (const t of saslTests.filter((x) => x.number === number)) {
        const p = parsed.get(t.name);
        const [status, detail] =
          p && p.state !== "running"
            ? [p.state, p.detail]
            : ["failed", `no result (runner exit ${r.exit}): ${lastLines(r.output)}`];
        results.push({ name: t.name, status, detail, durationMs: r.durationMs, log: logFile });
        log(`  ${t.name}: ${status}${detail ? ` (${detail.slice(0, 160)})` : ""}`);
      }
    }
  } finally {
    await broker.stop();
  }
  return results;
}

const RACK_AWARE_SELECTOR = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

/** etcd and three cluster-mode brokers (default replication factor 3), as one stoppable unit. */
async function startClusterOf3(settings) {
  const etcd = await startEtcd();
  const extra = Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
  const brokers = [];
  try {
    // Racks as librdkafka's trivup gives its brokers (0101_fetch_from_follower expects RACK<id>).
    const racks = (id) => ["--set", `broker.rack=RACK${id}`, "--set", `replica.selector.class=${RACK_AWARE_SELECTOR}`];
    for (let id = 1; id <= 3; id++)
      brokers.push(await startBroker({ args: clusterArgs(etcd.url, id, [...extra, ...racks(id)]) }));
  } catch (e) {
    for (const b of brokers) await b.stop();
    await etcd.stop();
    throw e;
  }
  return {
    bootstrap: brokers.map((b) => b.bootstrap).join(","),
    alive: () => brokers.every((b) => b.process.exitCode === null && b.process.signalCode === null),
    exitStatus: async () =>
      brokers
        .filter((b) => b.process.exitCode !== null || b.process.signalCode !== null)
        .map((b) => `${b.bootstrap}: ${b.process.exitCode ?? b.process.signalCode}`)
        .join(", "),
    log: () => brokers.map((b, i) => `--- broker ${i + 1}\n${b.log()}`).join("\n"),
    async stop() {
      for (const b of brokers) await b.stop();
      await etcd.stop();
    },
  };
}

function lastLines(text) {
  return text.replace(ANSI, "").trim().split("\n").slice(-3).join(" | ").slice(0, 400);
}
