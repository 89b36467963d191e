import { AclOperation, type CreateTopicSpec, type TopicImage } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { ConfigSource } from "../admin/config-source.js";
import { createTopicsWithLogs, validateCreateTopic } from "../admin/topics.js";
import { describeTopicConfigs } from "../config/topic-config.js";
import { createTopicAllowed, topicAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

type TopicResult = ResponseByApiKey[19]["topics"][number];

function failed(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return {
    name,
    topicId: "AAAAAAAAAAAAAAAAAAAAAA",
    errorCode,
    errorMessage,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

function succeeded(ctx: RequestContext, topic: TopicImage): TopicResult {
  // The created topic's configs are shown only to who may describe them.
  if (!topicAllowed(ctx, topic.name, AclOperation.DESCRIBE_CONFIGS)) {
    return {
      ...failed(topic.name, ErrorCode.NONE, null),
      topicId: topic.topicId,
      topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      numPartitions: topic.partitions.length,
      replicationFactor: topic.partitions[0].replicas.length,
    };
  }
  return {
    name: topic.name,
    topicId: topic.topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: topic.partitions.length,
    replicationFactor: topic.partitions[0].replicas.length,
    configs: describeTopicConfigs(ctx.config, topic.configs).map((e) => ({
      name: e.def.name,
      value: e.value,
      readOnly: false,
      configSource: ConfigSource[e.source],
      isSensitive: false,
    })),
  };
}

/** CreateTopics: Kafka's validation (names, counts, replication factor on one node, configs), validate_only. */
export const createTopicsHandler = defineHandler({
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    const pending: { index: number; spec: CreateTopicSpec }[] = [];
    for (const t of request.topics) {
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push(
          failed(
            t.name,
            ErrorCode.INVALID_REQUEST,
            `Create topics request from client contains multiple entries for the topic ${t.name}.`,
          ),
        );
        continue;
      }
      if (!createTopicAllowed(ctx, t.name)) {
        results.push(failed(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed."));
        continue;
      }
      const configs: Record<string, string> = {};
      const nullConfig = t.configs.find((c) => c.value === null);
      if (nullConfig !== undefined) {
        results.push(
          failed(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfig.name}`),
        );
        continue;
      }
      for (const c of t.configs) configs[c.name] = c.value as string;
      const spec: CreateTopicSpec = {
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
        configs,
      };
      pending.push({ index: results.length, spec });
      results.push(failed(t.name, ErrorCode.UNKNOWN_SERVER_ERROR, null));
    }
    // All topics of one request go into the metadata as one change.
    const outcomes = request.validateOnly
      ? pending.map((p) => toOutcome(validateCreateTopic(ctx, p.spec)))
      : await createTopicsWithLogs(
          ctx,
          pending.map((p) => p.spec),
        );
    pending.forEach((p, i) => {
      const outcome = outcomes[i];
      results[p.index] = outcome.ok
        ? succeeded(ctx, outcome.topic)
        : failed(p.spec.name, outcome.error.errorCode, outcome.error.errorMessage);
    });
    // v0 has no error messages; the codec rejects non-default values in fields a version lacks.
    if (ctx.apiVersion < 1) for (const r of results) r.errorMessage = null;
    if (ctx.apiVersion < 5) {
      for (const r of results) {
        r.numPartitions = -1;
        r.replicationFactor = -1;
        r.configs = [];
      }
    }
    if (ctx.apiVersion < 7) for (const r of results) r.topicId = "AAAAAAAAAAAAAAAAAAAAAA";
    return { throttleTimeMs: 0, topics: results };
  },
});

function toOutcome(r: ReturnType<typeof validateCreateTopic>) {
  return r.ok ? ({ ok: true, topic: r.value } as const) : ({ ok: false, error: r.error } as const);
}
