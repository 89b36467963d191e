import type { OffsetCommitResult } from "@samsa/coordinator";
import { ErrorCode, type OffsetCommitResponse } from "@samsa/protocol";
import { answerOr } from "../group-coordinator-service.js";
import { AclOperation } from "@samsa/metadata";
import { groupError, topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/**
 * OffsetCommit: partitions of topics this broker doesn't have get UNKNOWN_TOPIC_OR_PARTITION as in
 * Kafka; the rest go to the coordinator and are answered once their records are appended.
 */
export const offsetCommitHandler = defineHandler({
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req): Promise<OffsetCommitResponse> {
    const all = (errorCode: number): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    });
    const notReady = groupError(ctx, req.groupId, AclOperation.READ);
    if (notReady !== ErrorCode.NONE && req.groupId !== "") return all(notReady);
    const image = ctx.metadata.image;
    const readable = (topic: string) => topicAllowed(ctx, topic, AclOperation.READ);
    const known = (topic: string, partition: number) => {
      const t = image.topics.get(topic);
      return t !== undefined && partition >= 0 && partition < t.partitions.length;
    };
    const topics = req.topics
      .map((t) => ({
        name: t.name,
        partitions: t.partitions
          .filter((p) => readable(t.name) && known(t.name, p.partitionIndex))
          .map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: ctx.apiVersion >= 6 ? p.committedLeaderEpoch : -1,
            committedMetadata: p.committedMetadata,
          })),
      }))
      .filter((t) => t.partitions.length > 0);
    const input = {
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      generationId: req.generationIdOrMemberEpoch,
      retentionTimeMs: ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? Number(req.retentionTimeMs) : -1,
      groupIdNotFoundError: ctx.apiVersion >= 9,
      topics,
    };
    const result =
      topics.length === 0
        ? { topics: [] }
        : await answerOr(
            ctx.groups.run<OffsetCommitResult>((reply, nowMs) =>
              ctx.groups.coordinator.commitOffsets(input, reply, nowMs),
            ),
            (errorCode) => ({
              topics: topics.map((t) => ({
                name: t.name,
                partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
              })),
            }),
          );
    const codes = new Map<string, number>();
    for (const t of result.topics)
      for (const p of t.partitions) codes.set(`${t.name}\0${p.partitionIndex}`, p.errorCode);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode:
            codes.get(`${t.name}\0${p.partitionIndex}`) ??
            (readable(t.name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED),
        })),
      })),
    };
  },
});
