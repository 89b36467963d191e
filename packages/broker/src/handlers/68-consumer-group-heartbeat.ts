import { AclOperation } from "@samsa/metadata";
import type { ConsumerHeartbeatResult } from "@samsa/coordinator";
import { type ConsumerGroupHeartbeatResponse, ErrorCode } from "@samsa/protocol";
import { answerOr, topicsView } from "../group-coordinator-service.js";
import { groupAllowed, topicAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

function toResponse(r: ConsumerHeartbeatResult): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    memberId: r.memberId,
    memberEpoch: r.memberEpoch,
    heartbeatIntervalMs: r.heartbeatIntervalMs,
    assignment: r.assignment === null ? null : { topicPartitions: r.assignment.map((t) => ({ ...t })) },
  };
}

const errorResult = (errorCode: number): ConsumerHeartbeatResult => ({
  errorCode,
  errorMessage: null,
  memberId: null,
  memberEpoch: -1,
  heartbeatIntervalMs: 0,
  assignment: null,
});

/** ConsumerGroupHeartbeat (KIP-848): membership, subscriptions and server-side assignment in one call. */
export const consumerGroupHeartbeatHandler = defineHandler({
  apiKey: 68,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req, header) {
    // librdkafka sends "" for "no regex", as Kafka reads it.
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== "")
      return toResponse({
        ...errorResult(ErrorCode.INVALID_REQUEST),
        errorMessage: "SubscribedTopicRegex is not supported.",
      });
    if (!groupAllowed(ctx, req.groupId, AclOperation.READ))
      return toResponse(errorResult(ErrorCode.GROUP_AUTHORIZATION_FAILED));
    // Subscribing to a topic needs DESCRIBE on it, as Kafka checks.
    if (req.subscribedTopicNames?.some((t) => !topicAllowed(ctx, t, AclOperation.DESCRIBE)))
      return toResponse(errorResult(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    const notReady = req.groupId === "" ? ErrorCode.NONE : ctx.groups.coordinatorError(req.groupId);
    if (notReady !== ErrorCode.NONE) return toResponse(errorResult(notReady));
    const input = {
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: header.clientId ?? "",
      clientHost: `/${ctx.connection.remoteAddress}`,
    };
    const topics = topicsView(ctx.metadata);
    const result = await answerOr(
      ctx.groups.run<ConsumerHeartbeatResult>((reply, nowMs) =>
        ctx.groups.coordinator.consumerGroupHeartbeat(input, topics, reply, nowMs),
      ),
      errorResult,
    );
    return toResponse(result);
  },
});
