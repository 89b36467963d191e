import { AclOperation, type ElectionTarget, ElectionType, electLeadersFor } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { decideAsController } from "../cluster/controller-admin.js";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type TopicResult = ResponseByApiKey[43]["replicaElectionResults"][number];

/** Every named partition answered with one error (the request was not acted on). */
function allFailed(targets: readonly ElectionTarget[], errorCode: number, errorMessage: string): TopicResult[] {
  const byTopic = new Map<string, TopicResult>();
  for (const t of targets) {
    let r = byTopic.get(t.topic);
    if (r === undefined) {
      r = { topic: t.topic, partitionResult: [] };
      byTopic.set(t.topic, r);
    }
    r.partitionResult.push({ partitionId: t.partition, errorCode, errorMessage });
  }
  return [...byTopic.values()];
}

/**
 * ElectLeaders: the controller elects the preferred replica (type 0) or, for a partition without a
 * live leader, an ISR member or else any live replica (type 1). Null partitions mean all of them;
 * then partitions that need no election are left out, as Kafka does.
 */
export const electLeadersHandler = defineHandler({
  apiKey: 43,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const type = ctx.apiVersion >= 1 ? request.electionType : ElectionType.PREFERRED;
    const targets =
      request.topicPartitions === null
        ? undefined
        : request.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const answer = (errorCode: number, replicaElectionResults: TopicResult[]) => ({
      throttleTimeMs: 0,
      errorCode,
      replicaElectionResults,
    });
    if (!clusterAllowed(ctx, AclOperation.ALTER)) {
      const code = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return answer(code, allFailed(targets ?? [], code, "Not authorized to ALTER the cluster."));
    }
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
      const message = `Unknown election type ${type}.`;
      return answer(ErrorCode.INVALID_REQUEST, allFailed(targets ?? [], ErrorCode.INVALID_REQUEST, message));
    }
    const r = await decideAsController(ctx, (image, live) => electLeadersFor(image, type, targets, live));
    if (r === undefined) {
      const message = "This broker is not the controller.";
      return answer(ErrorCode.NOT_CONTROLLER, allFailed(targets ?? [], ErrorCode.NOT_CONTROLLER, message));
    }
    if (!r.ok) return answer(r.error.errorCode, allFailed(targets ?? [], r.error.errorCode, r.error.errorMessage));
    const byTopic = new Map<string, TopicResult>();
    for (const o of r.value) {
      let t = byTopic.get(o.topic);
      if (t === undefined) {
        t = { topic: o.topic, partitionResult: [] };
        byTopic.set(o.topic, t);
      }
      t.partitionResult.push({
        partitionId: o.partition,
        errorCode: o.error?.errorCode ?? ErrorCode.NONE,
        errorMessage: o.error?.errorMessage ?? null,
      });
    }
    return answer(ErrorCode.NONE, [...byTopic.values()]);
  },
});
