import { type ErrorName, ErrorCode } from "@samsa/protocol";
import { AclOperation } from "@samsa/metadata";
import { clusterAllowed, topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/**
 * OffsetForLeaderEpoch v0-v4: the end offset of a leader epoch from the log's epoch cache (the log
 * end offset for the current epoch, else where the next epoch starts), after the current leader
 * epoch check. Consumers use it to detect log divergence after a leader change.
 */
export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: 23,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const { replicas } = ctx.dataPath;
    // Brokers ask with CLUSTER_ACTION on the cluster, consumers (KIP-320) with DESCRIBE on the topic.
    const clusterAction = clusterAllowed(ctx, AclOperation.CLUSTER_ACTION);
    const allowed = (topic: string) => clusterAction || topicAllowed(ctx, topic, AclOperation.DESCRIBE);
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        topic: t.topic,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const answer = (error: ErrorName, leaderEpoch = -1, endOffset = -1) => ({
              errorCode: ErrorCode[error],
              partition: p.partition,
              leaderEpoch: ctx.apiVersion >= 1 ? leaderEpoch : -1,
              endOffset: BigInt(endOffset),
            });
            if (!allowed(t.topic)) return answer("TOPIC_AUTHORIZATION_FAILED");
            const found = await replicas.getPartition(t.topic, p.partition);
            if ("error" in found) return answer(found.error);
            const fenced = found.partition.state.checkLeaderEpoch(p.currentLeaderEpoch);
            if (fenced !== undefined) return answer(fenced);
            const end = found.partition.log.endOffsetForEpoch(p.leaderEpoch);
            if (end.endOffset < 0) return answer("NONE");
            return answer("NONE", end.epoch, end.endOffset);
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});
