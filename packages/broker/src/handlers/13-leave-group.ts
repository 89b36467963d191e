import type { LeaveGroupResult } from "@samsa/coordinator";
import { ErrorCode, type LeaveGroupResponse } from "@samsa/protocol";
import { answerOr } from "../group-coordinator-service.js";
import { AclOperation } from "@samsa/metadata";
import { groupError } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** LeaveGroup: one member (v0-v2) or a batch by member or instance id (v3+, KIP-345). */
export const leaveGroupHandler = defineHandler({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req): Promise<LeaveGroupResponse> {
    const batch = ctx.apiVersion >= 3;
    const notReady = groupError(ctx, req.groupId, AclOperation.READ);
    if (notReady !== ErrorCode.NONE && req.groupId !== "")
      return { throttleTimeMs: 0, errorCode: notReady, members: [] };
    const members = batch
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: req.memberId, groupInstanceId: null }];
    const result = await answerOr(
      ctx.groups.run<LeaveGroupResult>((reply, nowMs) =>
        ctx.groups.coordinator.leaveGroup({ groupId: req.groupId, members }, reply, nowMs),
      ),
      (errorCode) => ({ errorCode, members: [] }),
    );
    if (!batch) {
      // Before v3 the one member's error is the top-level error.
      const errorCode = result.errorCode !== ErrorCode.NONE ? result.errorCode : (result.members[0]?.errorCode ?? 0);
      return { throttleTimeMs: 0, errorCode, members: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      members: result.members.map((m) => ({ ...m })),
    };
  },
});
