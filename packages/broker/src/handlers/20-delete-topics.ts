import { topicById, ZERO_UUID } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { deleteTopicWithLogs } from "../admin/topics.js";
import { defineHandler, type RequestContext } from "./handler.js";

type DeleteResult = ResponseByApiKey[20]["responses"][number];

interface Target {
  readonly name: string | null;
  readonly topicId: string;
}

async function deleteOne(ctx: RequestContext, target: Target, duplicate: boolean): Promise<DeleteResult> {
  const result = (
    errorCode: number,
    errorMessage: string | null,
    name = target.name,
    topicId = target.topicId,
  ): DeleteResult => ({
    name,
    topicId,
    errorCode,
    errorMessage,
  });
  if (duplicate) return result(ErrorCode.INVALID_REQUEST, "Duplicate topic in request.");
  if (!ctx.config.bool("delete.topic.enable"))
    return result(ErrorCode.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
  const byId = target.topicId !== ZERO_UUID;
  if (byId && target.name !== null)
    return result(ErrorCode.INVALID_REQUEST, "Give either a topic name or a topic id, not both.");
  const name = byId ? topicById(ctx.metadata.image, target.topicId)?.name : target.name;
  if (name === undefined || name === null) {
    return byId
      ? result(ErrorCode.UNKNOWN_TOPIC_ID, "This server does not host this topic ID.")
      : result(ErrorCode.INVALID_REQUEST, "Neither a topic name nor a topic id was given.");
  }
  const outcome = await deleteTopicWithLogs(ctx, name);
  if (!outcome.ok) return result(outcome.error.errorCode, outcome.error.errorMessage, name);
  return result(ErrorCode.NONE, null, name, outcome.topic.topicId);
}

/** DeleteTopics: by name (all versions) or by topic id (v6+). */
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
    for (const t of targets) responses.push(await deleteOne(ctx, t, (counts.get(keyOf(t)) ?? 0) > 1));
    for (const r of responses) {
      if (ctx.apiVersion < 5) r.errorMessage = null;
      if (ctx.apiVersion < 6) r.topicId = ZERO_UUID;
    }
    return { throttleTimeMs: 0, responses };
  },
});
