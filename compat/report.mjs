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
  "[compat/allowlist.json](compat/allowlist.json) with the reason; every other failure is a bug.",
  "Tests the suites skip by themselves (local-only, other broker versions, SSL/SASL set-ups they",
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
    out.push(`Failing (bugs, ${failed.length}):`, "", "| test | first failure |", "| --- | --- |");
    for (const t of failed) out.push(`| ${cell(t.name)} | ${cell(t.detail)} |`);
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
