// A kafkajs group member in its own process, for the compat suite (a test can kill it). Reads
// {bootstrap, topic, group, sessionTimeoutMs, commitEveryMs?, messageDelayMs?} on stdin and prints one JSON line per
// event: {event: "assignment", partitions} after each join (kafkajs rebalances eagerly, so this is
// the whole assignment), {event: "message", partition, offset}, {event: "committed"}. kafkajs
// commits every `commitEveryMs` and before rejoining. On SIGTERM it leaves the group and prints
// {event: "closed"}. `messageDelayMs` slows each record down, so a kill can land mid-batch, before
// kafkajs commits the batch.
import { Kafka, logLevel } from "kafkajs";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const spec = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const emit = (e) => process.stdout.write(`${JSON.stringify(e)}\n`);

const kafka = new Kafka({ clientId: "group-member", brokers: [spec.bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: spec.group,
  sessionTimeout: spec.sessionTimeoutMs,
  heartbeatInterval: 300,
  maxWaitTimeInMs: 200,
  retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  emit({ event: "assignment", partitions: (e.payload.memberAssignment[spec.topic] ?? []).sort((a, b) => a - b) });
});
consumer.on(consumer.events.COMMIT_OFFSETS, () => emit({ event: "committed" }));
await consumer.connect();
await consumer.subscribe({ topics: [spec.topic], fromBeginning: true });
await consumer.run({
  autoCommitInterval: spec.commitEveryMs ?? 500,
  eachMessage: async ({ partition, message }) => {
    emit({ event: "message", partition, offset: Number(message.offset) });
    if (spec.messageDelayMs) await new Promise((resolve) => setTimeout(resolve, spec.messageDelayMs));
  },
});
process.on("SIGTERM", async () => {
  await consumer.disconnect();
  emit({ event: "closed" });
  process.exit(0);
});
