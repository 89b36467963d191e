// Idempotent acks=all producer for the cluster tests on @confluentinc/kafka-javascript (its bundled
// librdkafka, 2.15: Debian's 2.0.2 behind python3-confluent-kafka has a client bug, fixed in 2.3.0
// (librdkafka #4438), that turns a possibly persisted send followed by OUT_OF_ORDER_SEQUENCE_NUMBER
// into a fatal "rewound sequence number" error: exactly what network cuts provoke).
// Same arguments and output as acked_producer.py: BOOTSTRAP TOPIC PARTITIONS REPLICATION_FACTOR;
// one JSON line per acknowledgement ({"p", "o", "v", "t"}) and per failed delivery ({"err", "v"}),
// "created" once the topic exists, "done" with the counts once stdin closes and all is flushed.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Kafka = require("@confluentinc/kafka-javascript");

const [bootstrap, topic, partitionsArg, rfArg] = process.argv.slice(2);
const partitions = Number(partitionsArg);
const SEND_INTERVAL_MS = 5;

const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const admin = Kafka.AdminClient.create({ "bootstrap.servers": bootstrap });
await new Promise((resolve, reject) =>
  admin.createTopic({ topic, num_partitions: partitions, replication_factor: Number(rfArg) }, 15_000, (err) =>
    err ? reject(err) : resolve(),
  ),
);
admin.disconnect();
emit({ created: topic });

const producer = new Kafka.Producer({
  "bootstrap.servers": bootstrap,
  acks: "all",
  "enable.idempotence": true,
  "linger.ms": 2,
  "message.timeout.ms": 60_000,
  "retry.backoff.ms": 100,
  "topic.metadata.refresh.interval.ms": 1000,
  dr_cb: true,
});
let acked = 0;
let failed = 0;
producer.on("delivery-report", (err, report) => {
  if (err) {
    failed++;
    emit({ err: String(err), v: report.opaque });
  } else {
    acked++;
    emit({ p: report.partition, o: report.offset, v: report.opaque, t: Date.now() });
  }
});
producer.on("event.error", (err) => {
  if (err.isFatal) {
    process.stderr.write(`fatal: ${err.message}\n`);
    process.exit(1);
  }
});
await new Promise((resolve, reject) => {
  producer.once("ready", resolve);
  producer.connect({}, (err) => err && reject(err));
});
producer.setPollInterval(SEND_INTERVAL_MS);

let n = 0;
let stopping = false;
const sender = setInterval(() => {
  if (stopping) return;
  const v = `v${n}`;
  try {
    producer.produce(topic, n % partitions, Buffer.from(v), null, Date.now(), v);
    n++;
  } catch {
    // Local queue full: try again on the next tick.
  }
}, SEND_INTERVAL_MS);
process.stdin.resume();
process.stdin.on("end", () => {
  stopping = true;
  clearInterval(sender);
  producer.flush(60_000, () => {
    emit({ done: true, sent: n, acked, failed });
    producer.disconnect(() => process.exit(0));
  });
});
