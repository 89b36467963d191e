#!/usr/bin/env node
// A small admin tool for partition reassignment and leader election against Samsa (or Kafka):
// finds the controller through Metadata and sends it ElectLeaders (43),
// AlterPartitionReassignments (45) or ListPartitionReassignments (46), asking again when the
// controller moved (NOT_CONTROLLER). Also importable: the tests drive it as functions.
//
//   node test/cluster/cluster-admin.mjs --bootstrap 127.0.0.1:9092 reassign --topic t --partition 0 --replicas 4,2,3
//   node test/cluster/cluster-admin.mjs --bootstrap 127.0.0.1:9092 reassign --topic t --partition 0 --cancel
//   node test/cluster/cluster-admin.mjs --bootstrap 127.0.0.1:9092 list-reassignments
//   node test/cluster/cluster-admin.mjs --bootstrap 127.0.0.1:9092 elect --type preferred [--topic t --partition 0]
import { parseArgs } from "node:util";
import { BrokerChannel } from "../../packages/broker/dist/cluster/broker-channel.js";

const TIMEOUT_MS = 15_000;
const NOT_CONTROLLER = 41;

function channelTo(hostPort) {
  const i = hostPort.lastIndexOf(":");
  return new BrokerChannel(hostPort.slice(0, i), Number(hostPort.slice(i + 1)), "samsa-cluster-admin");
}

/** The cluster as Metadata v12 shows it: brokers and the controller id. */
export async function describeCluster(bootstrap) {
  let lastError;
  for (const hostPort of bootstrap.split(",")) {
    const ch = channelTo(hostPort);
    try {
      const md = await ch.send(
        3,
        12,
        {
          topics: [],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        },
        TIMEOUT_MS,
      );
      return { brokers: md.brokers, controllerId: md.controllerId };
    } catch (e) {
      lastError = e;
    } finally {
      ch.close();
    }
  }
  throw lastError ?? new Error("no bootstrap broker answered");
}

/** Sends a request to the controller, asking again (up to `timeoutMs`) while it answers NOT_CONTROLLER. */
export async function sendToController(bootstrap, apiKey, version, body, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { brokers, controllerId } = await describeCluster(bootstrap);
    const controller = brokers.find((b) => b.nodeId === controllerId);
    if (controller !== undefined) {
      const ch = channelTo(`${controller.host}:${controller.port}`);
      try {
        const res = await ch.send(apiKey, version, body, TIMEOUT_MS);
        if (res.errorCode !== NOT_CONTROLLER) return res;
      } catch (e) {
        if (Date.now() > deadline) throw e;
      } finally {
        ch.close();
      }
    }
    if (Date.now() > deadline) throw new Error("no controller answered");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `assignments`: [{ topic, partition, replicas (null cancels) }]. Returns [{ topic, partition, errorCode, errorMessage }]. */
export async function alterReassignments(bootstrap, assignments) {
  const topics = new Map();
  for (const a of assignments) {
    if (!topics.has(a.topic)) topics.set(a.topic, []);
    topics.get(a.topic).push({ partitionIndex: a.partition, replicas: a.replicas });
  }
  const res = await sendToController(bootstrap, 45, 0, {
    timeoutMs: TIMEOUT_MS,
    topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
  });
  return res.responses.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      errorCode: p.errorCode,
      errorMessage: p.errorMessage,
    })),
  );
}

export async function listReassignments(bootstrap) {
  const res = await sendToController(bootstrap, 46, 0, { timeoutMs: TIMEOUT_MS, topics: null });
  return res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, ...p })));
}

/** `type` 0 preferred, 1 unclean; `partitions` [{ topic, partition }] or null for all. */
export async function electLeaders(bootstrap, type, partitions) {
  let topicPartitions = null;
  if (partitions !== null) {
    const byTopic = new Map();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    topicPartitions = [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps }));
  }
  const res = await sendToController(bootstrap, 43, 2, { electionType: type, topicPartitions, timeoutMs: TIMEOUT_MS });
  return {
    errorCode: res.errorCode,
    results: res.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((p) => ({
        topic: t.topic,
        partition: p.partitionId,
        errorCode: p.errorCode,
        errorMessage: p.errorMessage,
      })),
    ),
  };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      bootstrap: { type: "string", default: "127.0.0.1:9092" },
      topic: { type: "string" },
      partition: { type: "string" },
      replicas: { type: "string" },
      cancel: { type: "boolean", default: false },
      type: { type: "string", default: "preferred" },
    },
  });
  const [command] = positionals;
  const one = values.topic === undefined ? null : [{ topic: values.topic, partition: Number(values.partition ?? "0") }];
  let out;
  if (command === "reassign") {
    if (one === null || (values.replicas === undefined && !values.cancel))
      throw new Error("reassign needs --topic, --partition and --replicas 1,2,3 (or --cancel)");
    const replicas = values.cancel ? null : values.replicas.split(",").map(Number);
    out = await alterReassignments(values.bootstrap, [{ ...one[0], replicas }]);
  } else if (command === "list-reassignments") {
    out = await listReassignments(values.bootstrap);
  } else if (command === "elect") {
    out = await electLeaders(values.bootstrap, values.type === "unclean" ? 1 : 0, one);
  } else {
    throw new Error("commands: reassign, list-reassignments, elect");
  }
  console.log(JSON.stringify(out, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
