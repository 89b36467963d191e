import { AclOperation } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { ConfigSource, configTypeCode, ResourceType } from "../admin/config-source.js";
import { describeTopicConfigs } from "../config/topic-config.js";
import { configsDenied } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

type DescribeResult = ResponseByApiKey[32]["results"][number];
type ConfigResult = DescribeResult["configs"][number];

interface Options {
  readonly keys: ReadonlySet<string> | null;
  readonly synonyms: boolean;
  readonly documentation: boolean;
  readonly version: number;
}

function entry(
  o: Options,
  name: string,
  value: string | null,
  source: keyof typeof ConfigSource,
  readOnly: boolean,
  sensitive: boolean,
  type: Parameters<typeof configTypeCode>[0],
  doc: string,
  synonyms: { name: string; value: string | null; source: keyof typeof ConfigSource }[],
): ConfigResult {
  return {
    name,
    value: sensitive ? null : value,
    readOnly,
    isDefault: o.version === 0 && source === "DEFAULT_CONFIG",
    configSource: o.version >= 1 ? ConfigSource[source] : -1,
    isSensitive: sensitive,
    synonyms:
      o.version >= 1 && o.synonyms
        ? synonyms.map((s) => ({ name: s.name, value: sensitive ? null : s.value, source: ConfigSource[s.source] }))
        : [],
    configType: o.version >= 3 ? configTypeCode(type) : 0,
    documentation: o.version >= 3 && o.documentation ? doc : null,
  };
}

function describeTopic(ctx: RequestContext, name: string, o: Options): DescribeResult {
  const topic = ctx.metadata.image.topics.get(name);
  const result = {
    errorCode: ErrorCode.NONE,
    errorMessage: null as string | null,
    resourceType: ResourceType.TOPIC,
    resourceName: name,
    configs: [] as ConfigResult[],
  };
  if (topic === undefined)
    return {
      ...result,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `Topic ${name} does not exist.`,
    };
  for (const e of describeTopicConfigs(ctx.config, topic.configs)) {
    if (o.keys !== null && !o.keys.has(e.def.name)) continue;
    result.configs.push(
      entry(
        o,
        e.def.name,
        e.value,
        e.source,
        false,
        false,
        e.def.type,
        e.def.doc,
        e.synonyms.map((s) => ({ ...s })),
      ),
    );
  }
  return result;
}

function describeBroker(ctx: RequestContext, name: string, o: Options): DescribeResult {
  const result = {
    errorCode: ErrorCode.NONE,
    errorMessage: null as string | null,
    resourceType: ResourceType.BROKER,
    resourceName: name,
    configs: [] as ConfigResult[],
  };
  // "" names the cluster-wide dynamic defaults: samsa has none.
  if (name === "") return result;
  if (name !== String(ctx.identity.nodeId)) {
    return {
      ...result,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Unexpected broker id, expected ${ctx.identity.nodeId} but received ${name}`,
    };
  }
  for (const e of ctx.config.entries()) {
    if (o.keys !== null && !o.keys.has(e.def.name)) continue;
    const sensitive = e.def.sensitive === true || e.def.type === "PASSWORD";
    const synonyms: { name: string; value: string | null; source: keyof typeof ConfigSource }[] =
      e.source === "STATIC_BROKER_CONFIG" ? [{ name: e.def.name, value: e.value, source: e.source }] : [];
    if (e.def.default !== null) synonyms.push({ name: e.def.name, value: e.def.default, source: "DEFAULT_CONFIG" });
    result.configs.push(entry(o, e.def.name, e.value, e.source, true, sensitive, e.def.type, e.def.doc, synonyms));
  }
  return result;
}

/** DescribeConfigs: topic and broker resources, with synonyms and documentation when asked. */
export const describeConfigsHandler = defineHandler({
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const results = request.resources.map((r): DescribeResult => {
      const o: Options = {
        keys: r.configurationKeys === null || r.configurationKeys.length === 0 ? null : new Set(r.configurationKeys),
        synonyms: request.includeSynonyms,
        documentation: request.includeDocumentation,
        version: ctx.apiVersion,
      };
      const isTopic = r.resourceType === ResourceType.TOPIC;
      const denied = configsDenied(ctx, isTopic, r.resourceName, AclOperation.DESCRIBE_CONFIGS);
      if (denied !== undefined) {
        const { resourceType, resourceName } = r;
        return { errorCode: denied, errorMessage: null, resourceType, resourceName, configs: [] };
      }
      if (isTopic) return describeTopic(ctx, r.resourceName, o);
      if (r.resourceType === ResourceType.BROKER) return describeBroker(ctx, r.resourceName, o);
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Unsupported resource type ${r.resourceType}`,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: [],
      };
    });
    return { throttleTimeMs: 0, results };
  },
});
