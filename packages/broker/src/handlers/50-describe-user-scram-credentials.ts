import { AclOperation, scramCredentialsOf } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { scramMechanismByName } from "../security/scram-mechanism.js";
import { defineHandler } from "./handler.js";

/** DescribeUserScramCredentials: mechanisms and iterations (never keys) of the users asked, or of all. */
export const describeUserScramCredentialsHandler = defineHandler({
  apiKey: 50,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    if (!clusterAllowed(ctx, AclOperation.DESCRIBE)) {
      const errorMessage = "Cluster authorization failed.";
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage, results: [] };
    }
    const all = scramCredentialsOf(ctx.metadata.image);
    const describe = (user: string) => {
      const creds = all.get(user);
      if (creds === undefined) {
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
          credentialInfos: [],
        };
      }
      const credentialInfos = Object.entries(creds).flatMap(([name, c]) => {
        const m = scramMechanismByName(name);
        return m === undefined ? [] : [{ mechanism: m.type, iterations: c.iterations }];
      });
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
    };
    const base = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null };
    if (request.users === null || request.users.length === 0) {
      return { ...base, results: [...all.keys()].sort().map(describe) };
    }
    const counts = new Map<string, number>();
    for (const u of request.users) counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
    const results = [...counts].map(([user, n]) =>
      n > 1
        ? {
            user,
            errorCode: ErrorCode.DUPLICATE_RESOURCE,
            errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
            credentialInfos: [],
          }
        : describe(user),
    );
    return { ...base, results };
  },
});
