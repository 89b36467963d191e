import type { OffsetFetchResult } from "@samsa/coordinator";
import { ErrorCode, type OffsetFetchResponse } from "@samsa/protocol";
import { AclOperation } from "@samsa/metadata";
import { groupError, topicAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

type Topics = readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null;

function fetchGroup(
  ctx: RequestContext,
  groupId: string,
  topics: Topics,
  memberId: string | null = null,
  memberEpoch = -1,
): OffsetFetchResult {
  let notReady = groupId === "" ? ErrorCode.INVALID_GROUP_ID : groupError(ctx, groupId, AclOperation.DESCRIBE);
  if (notReady === ErrorCode.NONE)
    notReady = ctx.groups.coordinator.validateOffsetFetch(groupId, memberId, memberEpoch);
  if (notReady !== ErrorCode.NONE) {
    return {
      errorCode: notReady,
      topics: (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({
          partitionIndex: p,
          committedOffset: -1n,
          committedLeaderEpoch: -1,
          metadata: "",
          errorCode: notReady,
        })),
      })),
    };
  }
  const r = ctx.groups.coordinator.fetchOffsets(groupId, topics, ctx.clock.nowMs());
  return ctx.authorizer === null ? r : describableOffsets(ctx, r, topics === null);
}

/** Topics the caller may not describe: left out of "all topics", TOPIC_AUTHORIZATION_FAILED when named. */
function describableOffsets(ctx: RequestContext, r: OffsetFetchResult, allTopics: boolean): OffsetFetchResult {
  const topics = [];
  for (const t of r.topics) {
    if (topicAllowed(ctx, t.name, AclOperation.DESCRIBE)) topics.push(t);
    else if (!allTopics) {
      const errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      topics.push({ ...t, partitions: t.partitions.map((p) => ({ ...p, committedOffset: -1n, errorCode })) });
    }
  }
  return { ...r, topics };
}

/**
 * require_stable (v7+, KIP-447): offsets still waiting for their transaction's marker are answered
 * UNSTABLE_OFFSET_COMMIT, so read_committed consumers retry instead of starting from a stale offset.
 */
function stable(ctx: RequestContext, requireStable: boolean, groupId: string, r: OffsetFetchResult): OffsetFetchResult {
  if (!requireStable || r.errorCode !== ErrorCode.NONE || !ctx.transactions.txnOffsets.hasPending(groupId)) return r;
  return {
    ...r,
    topics: r.topics.map((t) => ({
      ...t,
      partitions: t.partitions.map((p) =>
        ctx.transactions.txnOffsets.hasPending(groupId, t.name, p.partitionIndex)
          ? { ...p, committedOffset: -1n, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : p,
      ),
    })),
  };
}

/** OffsetFetch: one group (v0-v7; all partitions with null topics from v2) or many (v8+, KIP-709). */
export const offsetFetchHandler = defineHandler({
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req): OffsetFetchResponse {
    const version = ctx.apiVersion;
    if (version >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: ErrorCode.NONE,
        groups: req.groups.map((g) => {
          const r = stable(
            ctx,
            req.requireStable,
            g.groupId,
            fetchGroup(ctx, g.groupId, g.topics, g.memberId, g.memberEpoch),
          );
          return {
            groupId: g.groupId,
            errorCode: r.errorCode,
            topics: r.topics.map((t) => ({
              name: t.name,
              partitions: t.partitions.map((p) => ({ ...p, errorCode: r.errorCode === 0 ? p.errorCode : 0 })),
            })),
          };
        }),
      };
    }
    const r = stable(
      ctx,
      version >= 7 && req.requireStable,
      req.groupId,
      fetchGroup(ctx, req.groupId, version >= 2 ? req.topics : (req.topics ?? [])),
    );
    // Before v2 there is no top-level error: each partition carries it.
    return {
      throttleTimeMs: 0,
      errorCode: version >= 2 ? r.errorCode : ErrorCode.NONE,
      groups: [],
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          ...p,
          committedLeaderEpoch: p.committedLeaderEpoch,
          errorCode: version >= 2 && r.errorCode !== ErrorCode.NONE ? 0 : p.errorCode,
        })),
      })),
    };
  },
});
