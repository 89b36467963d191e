import type { JoinGroupResult } from "@samsa/coordinator";
import { ErrorCode, type JoinGroupResponse } from "@samsa/protocol";
import { answerOr } from "../group-coordinator-service.js";
import { AclOperation } from "@samsa/metadata";
import { groupError } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

function toResponse(r: JoinGroupResult, version: number): JoinGroupResponse {
  // Protocol type and name became nullable in v7; older versions carry "" instead.
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: version >= 7 ? r.protocolType : null,
    protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ""),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
  };
}

function errorResult(memberId: string, errorCode: number): JoinGroupResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    memberId,
    members: [],
    skipAssignment: false,
  };
}

/** JoinGroup: parked until the rebalance completes; member id required from v4 (KIP-394). */
export const joinGroupHandler = defineHandler({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req, header) {
    const version = ctx.apiVersion;
    const notReady = groupError(ctx, req.groupId, AclOperation.READ);
    if (notReady !== ErrorCode.NONE && req.groupId !== "")
      return toResponse(errorResult(req.memberId, notReady), version);
    const input = {
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: header.clientId ?? "",
      clientHost: `/${ctx.connection.remoteAddress}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: the session timeout bounds the rebalance too.
      rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: version >= 4,
      supportsSkipAssignment: version >= 9,
    };
    const result = await answerOr(
      ctx.groups.run<JoinGroupResult>((reply, nowMs) => ctx.groups.coordinator.joinGroup(input, reply, nowMs)),
      (code) => errorResult(req.memberId, code),
    );
    return toResponse(result, version);
  },
});
