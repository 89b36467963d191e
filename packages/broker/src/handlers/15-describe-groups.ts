import { AclOperation, ResourceType } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { authorizedOperations, groupAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** Kafka's "not requested" value of authorized operations. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** DescribeGroups: state, protocol and members; metadata and assignments only when Stable. */
export const describeGroupsHandler = defineHandler({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        const notReady = !groupAllowed(ctx, groupId, AclOperation.DESCRIBE)
          ? ErrorCode.GROUP_AUTHORIZATION_FAILED
          : groupId === ""
            ? ErrorCode.NONE
            : ctx.groups.coordinatorError(groupId);
        const d =
          notReady === ErrorCode.NONE
            ? ctx.groups.coordinator.describeGroup(groupId)
            : { errorCode: notReady, groupId, groupState: "", protocolType: "", protocolData: "", members: [] };
        return {
          errorCode: d.errorCode,
          groupId,
          groupState: d.groupState,
          protocolType: d.protocolType,
          protocolData: d.protocolData,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations:
            ctx.apiVersion >= 3 && req.includeAuthorizedOperations && d.errorCode === ErrorCode.NONE
              ? authorizedOperations(ctx, ResourceType.GROUP, groupId)
              : NO_AUTHORIZED_OPERATIONS,
        };
      }),
    };
  },
});
