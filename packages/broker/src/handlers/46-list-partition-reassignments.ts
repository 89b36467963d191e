import { AclOperation, listReassignments } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type TopicReassignment = ResponseByApiKey[46]["topics"][number];

/** ListPartitionReassignments: the reassignments in progress (all, or among the named partitions). */
export const listPartitionReassignmentsHandler = defineHandler({
  apiKey: 46,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    if (!clusterAllowed(ctx, AclOperation.DESCRIBE)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: "Not authorized to DESCRIBE the cluster.",
        topics: [],
      };
    }
    if (ctx.controllerAdmin !== undefined && ctx.metadata.image.controllerId !== ctx.identity.nodeId) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NOT_CONTROLLER,
        errorMessage: "This broker is not the controller.",
        topics: [],
      };
    }
    const filter =
      request.topics === null
        ? undefined
        : request.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
    const byTopic = new Map<string, TopicReassignment>();
    for (const o of listReassignments(ctx.metadata.image, filter)) {
      let t = byTopic.get(o.topic);
      if (t === undefined) {
        t = { name: o.topic, partitions: [] };
        byTopic.set(o.topic, t);
      }
      t.partitions.push({
        partitionIndex: o.partition,
        replicas: [...o.replicas],
        addingReplicas: [...o.addingReplicas],
        removingReplicas: [...o.removingReplicas],
      });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic.values()] };
  },
});
