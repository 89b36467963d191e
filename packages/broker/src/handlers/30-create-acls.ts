import { AclOperation, createAcls } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** CreateAcls: adds bindings to the cluster metadata (one change); needs ALTER on the cluster. */
export const createAclsHandler = defineHandler({
  apiKey: 30,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const all = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      results: request.creations.map(() => ({ errorCode, errorMessage })),
    });
    if (ctx.authorizer === null) return all(ErrorCode.SECURITY_DISABLED, "No Authorizer is configured on the broker");
    if (!clusterAllowed(ctx, AclOperation.ALTER))
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
    const bindings = request.creations.map((c) => ({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permissionType: c.permissionType,
    }));
    const r = await ctx.metadata.apply((image) => createAcls(image, bindings));
    if (!r.ok) return all(r.error.errorCode, r.error.errorMessage);
    return {
      throttleTimeMs: 0,
      results: r.value.map((e) => ({
        errorCode: e?.errorCode ?? ErrorCode.NONE,
        errorMessage: e?.errorMessage ?? null,
      })),
    };
  },
});
