import {
  applyEach,
  type ChangeResult,
  type CreateTopicSpec,
  createTopic,
  deleteTopic,
  randomUuid,
  type TopicImage,
} from "@samsa/metadata";
import { normalizeTopicConfig, validateTopicConfig } from "../config/topic-config.js";
import type { BrokerServices } from "../handlers/handler.js";
import { ErrorCode } from "@samsa/protocol";

/** A Kafka error code with its message (metadata or storage failures). */
export interface TopicError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

export type TopicOutcome =
  | { readonly ok: true; readonly topic: TopicImage }
  | { readonly ok: false; readonly error: TopicError };

/** Internal topics get Kafka's fixed settings when they are created on demand. */
function internalTopicSpec(services: BrokerServices, name: string): CreateTopicSpec | undefined {
  const c = services.config;
  // A single node keeps factor 1; a cluster uses the configured factors, and while fewer brokers
  // are alive the creation fails and the coordinator answers COORDINATOR_NOT_AVAILABLE, as Kafka does.
  const clustered = c.get("etcd.endpoints") !== null;
  if (name === "__consumer_offsets") {
    return {
      name,
      numPartitions: c.int("offsets.topic.num.partitions"),
      replicationFactor: clustered ? c.int("offsets.topic.replication.factor") : 1,
      assignments: [],
      configs: {
        "cleanup.policy": "compact",
        "compression.type": "producer",
        "segment.bytes": c.get("offsets.topic.segment.bytes") ?? "104857600",
      },
    };
  }
  if (name === "__transaction_state") {
    return {
      name,
      numPartitions: c.int("transaction.state.log.num.partitions"),
      replicationFactor: clustered ? c.int("transaction.state.log.replication.factor") : 1,
      assignments: [],
      configs: {
        "cleanup.policy": "compact",
        "compression.type": "uncompressed",
        "min.insync.replicas": clustered ? String(c.int("transaction.state.log.min.isr")) : "1",
      },
    };
  }
  return undefined;
}

function createOptions(services: BrokerServices) {
  return {
    defaultPartitions: services.config.int("num.partitions"),
    defaultReplicationFactor: services.config.int("default.replication.factor"),
    validateConfig: validateTopicConfig,
    newTopicId: () => randomUuid(),
  };
}

/** Canonical config values, so DescribeConfigs shows what the broker will use. */
export function normalizeConfigs(configs: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configs))
    out[k] = validateTopicConfig(k, v) === undefined ? normalizeTopicConfig(k, v) : v;
  return out;
}

/** Validates a topic creation against the current image without changing anything. */
export function validateCreateTopic(services: BrokerServices, spec: CreateTopicSpec): ChangeResult<TopicImage> {
  return createTopic(
    services.metadata.image,
    { ...spec, configs: normalizeConfigs(spec.configs) },
    createOptions(services),
  );
}

async function createLogs(services: BrokerServices, topic: TopicImage): Promise<TopicOutcome> {
  try {
    for (const p of topic.partitions) {
      await services.logs.createLog(topic.name, p.partitionIndex, topic.topicId, topic.configs);
    }
    return { ok: true, topic };
  } catch (e) {
    services.log.error({ topic: topic.name, err: (e as Error).message }, "creating partition logs failed");
    return {
      ok: false,
      error: { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `Creating the logs of ${topic.name} failed` },
    };
  }
}

/** Creates topics in the metadata (one change for all), then their partition logs. */
export async function createTopicsWithLogs(
  services: BrokerServices,
  specs: readonly CreateTopicSpec[],
): Promise<TopicOutcome[]> {
  const opts = createOptions(services);
  const batch = await services.metadata.apply((image) =>
    applyEach(image, specs, (img, spec) =>
      createTopic(img, { ...spec, configs: normalizeConfigs(spec.configs) }, opts),
    ),
  );
  if (!batch.ok) return specs.map(() => batch);
  const out: TopicOutcome[] = [];
  for (const r of batch.value) out.push(r.ok ? await createLogs(services, r.value) : r);
  return out;
}

/** Creates a topic in the metadata, then its partition logs. */
export async function createTopicWithLogs(services: BrokerServices, spec: CreateTopicSpec): Promise<TopicOutcome> {
  return (await createTopicsWithLogs(services, [spec]))[0];
}

function autoCreateSpec(services: BrokerServices, name: string): CreateTopicSpec {
  return (
    internalTopicSpec(services, name) ?? {
      name,
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [],
      configs: {},
    }
  );
}

/** Auto-creation (Metadata, FindCoordinator): broker defaults, or Kafka's settings for internal topics. */
export function autoCreateTopic(services: BrokerServices, name: string): Promise<TopicOutcome> {
  return createTopicWithLogs(services, autoCreateSpec(services, name));
}

/** Auto-creates several topics as one metadata change. */
export function autoCreateTopics(services: BrokerServices, names: readonly string[]): Promise<TopicOutcome[]> {
  return createTopicsWithLogs(
    services,
    names.map((name) => autoCreateSpec(services, name)),
  );
}

/** Deletes topics from the metadata (one change for all), then their logs. */
export async function deleteTopicsWithLogs(
  services: BrokerServices,
  names: readonly string[],
): Promise<TopicOutcome[]> {
  const batch = await services.metadata.apply((image) => applyEach(image, names, deleteTopic));
  if (!batch.ok) return names.map(() => batch);
  const out: TopicOutcome[] = [];
  for (const r of batch.value) {
    if (!r.ok) {
      out.push(r);
      continue;
    }
    try {
      await services.logs.deleteLogs(
        r.value.name,
        r.value.partitions.map((p) => p.partitionIndex),
      );
    } catch (e) {
      services.log.error({ topic: r.value.name, err: (e as Error).message }, "deleting partition logs failed");
    }
    out.push({ ok: true, topic: r.value });
  }
  return out;
}

/** Deletes a topic from the metadata, then its logs. */
export async function deleteTopicWithLogs(services: BrokerServices, name: string): Promise<TopicOutcome> {
  return (await deleteTopicsWithLogs(services, [name]))[0];
}
