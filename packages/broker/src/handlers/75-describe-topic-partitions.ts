import { AclOperation, isInternalTopic, type TopicImage, ZERO_UUID } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { AUTHORIZED_OPERATIONS_OMITTED } from "../admin/acl-operations.js";
import { topicAllowed, topicOperationsField } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type Topic = ResponseByApiKey[75]["topics"][number];

/** Kafka's cap on partitions per response (max.request.partition.size.limit). */
export const MAX_PARTITIONS_PER_RESPONSE = 2000;

function partitionsOf(topic: TopicImage, from: number, limit: number): Topic["partitions"] {
  return topic.partitions.slice(from, from + limit).map((p) => ({
    errorCode: ErrorCode.NONE,
    partitionIndex: p.partitionIndex,
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: [...p.replicas],
    isrNodes: [...p.isr],
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    offlineReplicas: [],
  }));
}

function failedTopic(name: string, errorCode: number): Topic {
  return {
    errorCode,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** DescribeTopicPartitions: topics sorted by name, paged by partition count with a cursor. */
export const describeTopicPartitionsHandler = defineHandler({
  apiKey: 75,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const image = ctx.metadata.image;
    const limit = Math.max(1, Math.min(request.responsePartitionLimit, MAX_PARTITIONS_PER_RESPONSE));
    const names = (
      request.topics.length === 0 ? [...image.topics.keys()] : [...new Set(request.topics.map((t) => t.name))]
    ).sort();
    const cursor = request.cursor;
    const topics: Topic[] = [];
    let budget = limit;
    let nextCursor: ResponseByApiKey[75]["nextCursor"] = null;
    for (const name of names) {
      if (cursor !== null && name < cursor.topicName) continue;
      const topic = image.topics.get(name);
      // Listing all topics leaves out those the caller may not describe; named ones fail.
      const allowed = topicAllowed(ctx, name, AclOperation.DESCRIBE);
      if (!allowed || topic === undefined) {
        if (request.topics.length > 0) {
          topics.push(
            failedTopic(name, allowed ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED),
          );
        }
        continue;
      }
      if (budget === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const from = cursor !== null && name === cursor.topicName ? Math.max(0, cursor.partitionIndex) : 0;
      const partitions = partitionsOf(topic, from, budget);
      budget -= partitions.length;
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topic.topicId,
        isInternal: isInternalTopic(name),
        partitions,
        topicAuthorizedOperations: topicOperationsField(ctx, true, name),
      });
      if (from + partitions.length < topic.partitions.length) {
        nextCursor = { topicName: name, partitionIndex: from + partitions.length };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});
