#!/usr/bin/env node
// Writes COMPATIBILITY.md from the last `npm run compat` (.compat-cache/results.json) and the API
// versions a freshly started broker advertises. Run: node compat/report.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, REPO_ROOT } from "../test/compat/harness/broker.mjs";
import { apiVersionsTable, queryApiVersions } from "./api-versions.mjs";
import { startSuiteBroker } from "./broker.mjs";
import { CACHE_DIR } from "./sources.mjs";

const results = JSON.parse(readFileSync(join(CACHE_DIR, "results.json"), "utf8"));
/** Diagnosed causes of failures (bugs, still counted as failures), kept beside the allowlist. */
const causes = JSON.parse(readFileSync(join(import.meta.dirname, "known-failures.json"), "utf8"));
const broker = await startSuiteBroker({ port: await freePort() });
let served;
try {
  served = await queryApiVersions("127.0.0.1", broker.port);
} finally {
  await broker.stop();
}

const pct = (c) => (c.run === 0 ? "-" : `${((100 * c.passed) / c.run).toFixed(1)} %`);
const cell = (s) =>
  String(s ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\s+/g, " ")
    .slice(0, 240);
const out = [];
out.push("# Compatibility");
out.push("");
out.push(
  "Samsa against the Kafka clients' own test suites, as Debian ships them. `npm run compat` fetches and",
  "builds them, starts the brokers and writes `.compat-cache/results.json`; `node compat/report.mjs`",
  "turns that into this page. A test that needs a feature Samsa lacks on purpose (for now) is on",
  "[compat/allowlist.json](compat/allowlist.json) with the reason; every other failure is a bug (the",
  "causes found so far are in [compat/known-failures.json](compat/known-failures.json)).",
  "Tests the suites skip by themselves (local-only, other broker versions, SASL set-ups they",
  "cannot find, quick mode) are not counted as run.",
);
out.push("");
out.push(`Samsa ${results.samsaVersion} (commit ${results.commit}), run on ${results.date.slice(0, 10)}.`);
out.push("");
out.push("| client | suite | KAFKA_VERSION | run | passed | failed | allowlisted | skipped by the suite | pass rate |");
out.push("| --- | --- | --- | --: | --: | --: | --: | --: | --: |");
for (const s of results.suites) {
  const c = s.counts;
  out.push(
    `| ${s.client} | ${s.suite} | ${s.kafkaVersion} | ${c.run} | ${c.passed} | ${c.failed} | ${c.allowlisted} | ${c.skipped} | ${pct(c)} |`,
  );
}
out.push("");
for (const s of results.suites) {
  out.push(`## ${s.client}`);
  out.push("");
  if (s.error) out.push(`The suite did not run to the end: \`${cell(s.error.split("\n")[0])}\``, "");
  const failed = s.tests.filter((t) => t.status === "failed");
  const allowlisted = s.tests.filter((t) => t.status === "allowlisted");
  const skipped = s.tests.filter((t) => t.status === "skipped");
  if (failed.length > 0) {
    out.push(`Failing (bugs, ${failed.length}):`, "", "| test | cause | first failure |", "| --- | --- | --- |");
    for (const t of failed) {
      const cause = causes[s.name]?.[t.name] ?? "not diagnosed yet";
      out.push(`| ${cell(t.name)} | ${cell(cause)} | ${cell(t.detail)} |`);
    }
    out.push("");
  }
  const retried = s.tests.filter((t) => t.firstAttemptFailure !== undefined);
  if (retried.length > 0) {
    out.push(
      `Run twice (client-timing races, a second attempt after a failed first, ${retried.length}):`,
      "",
      "| test | result | first attempt | cause |",
      "| --- | --- | --- | --- |",
    );
    for (const t of retried) {
      const cause = causes[s.name]?.[t.name] ?? "not diagnosed yet";
      out.push(`| ${cell(t.name)} | ${t.status} | ${cell(t.firstAttemptFailure)} | ${cell(cause)} |`);
    }
    out.push("");
  }
  if (allowlisted.length > 0) {
    out.push(`Allowlisted (${allowlisted.length}):`, "", "| test | reason |", "| --- | --- |");
    for (const t of allowlisted) out.push(`| ${cell(t.name)} | ${cell(t.reason)} |`);
    out.push("");
  }
  if (skipped.length > 0) {
    const reasons = new Map();
    for (const t of skipped)
      reasons.set(t.detail || "skipped", [...(reasons.get(t.detail || "skipped") ?? []), t.name]);
    out.push(`Skipped by the suite itself (${skipped.length}):`, "", "| reason | tests |", "| --- | --- |");
    for (const [reason, names] of reasons) out.push(`| ${cell(reason)} | ${cell(names.join(", "))} |`);
    out.push("");
  }
}
out.push("## How the suites run");
out.push("");
out.push(
  "- **librdkafka 2.0.2**: `apt-get source librdkafka`; `./configure` and `make test-runner` in",
  "  `tests/`, linked against Debian's librdkafka 2.0.2 (same version), so only the tests compile",
  "  (about 45 s on 2 cores, cached). Each test number runs in its own `test-runner -L` process",
  "  (two at a time, 300 s bound) with `TEST_KAFKA_VERSION` set to the Kafka version Samsa's API",
  "  versions match, against a broker set up as the suite's trivup scenarios (4 partitions per",
  "  auto-created topic; `noautocreate` with auto-creation off). Tests that create topics with",
  "  replication factor 3 run against etcd + 3 cluster-mode brokers. `KAFKA_PATH` points at",
  "  `compat/kafka-bin`, whose `kafka-topics.sh` does --create/--delete/--alter over Samsa's admin",
  "  APIs; Kafka's other tools (kafka-acls.sh, the Java test clients) are not there. The single-node",
  "  brokers also have an SSL listener requiring client certificates (CA, broker and client",
  "  certificates made with the openssl CLI as trivup's SslApp makes them); 0097_ssl_verify connects",
  "  over it with trivup's `SSL_*` variables set. 0135 runs against a SASL_PLAINTEXT listener (SCRAM).",
  "  0055 and 0086, whose results depend on librdkafka's own thread timing (causes in",
  "  known-failures.json), run one at a time after the rest; a failed one runs once more, and such a",
  "  second attempt is listed above with the first attempt's failure.",
  "- **kafka-python 2.0.2**: `apt-get source python-kafka`; its integration test files under",
  "  Debian's pytest, `KAFKA_VERSION=2.5.0` (the newest its fixtures and version probe know),",
  "  `ZOOKEEPER_URI` a placeholder. `compat/kafka-python/samsa_external_broker.py` replaces the",
  "  fixture's Kafka start-up with the Samsa broker (node id 0, 4 partitions, as its fixture).",
  "- **kafka-go 0.2.1**: the tests Debian ships in `golang-github-segmentio-kafka-go-dev`, built with",
  "  Go 1.19 in GOPATH mode; the broker listens on 127.0.0.1:9092 and advertises `localhost:9092`, as",
  "  the suite's docker-compose Kafka. Only the tests that need a broker run (the rest are unit tests).",
);
out.push("");
out.push("## Kafka API keys");
out.push("");
out.push(
  "What a Samsa broker advertises in its ApiVersions answer (queried by `compat/api-versions.mjs`),",
  "beside the versions in Kafka's protocol specs that the codecs are generated from.",
);
out.push("");
out.push(apiVersionsTable(served));
out.push("");
writeFileSync(join(REPO_ROOT, "COMPATIBILITY.md"), out.join("\n"));
console.log(`wrote ${join(REPO_ROOT, "COMPATIBILITY.md")}`);
