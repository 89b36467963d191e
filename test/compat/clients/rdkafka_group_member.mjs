// A @confluentinc/kafka-javascript (librdkafka) group member for the compat suite, one per process so
// a test can kill it. Reads {bootstrap, topic, group, config?, commitEveryMs?} on stdin, subscribes,
// and prints one JSON line per event: {event: "assign"|"revoke", partitions}, {event: "message",
// partition, offset}, {event: "committed"} after each synchronous commit of what it consumed. On
// SIGTERM it commits, closes (leaving the group) and prints {event: "closed"}. A `debug` entry in
// `config` also prints librdkafka's debug log as {event: "log"} lines.
import rdkafka from "@confluentinc/kafka-javascript";

const { KafkaConsumer } = rdkafka;
// librdkafka's rebalance "errors": ERR__ASSIGN_PARTITIONS and ERR__REVOKE_PARTITIONS.
const ASSIGN_PARTITIONS = -175;
const REVOKE_PARTITIONS = -174;

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const spec = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const emit = (e) => process.stdout.write(`${JSON.stringify(e)}\n`);

const consumer = new KafkaConsumer(
  {
    "bootstrap.servers": spec.bootstrap,
    "group.id": spec.group,
    "enable.auto.commit": false,
    rebalance_cb: true,
    ...spec.config,
  },
  // A topic config here: the binding's (empty) topic config would otherwise override a global one.
  { "auto.offset.reset": "earliest" },
);
consumer.on("rebalance", (err, assignment) => {
  const partitions = assignment.map((a) => a.partition).sort((a, b) => a - b);
  if (err.code === ASSIGN_PARTITIONS) emit({ event: "assign", partitions });
  else if (err.code === REVOKE_PARTITIONS) emit({ event: "revoke", partitions });
});
if (spec.config?.debug) consumer.on("event.log", (l) => emit({ event: "log", message: l.message }));
consumer.on("event.error", (e) => emit({ event: "error", message: String(e) }));

await new Promise((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
consumer.subscribe([spec.topic]);

let uncommitted = false;
let closing = false;
function commitNow() {
  if (!uncommitted) return;
  uncommitted = false;
  try {
    consumer.commitSync();
    emit({ event: "committed" });
  } catch (e) {
    // Partitions revoked mid-commit: the new owner re-reads from the last commit, which the test allows.
    emit({ event: "commit-failed", message: String(e) });
  }
}
const commitTimer = setInterval(commitNow, spec.commitEveryMs ?? 500);

async function loop() {
  while (!closing) {
    const batch = await new Promise((resolve) =>
      consumer.consume(100, (err, msgs) => {
        if (err) emit({ event: "consume-error", message: String(err) });
        resolve(err ? [] : msgs);
      }),
    );
    for (const m of batch) {
      emit({ event: "message", partition: m.partition, offset: m.offset });
      uncommitted = true;
    }
  }
}
consumer.setDefaultConsumeTimeout(200);
const looping = loop();

process.on("SIGTERM", async () => {
  closing = true;
  await looping;
  clearInterval(commitTimer);
  commitNow();
  await new Promise((resolve) => consumer.disconnect(resolve));
  emit({ event: "closed" });
  process.exit(0);
});
