// A stand-in for Kafka's bin/kafka-topics.sh, for librdkafka tests that shell out to it (through
// KAFKA_PATH): --create (with --partitions, --replication-factor, --config k=v), --delete and --alter
// --partitions, all through the broker's admin APIs with kafkajs. Exits non-zero on any error.
import { parseArgs } from "node:util";
import { kafkajsClient } from "../../test/compat/harness/kafkajs.mjs";

const { values } = parseArgs({
  options: {
    "bootstrap-server": { type: "string" },
    create: { type: "boolean" },
    delete: { type: "boolean" },
    alter: { type: "boolean" },
    topic: { type: "string" },
    partitions: { type: "string" },
    "replication-factor": { type: "string" },
    config: { type: "string", multiple: true },
  },
});
const bootstrap = values["bootstrap-server"];
const topic = values.topic;
if (!bootstrap || !topic) throw new Error("kafka-topics: --bootstrap-server and --topic are required");

const admin = kafkajsClient(bootstrap.split(",")[0], "kafka-topics-shim").admin();
await admin.connect();
try {
  if (values.create) {
    const configEntries = (values.config ?? []).map((c) => {
      const at = c.indexOf("=");
      return { name: c.slice(0, at), value: c.slice(at + 1) };
    });
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: values.partitions ? Number(values.partitions) : -1,
          replicationFactor: values["replication-factor"] ? Number(values["replication-factor"]) : -1,
          configEntries,
        },
      ],
      validateOnly: false,
      waitForLeaders: true,
      timeout: 10_000,
    });
  } else if (values.delete) {
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  } else if (values.alter && values.partitions) {
    await admin.createPartitions({ topicPartitions: [{ topic, count: Number(values.partitions) }], timeout: 10_000 });
  } else {
    throw new Error(`kafka-topics: unsupported command ${process.argv.slice(2).join(" ")}`);
  }
  console.log(`kafka-topics: ${values.create ? "created" : values.delete ? "deleted" : "altered"} ${topic}`);
} finally {
  await admin.disconnect();
}
