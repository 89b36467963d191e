import { AclOperation, alterScramCredentials, type ScramCredentialOp, scramCredentialsOf } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { scramCredential, scramMechanismByType } from "../security/scram-mechanism.js";
import { defineHandler } from "./handler.js";

interface UserError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/**
 * AlterUserScramCredentials: upserts (the client sends salt, iterations and the salted password; the
 * broker keeps StoredKey/ServerKey) and deletions, validated per user as Kafka's controller does. A
 * user with any invalid operation has none applied.
 */
export const alterUserScramCredentialsHandler = defineHandler({
  apiKey: 51,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const users: string[] = [];
    const errors = new Map<string, UserError>();
    const seen = new Set<string>();
    const ops: ScramCredentialOp[] = [];
    const existing = scramCredentialsOf(ctx.metadata.image);
    if (!clusterAllowed(ctx, AclOperation.ALTER)) {
      const names = new Set([...request.deletions, ...request.upsertions].map((o) => o.name));
      return {
        throttleTimeMs: 0,
        results: [...names].map((user) => ({
          user,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: "Cluster authorization failed.",
        })),
      };
    }
    const reject = (user: string, errorCode: number, errorMessage: string) => {
      if (!errors.has(user)) errors.set(user, { errorCode, errorMessage });
    };
    const visit = (user: string, mechanismType: number) => {
      if (!users.includes(user)) users.push(user);
      const m = scramMechanismByType(mechanismType);
      if (user === "") reject(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
      else if (m === undefined) reject(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
      else if (seen.has(`${m.name}\u0000${user}`))
        reject(user, ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
      if (m !== undefined) seen.add(`${m.name}\u0000${user}`);
      return m;
    };
    for (const d of request.deletions) {
      const m = visit(d.name, d.mechanism);
      if (m === undefined) continue;
      if (existing.get(d.name)?.[m.name] === undefined)
        reject(d.name, ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
      ops.push({ user: d.name, mechanism: m.name, credential: null });
    }
    for (const u of request.upsertions) {
      const m = visit(u.name, u.mechanism);
      if (m === undefined) continue;
      if (u.iterations < m.minIterations) reject(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
      else if (u.iterations > m.maxIterations) reject(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
      else if (u.saltedPassword.length === 0 || u.salt.length === 0)
        reject(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Salt and salted password must not be empty");
      else
        ops.push({
          user: u.name,
          mechanism: m.name,
          credential: scramCredential(m, u.saltedPassword, u.salt, u.iterations),
        });
    }
    const valid = ops.filter((o) => !errors.has(o.user));
    if (valid.length > 0) {
      const result = await ctx.metadata.apply((image) => alterScramCredentials(image, valid));
      if (!result.ok) {
        for (const o of valid) reject(o.user, result.error.errorCode, result.error.errorMessage);
      } else {
        for (const user of result.value)
          reject(user, ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
      }
    }
    return {
      throttleTimeMs: 0,
      results: users.map((user) => {
        const e = errors.get(user);
        return { user, errorCode: e?.errorCode ?? ErrorCode.NONE, errorMessage: e?.errorMessage ?? null };
      }),
    };
  },
});
