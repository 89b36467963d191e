import { AclOperation, alterReassignments } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { decideAsController } from "../cluster/controller-admin.js";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type TopicResponse = ResponseByApiKey[45]["responses"][number];

/**
 * AlterPartitionReassignments: the controller adds the target replicas (adding/removing as in
 * Kafka's PartitionRecord); they catch up by follower fetch and join the ISR, then the controller
 * switches to the target. Null replicas cancel a reassignment in progress.
 */
export const alterPartitionReassignmentsHandler = defineHandler({
  apiKey: 45,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const requests = request.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })),
    );
    const unclean = ctx.controllerAdmin?.uncleanElection ?? ctx.config.bool("unclean.leader.election.enable");
    const allowed = clusterAllowed(ctx, AclOperation.ALTER);
    const r = allowed
      ? await decideAsController(ctx, (image, live) =>
          alterReassignments(image, requests, { live, uncleanElection: unclean }),
        )
      : undefined;
    const responses = (code: (i: number) => number, message: (i: number) => string | null): TopicResponse[] => {
      const byTopic = new Map<string, TopicResponse>();
      requests.forEach((req, i) => {
        let t = byTopic.get(req.topic);
        if (t === undefined) {
          t = { name: req.topic, partitions: [] };
          byTopic.set(req.topic, t);
        }
        t.partitions.push({ partitionIndex: req.partition, errorCode: code(i), errorMessage: message(i) });
      });
      return [...byTopic.values()];
    };
    if (r === undefined || !r.ok) {
      const errorCode = !allowed
        ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED
        : r === undefined
          ? ErrorCode.NOT_CONTROLLER
          : r.error.errorCode;
      const errorMessage = !allowed
        ? "Not authorized to ALTER the cluster."
        : r === undefined
          ? "This broker is not the controller."
          : r.error.errorMessage;
      return {
        throttleTimeMs: 0,
        errorCode,
        errorMessage,
        responses: responses(
          () => errorCode,
          () => errorMessage,
        ),
      };
    }
    const outcomes = r.value;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: responses(
        (i) => outcomes[i].error?.errorCode ?? ErrorCode.NONE,
        (i) => outcomes[i].error?.errorMessage ?? null,
      ),
    };
  },
});
