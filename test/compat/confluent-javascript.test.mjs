// @confluentinc/kafka-javascript (bundled librdkafka 2.15, built by scripts/install-test-deps.sh)
// against a real Samsa broker, through its node-rdkafka-style API (see harness/rdkafka.mjs).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, test } from "node:test";
import { stopAllBrokers } from "./harness/broker.mjs";
import { rdkafkaRoundTrip } from "./harness/rdkafka.mjs";

after(stopAllBrokers);

test("@confluentinc/kafka-javascript: AdminClient create, produce with headers, consume via assign", {
  timeout: 60_000,
}, async () => {
  const Kafka = createRequire(import.meta.url)("@confluentinc/kafka-javascript");
  assert.match(Kafka.librdkafkaVersion, /^2\.15\./, "bundled librdkafka");
  await rdkafkaRoundTrip(Kafka, "ckjs");
});
