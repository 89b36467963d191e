#!/usr/bin/env node
// End-to-end latency of a Kafka-protocol broker at a fixed rate, for latency.mjs: in this one Node
// process, a librdkafka producer (@confluentinc/kafka-javascript; acks=1, linger.ms=0) sends --size
// byte messages to partition 0 of --topic at --rate, paced by a 1 ms timer, while a librdkafka
// consumer assigned to that partition from its end receives them. Latency = receive time - send time
// carried in the message (both from this process's clock), recorded in an HdrHistogram after
// dropping the first --warmup-s. The same shape as nats-latency.mjs, so the rows compare.
//
// (rdkafka_performance's latency mode paces its producer by spinning on rd_kafka_poll, which takes a
// whole core of this 2-core machine away from the broker and the consumer.)
//
//   node bench/kafka-latency.mjs --bootstrap HOST:PORT --topic T [--rate 1000] [--seconds 10]
//                                [--size 1024] [--warmup-s 1] [--legacy] [--json]
// --legacy: api.version.request=false, broker.version.fallback=0.9.0.1 (Kafka 0.9).
import kafka from "@confluentinc/kafka-javascript";
import { newHistogram, summarize } from "./hdr.mjs";
import { parseArgs } from "./throughput.mjs";

const TICK_MS = 1;
const DRAIN_MS = 2_000;
const CONSUMER_READY_MS = 2_000;
const OFFSET_END = -1;

function nowUs() {
  return (performance.timeOrigin + performance.now()) * 1000;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), {
    bootstrap: "",
    topic: "",
    rate: 1000,
    seconds: 10,
    size: 1024,
    "warmup-s": 1,
    legacy: false,
    json: false,
  });
  const client = {
    "metadata.broker.list": opts.bootstrap,
    ...(opts.legacy ? { "api.version.request": false, "broker.version.fallback": "0.9.0.1" } : {}),
  };
  const histogram = newHistogram();
  const warmupCount = Math.round(opts.rate * opts["warmup-s"]);
  let received = 0;
  const consumer = new kafka.KafkaConsumer(
    { ...client, "group.id": `latency-${process.pid}`, "enable.auto.commit": false, "fetch.wait.max.ms": 100 },
    {},
  );
  await new Promise((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.assign([{ topic: opts.topic, partition: 0, offset: OFFSET_END }]);
  consumer.on("data", (m) => {
    const us = nowUs() - m.value.readDoubleBE(0);
    if (received++ >= warmupCount) histogram.recordValue(Math.max(1, Math.round(us)));
  });
  consumer.consume();
  const producer = new kafka.Producer({
    ...client,
    "linger.ms": 0,
    acks: 1,
    "queue.buffering.max.messages": 1_000_000,
  });
  await new Promise((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(100);
  await new Promise((r) => setTimeout(r, CONSUMER_READY_MS));
  const total = opts.rate * opts.seconds;
  let sent = 0;
  let failed = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * opts.rate));
      while (sent < due) {
        const payload = Buffer.alloc(opts.size);
        payload.writeDoubleBE(nowUs(), 0);
        try {
          producer.produce(opts.topic, 0, payload);
          sent++;
        } catch {
          // Local queue full: this rate is above what the broker takes; count and move on.
          failed++;
          sent++;
        }
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const elapsedS = (performance.now() - t0) / 1000;
  await new Promise((resolve) => producer.flush(30_000, resolve));
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  await new Promise((resolve) => producer.disconnect(resolve));
  await new Promise((resolve) => consumer.disconnect(resolve));
  const summary = summarize(histogram);
  let note = "";
  if (failed > 0) note = `${failed} produce calls refused (queue full)`;
  else if (received < total) note = `${received} of ${total} received`;
  const result = { rate: opts.rate, achieved: (sent - failed) / elapsedS, ...summary, note, detail: "" };
  if (opts.json) console.log(JSON.stringify(result));
  else console.log(result);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
