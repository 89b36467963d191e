import { AclOperation, createPartitions } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type PartitionsResult = ResponseByApiKey[37]["results"][number];

/** CreatePartitions: grows topics (never shrinks), with optional manual assignments; validate_only. */
export const createPartitionsHandler = defineHandler({
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: PartitionsResult[] = [];
    for (const t of request.topics) {
      const result = (errorCode: number, errorMessage: string | null): PartitionsResult => ({
        name: t.name,
        errorCode,
        errorMessage,
      });
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push(result(ErrorCode.INVALID_REQUEST, "Duplicate topic in request."));
        continue;
      }
      if (!topicAllowed(ctx, t.name, AclOperation.ALTER)) {
        results.push(result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed."));
        continue;
      }
      const spec = {
        name: t.name,
        count: t.count,
        assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds),
      };
      if (request.validateOnly) {
        const r = createPartitions(ctx.metadata.image, spec);
        results.push(r.ok ? result(ErrorCode.NONE, null) : result(r.error.errorCode, r.error.errorMessage));
        continue;
      }
      const r = await ctx.metadata.apply((image) => createPartitions(image, spec));
      if (!r.ok) {
        results.push(result(r.error.errorCode, r.error.errorMessage));
        continue;
      }
      const topic = r.image.topics.get(t.name)!;
      try {
        for (const p of r.value) await ctx.logs.createLog(t.name, p.partitionIndex, topic.topicId, topic.configs);
        results.push(result(ErrorCode.NONE, null));
      } catch (e) {
        ctx.log.error({ topic: t.name, err: (e as Error).message }, "creating partition logs failed");
        results.push(result(ErrorCode.KAFKA_STORAGE_ERROR, `Creating the logs of ${t.name} failed`));
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
