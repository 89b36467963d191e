import { AclOperation } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { clusterAllowed, groupAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** ListGroups: every group this broker coordinates, filtered by state (v4+) and type (v5+). */
export const listGroupsHandler = defineHandler({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    // Without DESCRIBE on the cluster, only the groups the caller may describe are listed.
    const all = clusterAllowed(ctx, AclOperation.DESCRIBE);
    const groups = ctx.groups.coordinator
      .listGroups(req.statesFilter, req.typesFilter)
      .filter((g) => all || groupAllowed(ctx, g.groupId, AclOperation.DESCRIBE));
    return {
      throttleTimeMs: 0,
      errorCode: ctx.groups.loading() ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE,
      groups: groups.map((g) => ({ ...g })),
    };
  },
});
