import {
  AclOperation,
  invalidTopicNameReason,
  isInternalTopic,
  type TopicImage,
  topicById,
  ZERO_UUID,
} from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { AUTHORIZED_OPERATIONS_OMITTED } from "../admin/acl-operations.js";
import { endpointFor } from "../admin/endpoints.js";
import { autoCreateTopics } from "../admin/topics.js";
import {
  clusterOperationsField,
  createTopicAllowed,
  topicAllowed,
  topicOperationsField,
} from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

type MetadataTopic = ResponseByApiKey[3]["topics"][number];

function describeTopic(
  ctx: RequestContext,
  topic: TopicImage,
  includeOps: boolean,
  live: ReadonlySet<number>,
): MetadataTopic {
  // Reached by topic id (names are checked first): Kafka answers with the id and no name.
  if (!topicAllowed(ctx, topic.name, AclOperation.DESCRIBE)) {
    return errorTopic(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, topic.topicId);
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.map((p) => ({
      // A partition whose replicas are all down has no leader (-1) until one comes back.
      errorCode: p.leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partitionIndex,
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((r) => !live.has(r)),
    })),
    topicAuthorizedOperations: topicOperationsField(ctx, includeOps, topic.name),
  };
}

function errorTopic(errorCode: number, name: string | null, topicId = ZERO_UUID): MetadataTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: name !== null && isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/**
 * Unknown topics by name: auto-created (as one metadata change) when allowed, answering
 * LEADER_NOT_AVAILABLE like Kafka does for a topic it has just created; else UNKNOWN_TOPIC_OR_PARTITION.
 */
async function unknownTopics(
  ctx: RequestContext,
  names: readonly string[],
  allowAutoCreate: boolean,
): Promise<MetadataTopic[]> {
  if (!allowAutoCreate || !ctx.config.bool("auto.create.topics.enable")) {
    return names.map((name) => errorTopic(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name));
  }
  const outcomes = new Map<string, number>();
  // Auto-creation needs CREATE on the cluster or the topic (checked only with an authorizer).
  const valid = names.filter((name) => {
    if (invalidTopicNameReason(name) !== undefined) return false;
    if (ctx.authorizer !== null && !createTopicAllowed(ctx, name)) {
      outcomes.set(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      return false;
    }
    return true;
  });
  const created = await autoCreateTopics(ctx, valid);
  valid.forEach((name, i) => {
    const o = created[i];
    outcomes.set(
      name,
      o.ok || o.error.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS ? ErrorCode.LEADER_NOT_AVAILABLE : o.error.errorCode,
    );
  });
  return names.map((name) => errorTopic(outcomes.get(name) ?? ErrorCode.INVALID_TOPIC_EXCEPTION, name));
}

/** Metadata: brokers (on the listener asked), cluster id, controller, topics with leaders and epochs. */
export const metadataHandler = defineHandler({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, request) {
    const image = ctx.metadata.image;
    const live = new Set(image.brokers.map((b) => b.nodeId));
    const v = ctx.apiVersion;
    const includeOps = v >= 8 && request.includeTopicAuthorizedOperations;
    // v0 has no null: an empty list means all topics there, and no topics from v1 on.
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    const allowAutoCreate = v < 4 || request.allowAutoTopicCreation;
    const topics: MetadataTopic[] = [];
    if (all) {
      for (const t of image.topics.values()) {
        // Listing all topics leaves out those the caller may not describe.
        if (topicAllowed(ctx, t.name, AclOperation.DESCRIBE)) topics.push(describeTopic(ctx, t, includeOps, live));
      }
    } else {
      const seen = new Set<string>();
      const unknown: { index: number; name: string }[] = [];
      for (const wanted of request.topics ?? []) {
        if (wanted.name === null) {
          const t = topicById(image, wanted.topicId);
          topics.push(
            t === undefined
              ? errorTopic(ErrorCode.UNKNOWN_TOPIC_ID, null, wanted.topicId)
              : describeTopic(ctx, t, includeOps, live),
          );
          continue;
        }
        if (seen.has(wanted.name)) continue;
        seen.add(wanted.name);
        const t = image.topics.get(wanted.name);
        if (!topicAllowed(ctx, wanted.name, AclOperation.DESCRIBE)) {
          topics.push(errorTopic(ErrorCode.TOPIC_AUTHORIZATION_FAILED, wanted.name));
          continue;
        }
        if (t === undefined) unknown.push({ index: topics.length, name: wanted.name });
        topics.push(
          t === undefined
            ? errorTopic(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, wanted.name)
            : describeTopic(ctx, t, includeOps, live),
        );
      }
      if (unknown.length > 0) {
        const answers = await unknownTopics(
          ctx,
          unknown.map((u) => u.name),
          allowAutoCreate,
        );
        unknown.forEach((u, i) => {
          topics[u.index] = answers[i];
        });
      }
    }
    const endpoint = endpointFor(ctx.identity, ctx.connection.listenerName);
    const brokers =
      endpoint === undefined
        ? []
        : [{ nodeId: ctx.identity.nodeId, host: endpoint.host, port: endpoint.port, rack: ctx.identity.rack }];
    // Cluster mode: the other live brokers, on the listener this request came in on.
    for (const b of image.brokers) {
      if (b.nodeId === ctx.identity.nodeId) continue;
      const l = b.listeners.find((x) => x.name === ctx.connection.listenerName) ?? b.listeners[0];
      if (l !== undefined) brokers.push({ nodeId: b.nodeId, host: l.host, port: l.port, rack: b.rack });
    }
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: ctx.identity.clusterId,
      controllerId: image.controllerId,
      topics,
      clusterAuthorizedOperations: clusterOperationsField(
        ctx,
        v >= 8 && v <= 10 && request.includeClusterAuthorizedOperations,
      ),
    };
  },
});
