import { AclOperation } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { topicsView } from "../group-coordinator-service.js";
import { groupAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** Kafka's "not requested" value of authorized operations. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** ConsumerGroupDescribe (KIP-848): epochs, assignor, members with current and target assignments. */
export const consumerGroupDescribeHandler = defineHandler({
  apiKey: 69,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const topics = topicsView(ctx.metadata);
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        const notReady = !groupAllowed(ctx, groupId, AclOperation.DESCRIBE)
          ? ErrorCode.GROUP_AUTHORIZATION_FAILED
          : groupId === ""
            ? ErrorCode.INVALID_GROUP_ID
            : ctx.groups.coordinatorError(groupId);
        if (notReady !== ErrorCode.NONE) {
          return {
            errorCode: notReady,
            errorMessage: null,
            groupId,
            groupState: "",
            groupEpoch: -1,
            assignmentEpoch: -1,
            assignorName: "",
            members: [],
            authorizedOperations: NO_AUTHORIZED_OPERATIONS,
          };
        }
        const d = ctx.groups.coordinator.describeConsumerGroup(groupId, topics);
        return {
          ...d,
          members: d.members.map((m) => ({
            ...m,
            subscribedTopicRegex: null,
            assignment: { topicPartitions: m.assignment },
            targetAssignment: { topicPartitions: m.targetAssignment },
          })),
          authorizedOperations: NO_AUTHORIZED_OPERATIONS,
        };
      }),
    };
  },
});
