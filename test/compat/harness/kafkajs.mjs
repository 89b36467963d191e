// kafkajs 2.2.4 wiring shared by the tests: quiet logs, short retries (a failing broker should fail a
// test quickly, not after kafkajs' default minute of backoff), and topic creation for clients that
// cannot create topics themselves (kcat, Sarama at its default protocol version).
import { Kafka, logLevel } from "kafkajs";

export function kafkajsClient(bootstrap, clientId = "samsa-compat") {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/** Creates `topic` (one partition by default) through the broker's CreateTopics API and waits for it. */
export async function createTopic(bootstrap, topic, { partitions = 1 } = {}) {
  const admin = kafkajsClient(bootstrap, "samsa-compat-admin").admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 10_000,
    });
    if (!created) throw new Error(`CreateTopics: ${topic} already exists`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Appends `perPartition` records keyed `<tag>-<partition>-<i>` to each of `partitions` partitions
 * (offsets continue from earlier calls), acks=-1.
 */
export async function producePerPartition(bootstrap, topic, partitions, perPartition, tag) {
  const producer = kafkajsClient(bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = [];
    for (let p = 0; p < partitions; p++)
      for (let i = 0; i < perPartition; i++) messages.push({ partition: p, key: `${tag}-${p}-${i}`, value: tag });
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** The group's committed offset of each partition of `topic`, by partition. */
export async function committedOffsets(admin, groupId, topic) {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(t.partitions.map((p) => [p.partition, Number(p.offset)]));
}
