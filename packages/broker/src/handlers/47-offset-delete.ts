import { AclOperation } from "@samsa/metadata";
import type { OffsetDeleteResult } from "@samsa/coordinator";
import { ErrorCode } from "@samsa/protocol";
import { answerOr } from "../group-coordinator-service.js";
import { groupAllowed, topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** OffsetDelete (KIP-496): removes committed offsets of a group that no member is consuming. */
export const offsetDeleteHandler = defineHandler({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const notReady = !groupAllowed(ctx, req.groupId, AclOperation.DELETE)
      ? ErrorCode.GROUP_AUTHORIZATION_FAILED
      : req.groupId === ""
        ? ErrorCode.NONE
        : ctx.groups.coordinatorError(req.groupId);
    if (notReady !== ErrorCode.NONE) return { errorCode: notReady, throttleTimeMs: 0, topics: [] };
    const image = ctx.metadata.image;
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitionIndexes: t.partitions.map((p) => p.partitionIndex),
    }));
    const result = await answerOr(
      ctx.groups.run<OffsetDeleteResult>((reply, nowMs) =>
        ctx.groups.coordinator.deleteOffsets(req.groupId, topics, reply, nowMs),
      ),
      (errorCode) => ({ errorCode, topics: [] }),
    );
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: result.topics.map((t) => {
        const topic = image.topics.get(t.name);
        return {
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: !topicAllowed(ctx, t.name, AclOperation.READ)
              ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
              : topic === undefined || p.partitionIndex >= topic.partitions.length
                ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                : p.errorCode,
          })),
        };
      }),
    };
  },
});
