import { AclOperation } from "@samsa/metadata";
import type { DeleteGroupsResult } from "@samsa/coordinator";
import { ErrorCode } from "@samsa/protocol";
import { answerOr } from "../group-coordinator-service.js";
import { groupAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** DeleteGroups: empty groups only (NON_EMPTY_GROUP otherwise); their offsets go with them. */
export const deleteGroupsHandler = defineHandler({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const early = new Map<string, number>();
    const ready: string[] = [];
    for (const g of req.groupsNames) {
      const notReady = !groupAllowed(ctx, g, AclOperation.DELETE)
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : g === ""
          ? ErrorCode.NONE
          : ctx.groups.coordinatorError(g);
      if (notReady === ErrorCode.NONE) ready.push(g);
      else early.set(g, notReady);
    }
    const result = await answerOr(
      ctx.groups.run<DeleteGroupsResult>((reply, nowMs) => ctx.groups.coordinator.deleteGroups(ready, reply, nowMs)),
      (errorCode) => ({ results: ready.map((groupId) => ({ groupId, errorCode })) }),
    );
    const codes = new Map(result.results.map((r) => [r.groupId, r.errorCode]));
    return {
      throttleTimeMs: 0,
      results: req.groupsNames.map((groupId) => ({
        groupId,
        errorCode: early.get(groupId) ?? codes.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR,
      })),
    };
  },
});
