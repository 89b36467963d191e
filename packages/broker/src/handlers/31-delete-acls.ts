import { AclOperation, deleteAcls } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** DeleteAcls: removes the bindings each filter matches (one change); needs ALTER on the cluster. */
export const deleteAclsHandler = defineHandler({
  apiKey: 31,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const all = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (ctx.authorizer === null) return all(ErrorCode.SECURITY_DISABLED, "No Authorizer is configured on the broker");
    if (!clusterAllowed(ctx, AclOperation.ALTER))
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
    const filters = request.filters.map((f) => ({
      resourceType: f.resourceTypeFilter,
      resourceName: f.resourceNameFilter,
      patternType: f.patternTypeFilter,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation,
      permissionType: f.permissionType,
    }));
    const r = await ctx.metadata.apply((image) => deleteAcls(image, filters));
    if (!r.ok) return all(r.error.errorCode, r.error.errorMessage);
    return {
      throttleTimeMs: 0,
      filterResults: r.value.map((res) =>
        res.error !== undefined
          ? { errorCode: res.error.errorCode, errorMessage: res.error.errorMessage, matchingAcls: [] }
          : {
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              matchingAcls: res.deleted.map((a) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...a })),
            },
      ),
    };
  },
});
