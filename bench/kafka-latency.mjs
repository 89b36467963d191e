#!/usr/bin/env node
// End-to-end latency of a Kafka-protocol broker at a fixed rate, for latency.mjs: a librdkafka
// producer (@confluentinc/kafka-javascript; acks=1, linger.ms=0) in this process sends --size byte
// messages to partition 0 of --topic at --rate, paced by a 1 ms timer, while a librdkafka consumer in a
// child process (this script with --role consumer) assigned to that partition from its end receives
// them. Latency = receive time - send time carried in the message, both from process.hrtime
// (CLOCK_MONOTONIC, one clock for all processes of the machine), recorded in an HdrHistogram after
// dropping the first --warmup-s. The same shape as nats-latency.mjs, so the rows compare.
//
// Producer and consumer run in separate processes because one Node thread doing both became the
// bottleneck at high rates: at 120 k msgs/s its event loop, busy with the consumer's per-message
// callbacks, could not keep the producer's pace, so the latency measured was the generator's own
// queueing (bench/optimisations-latency.md). --single-process keeps the old shape for comparison.
//
// (rdkafka_performance's latency mode paces its producer by spinning on rd_kafka_poll, which takes a
// whole core of this 2-core machine away from the broker and the consumer.)
//
//   node bench/kafka-latency.mjs --bootstrap HOST:PORT --topic T [--rate 1000] [--seconds 10]
//                                [--size 1024] [--warmup-s 1] [--legacy] [--single-process] [--json]
// --legacy: api.version.request=false, broker.version.fallback=0.9.0.1 (Kafka 0.9).
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import kafka from "@confluentinc/kafka-javascript";
import { spawnConsumer } from "./consumer-child.mjs";
import { newHistogram, summarize } from "./hdr.mjs";
import { sendAtRate } from "./paced.mjs";
import { parseArgs } from "./throughput.mjs";

const DRAIN_MS = 2_000;
const CONSUMER_READY_MS = 2_000;
const CONSUMER_START_TIMEOUT_MS = 30_000;
const OFFSET_END = -1;

const OPTIONS = {
  bootstrap: "",
  topic: "",
  rate: 1000,
  seconds: 10,
  size: 1024,
  "warmup-s": 1,
  legacy: false,
  "single-process": false,
  role: "producer",
  json: false,
};

function clientConfig(opts) {
  return {
    "metadata.broker.list": opts.bootstrap,
    "socket.nagle.disable": true,
    ...(opts.legacy ? { "api.version.request": false, "broker.version.fallback": "0.9.0.1" } : {}),
  };
}

/** A consumer from the end of partition 0 recording each message's latency. */
async function startConsumer(opts) {
  const histogram = newHistogram();
  const warmupCount = Math.round(opts.rate * opts["warmup-s"]);
  const state = { received: 0, histogram };
  const consumer = new kafka.KafkaConsumer(
    {
      ...clientConfig(opts),
      "group.id": `latency-${process.pid}`,
      "enable.auto.commit": false,
      "fetch.wait.max.ms": 100,
      "fetch.error.backoff.ms": 0,
    },
    {},
  );
  await new Promise((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.assign([{ topic: opts.topic, partition: 0, offset: OFFSET_END }]);
  consumer.on("data", (m) => {
    const us = Number((process.hrtime.bigint() - m.value.readBigInt64BE(0)) / 1000n);
    // A zero send time marks the producer's warm-up message.
    if (m.value.readBigInt64BE(0) === 0n) return;
    if (state.received++ >= warmupCount) histogram.recordValue(Math.max(1, us));
  });
  consumer.consume();
  state.stop = () => new Promise((resolve) => consumer.disconnect(resolve));
  return state;
}

/** --role consumer: prints "ready" once consuming, and its summary as JSON when stdin says "stop". */
async function consumerRole(opts) {
  const state = await startConsumer(opts);
  await new Promise((r) => setTimeout(r, CONSUMER_READY_MS));
  console.log("ready");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === "stop") break;
  await state.stop();
  console.log(JSON.stringify({ received: state.received, ...summarize(state.histogram) }));
  process.exit(0);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), OPTIONS);
  if (opts.role === "consumer") return consumerRole(opts);
  let stopConsumer;
  if (opts["single-process"]) {
    const state = await startConsumer(opts);
    await new Promise((r) => setTimeout(r, CONSUMER_READY_MS));
    stopConsumer = async () => {
      await state.stop();
      return { received: state.received, ...summarize(state.histogram) };
    };
  } else {
    const child = await spawnConsumer(fileURLToPath(import.meta.url), [], {
      timeoutMs: CONSUMER_START_TIMEOUT_MS + opts.seconds * 4000,
    });
    stopConsumer = child.stop;
  }
  const producer = new kafka.Producer({
    ...clientConfig(opts),
    "queue.buffering.max.ms": 0,
    acks: 1,
    "queue.buffering.max.messages": 1_000_000,
  });
  await new Promise((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(100);
  // One message before the clock starts: the first send waits about a second for the topic's
  // metadata, and what queued behind it would still be draining after the warm-up.
  producer.produce(opts.topic, 0, Buffer.alloc(opts.size));
  await new Promise((resolve) => producer.flush(30_000, resolve));
  const total = opts.rate * opts.seconds;
  let failed = 0;
  const elapsedS = await sendAtRate(opts.rate, total, () => {
    const payload = Buffer.alloc(opts.size);
    payload.writeBigInt64BE(process.hrtime.bigint(), 0);
    try {
      producer.produce(opts.topic, 0, payload);
    } catch {
      // Local queue full: this rate is above what the broker takes; count and move on.
      failed++;
    }
  });
  await new Promise((resolve) => producer.flush(30_000, resolve));
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  await new Promise((resolve) => producer.disconnect(resolve));
  const { received, ...summary } = await stopConsumer();
  let note = "";
  if (failed > 0) note = `${failed} produce calls refused (queue full)`;
  else if (received < total) note = `${received} of ${total} received`;
  const result = { rate: opts.rate, achieved: (total - failed) / elapsedS, ...summary, note, detail: "" };
  if (opts.json) console.log(JSON.stringify(result));
  else console.log(result);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
