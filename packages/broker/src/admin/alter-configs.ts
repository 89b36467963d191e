import {
  AclOperation,
  brokerConfigsFor,
  type ChangeResult,
  type ClusterImage,
  type MetadataError,
  MetadataErrorCode,
  metadataError,
  setBrokerConfigs,
  setTopicConfigs,
  type TopicImage,
} from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { validateBrokerConfigs } from "../config/dynamic-broker-config.js";
import { refreshDynamicConfigs } from "../config/follow-dynamic-configs.js";
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

/** New overrides (topic configs, or a broker resource's dynamic configs) from the current ones, or an error. */
export type ConfigsUpdate = (
  current: Readonly<Record<string, string>>,
) =>
  | { readonly ok: true; readonly configs: Record<string, string> }
  | { readonly ok: false; readonly error: MetadataError };

/**
 * Alters one resource. The update runs against the latest image inside the metadata store's serial
 * apply, so concurrent alters don't lose each other's changes. Topics: their overrides. BROKER: the
 * dynamic configs of this broker (its id) or of the cluster default (""), as Kafka's
 * DynamicBrokerConfig validates them; they reach every broker through the cluster metadata.
 */
export async function alterResource(
  ctx: RequestContext,
  resourceType: number,
  resourceName: string,
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
    return alterBroker(ctx, resourceName, update, validateOnly);
  }
  if (resourceType === ResourceType.BROKER_LOGGER)
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: "AlterConfigs is deprecated and does not support the resource type BROKER_LOGGER",
    };
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

async function alterBroker(
  ctx: RequestContext,
  resourceName: string,
  update: ConfigsUpdate,
  validateOnly: boolean,
): Promise<AlterOutcome> {
  const change = (image: ClusterImage): ChangeResult<Readonly<Record<string, string>>> => {
    const next = update(brokerConfigsFor(image, resourceName));
    if (!next.ok) return next;
    const valid = validateBrokerConfigs(resourceName, next.configs);
    if (!valid.ok) return { ok: false, error: metadataError(MetadataErrorCode.INVALID_REQUEST, valid.message) };
    return setBrokerConfigs(image, resourceName, valid.configs);
  };
  const result = validateOnly ? change(ctx.metadata.image) : await ctx.metadata.apply(change);
  if (!result.ok) return { errorCode: result.error.errorCode, errorMessage: result.error.errorMessage };
  if (!validateOnly) {
    try {
      await refreshDynamicConfigs(ctx.config, ctx.metadata.image, ctx.logs, ctx.log);
    } catch (e) {
      ctx.log.error({ err: (e as Error).message }, "applying dynamic broker configs failed");
    }
  }
  return OK;
}
