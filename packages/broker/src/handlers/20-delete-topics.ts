import { AclOperation, topicById, ZERO_UUID } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { deleteTopicsWithLogs } from "../admin/topics.js";
import { topicAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

type DeleteResult = ResponseByApiKey[20]["responses"][number];

interface Target {
  readonly name: string | null;
  readonly topicId: string;
}

function result(target: Target, errorCode: number, errorMessage: string | null, name = target.name): DeleteResult {
  return { name, topicId: target.topicId, errorCode, errorMessage };
}

/** The topic name to delete, or the error to answer with. */
function resolveTarget(ctx: RequestContext, target: Target, duplicate: boolean): string | DeleteResult {
  if (duplicate) return result(target, ErrorCode.INVALID_REQUEST, "Duplicate topic in request.");
  if (!ctx.config.bool("delete.topic.enable")) {
    return result(target, ErrorCode.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
  }
  const byId = target.topicId !== ZERO_UUID;
  if (byId && target.name !== null) {
    return result(target, ErrorCode.INVALID_REQUEST, "Give either a topic name or a topic id, not both.");
  }
  const name = byId ? topicById(ctx.metadata.image, target.topicId)?.name : target.name;
  if (name !== undefined && name !== null) {
    return topicAllowed(ctx, name, AclOperation.DELETE)
      ? name
      : result(target, ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.");
  }
  return byId
    ? result(target, ErrorCode.UNKNOWN_TOPIC_ID, "This server does not host this topic ID.")
    : result(target, ErrorCode.INVALID_REQUEST, "Neither a topic name nor a topic id was given.");
}

/** DeleteTopics: by name (all versions) or by topic id (v6+); all deletions of a request are one metadata change. */
export const deleteTopicsHandler = defineHandler({
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request) {
    const targets: Target[] =
      ctx.apiVersion >= 6
        ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const keyOf = (t: Target) => (t.topicId !== ZERO_UUID ? `id:${t.topicId}` : `name:${t.name}`);
    const counts = new Map<string, number>();
    for (const t of targets) counts.set(keyOf(t), (counts.get(keyOf(t)) ?? 0) + 1);
    const responses: DeleteResult[] = [];
    const pending: { index: number; name: string }[] = [];
    for (const t of targets) {
      const r = resolveTarget(ctx, t, (counts.get(keyOf(t)) ?? 0) > 1);
      if (typeof r === "string") pending.push({ index: responses.length, name: r });
      responses.push(typeof r === "string" ? result(t, ErrorCode.UNKNOWN_SERVER_ERROR, null) : r);
    }
    const outcomes = await deleteTopicsWithLogs(
      ctx,
      pending.map((p) => p.name),
    );
    pending.forEach((p, i) => {
      const o = outcomes[i];
      const target = targets[p.index];
      responses[p.index] = o.ok
        ? { name: p.name, topicId: o.topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null }
        : result(target, o.error.errorCode, o.error.errorMessage, p.name);
    });
    for (const r of responses) {
      if (ctx.apiVersion < 5) r.errorMessage = null;
      if (ctx.apiVersion < 6) r.topicId = ZERO_UUID;
    }
    return { throttleTimeMs: 0, responses };
  },
});
