import { AclOperation, isInternalTopic } from "@samsa/metadata";
import { type ErrorName, ErrorCode } from "@samsa/protocol";
import { topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** DeleteRecords' "up to the high watermark" offset. */
const HIGH_WATERMARK = -1;

/**
 * DeleteRecords v0-v2: moves each partition's log start offset (offset -1 means the high
 * watermark). Refused on internal topics (INVALID_TOPIC_EXCEPTION), on topics without the delete
 * cleanup policy (POLICY_VIOLATION) and beyond the HW (OFFSET_OUT_OF_RANGE). With no followers to
 * wait for, the low watermark is the leader's new log start offset at once.
 */
export const deleteRecordsHandler = defineHandler({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const { replicas } = ctx.dataPath;
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const answer = (error: ErrorName, lowWatermark = -1) => ({
              partitionIndex: p.partitionIndex,
              lowWatermark: BigInt(lowWatermark),
              errorCode: ErrorCode[error],
            });
            if (!topicAllowed(ctx, t.name, AclOperation.DELETE)) return answer("TOPIC_AUTHORIZATION_FAILED");
            const found = await replicas.getPartition(t.name, p.partitionIndex);
            if ("error" in found) return answer(found.error);
            if (isInternalTopic(t.name)) return answer("INVALID_TOPIC_EXCEPTION");
            const partition = found.partition;
            if (!partition.settings.delete) return answer("POLICY_VIOLATION");
            const requested = Number(p.offset);
            const offset = requested === HIGH_WATERMARK ? partition.state.highWatermark : requested;
            const refused = await partition.deleteRecordsBefore(offset);
            if (refused !== undefined) return answer(refused);
            return answer("NONE", partition.log.logStartOffset);
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});
