import type { SyncGroupResult } from "@samsa/coordinator";
import { EMPTY_BYTES, ErrorCode, type SyncGroupResponse } from "@samsa/protocol";
import { answerOr } from "../group-coordinator-service.js";
import { AclOperation } from "@samsa/metadata";
import { groupError } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

function toResponse(r: SyncGroupResult): SyncGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    protocolType: r.protocolType,
    protocolName: r.protocolName,
    assignment: r.assignment,
  };
}

const errorResult = (errorCode: number): SyncGroupResult => ({
  errorCode,
  protocolType: null,
  protocolName: null,
  assignment: EMPTY_BYTES,
});

/** SyncGroup: the leader's assignment is stored, then relayed to every member. */
export const syncGroupHandler = defineHandler({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const notReady = groupError(ctx, req.groupId, AclOperation.READ);
    if (notReady !== ErrorCode.NONE && req.groupId !== "") return toResponse(errorResult(notReady));
    const input = {
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      generationId: req.generationId,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    };
    const result = await answerOr(
      ctx.groups.run<SyncGroupResult>((reply, nowMs) => ctx.groups.coordinator.syncGroup(input, reply, nowMs)),
      errorResult,
    );
    return toResponse(result);
  },
});
