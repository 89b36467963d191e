import { type AclBinding, AclOperation, filterMatches, invalidFilterReason } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type Resource = ResponseByApiKey[29]["resources"][number];

/** Groups bindings by resource pattern, in the order first seen. */
function byResource(acls: readonly AclBinding[]): Resource[] {
  const out = new Map<string, Resource>();
  for (const a of acls) {
    const key = `${a.resourceType}\u0000${a.patternType}\u0000${a.resourceName}`;
    let r = out.get(key);
    if (r === undefined) {
      r = { resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, acls: [] };
      out.set(key, r);
    }
    r.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType });
  }
  return [...out.values()];
}

/** DescribeAcls: the bindings a filter matches; needs DESCRIBE on the cluster. */
export const describeAclsHandler = defineHandler({
  apiKey: 29,
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, request) {
    const fail = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      resources: [],
    });
    if (ctx.authorizer === null) return fail(ErrorCode.SECURITY_DISABLED, "No Authorizer is configured on the broker");
    if (!clusterAllowed(ctx, AclOperation.DESCRIBE))
      return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
    const filter = {
      resourceType: request.resourceTypeFilter,
      resourceName: request.resourceNameFilter,
      patternType: request.patternTypeFilter,
      principal: request.principalFilter,
      host: request.hostFilter,
      operation: request.operation,
      permissionType: request.permissionType,
    };
    const reason = invalidFilterReason(filter);
    if (reason !== undefined) return fail(ErrorCode.INVALID_REQUEST, reason);
    const matched = ctx.metadata.image.acls.filter((a) => filterMatches(filter, a));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: byResource(matched) };
  },
});
