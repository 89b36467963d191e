import {
  AclOperation,
  type ChangeResult,
  type ClusterImage,
  type MetadataError,
  MetadataErrorCode,
  metadataError,
  setTopicConfigs,
  type TopicImage,
} from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { validateTopicConfig } from "../config/topic-config.js";
import type { RequestContext } from "../handlers/handler.js";
import { configsDenied } from "../security/acl-checks.js";
import { ResourceType } from "./config-source.js";
import { normalizeConfigs } from "./topics.js";

export interface AlterOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const OK: AlterOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

/** New topic overrides from the current ones, or an error to answer with. */
export type ConfigsUpdate = (
  current: Readonly<Record<string, string>>,
) =>
  | { readonly ok: true; readonly configs: Record<string, string> }
  | { readonly ok: false; readonly error: MetadataError };

/**
 * Alters one resource. Topics: the update runs against the latest image inside the metadata store's
 * serial apply, so concurrent alters don't lose each other's changes. Broker configs are static here.
 */
export async function alterResource(
  ctx: RequestContext,
  resourceType: number,
  resourceName: string,
  hasChanges: boolean,
  update: ConfigsUpdate,
  validateOnly: boolean,
): Promise<AlterOutcome> {
  const isTopic = resourceType === ResourceType.TOPIC;
  const denied = configsDenied(ctx, isTopic, resourceName, AclOperation.ALTER_CONFIGS);
  if (denied !== undefined) return { errorCode: denied, errorMessage: null };
  if (resourceType === ResourceType.BROKER) {
    if (resourceName !== "" && resourceName !== String(ctx.identity.nodeId)) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Unexpected broker id, expected ${ctx.identity.nodeId} but received ${resourceName}`,
      };
    }
    return hasChanges
      ? {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: "Broker configs are static in samsa; set them in server.properties or with --set.",
        }
      : OK;
  }
  if (resourceType !== ResourceType.TOPIC)
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
  const change = (image: ClusterImage): ChangeResult<TopicImage> => {
    const topic = image.topics.get(resourceName);
    if (topic === undefined) {
      return {
        ok: false,
        error: metadataError(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resourceName} does not exist.`),
      };
    }
    const next = update(topic.configs);
    if (!next.ok) return next;
    return setTopicConfigs(image, resourceName, normalizeConfigs(next.configs), validateTopicConfig);
  };
  const result = validateOnly ? change(ctx.metadata.image) : await ctx.metadata.apply(change);
  if (!result.ok) return { errorCode: result.error.errorCode, errorMessage: result.error.errorMessage };
  if (!validateOnly) {
    try {
      await ctx.logs.updateConfigs(resourceName, result.value.configs);
    } catch (e) {
      ctx.log.error({ topic: resourceName, err: (e as Error).message }, "applying topic configs to logs failed");
    }
  }
  return OK;
}
