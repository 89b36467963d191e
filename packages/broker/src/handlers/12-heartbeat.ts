import { ErrorCode } from "@samsa/protocol";
import { AclOperation } from "@samsa/metadata";
import { groupError } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. */
export const heartbeatHandler = defineHandler({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const notReady = groupError(ctx, req.groupId, AclOperation.READ);
    const errorCode =
      notReady !== ErrorCode.NONE && req.groupId !== ""
        ? notReady
        : ctx.groups.coordinator.heartbeat(
            {
              groupId: req.groupId,
              memberId: req.memberId,
              groupInstanceId: req.groupInstanceId,
              generationId: req.generationId,
            },
            ctx.clock.nowMs(),
          );
    ctx.groups.rearm();
    return { throttleTimeMs: 0, errorCode };
  },
});
