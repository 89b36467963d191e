import { AclOperation } from "@samsa/metadata";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { brokerLoggerNameError, ROOT_LOGGER, rootLogLevel } from "../admin/broker-logger.js";
import { ConfigSource, configTypeCode, ResourceType } from "../admin/config-source.js";
import { BROKER_CONFIG_BY_NAME, BROKER_CONFIG_LAYERS, type BrokerConfig } from "../config/broker-config.js";
import type { ConfigDef } from "../config/config-def.js";
import { DYNAMIC_CONFIG_DEFS, isDynamicBrokerConfig } from "../config/dynamic-broker-config.js";
import { STORED_ONLY_DYNAMIC_DEFS } from "../config/dynamic-defs.js";
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

/** Broker configs that are one setting under several names (Kafka's DynamicBrokerConfig.brokerConfigSynonyms). */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ["log.roll.ms", "log.roll.hours"],
  ["log.roll.jitter.ms", "log.roll.jitter.hours"],
  ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
  ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
];

function synonymNames(name: string): readonly string[] {
  return SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
}

type Synonym = { name: string; value: string | null; source: keyof typeof ConfigSource };

/** Kafka's synonym chain of a broker config: per layer, most specific first, each name of the setting. */
function brokerSynonyms(config: BrokerConfig, name: string, perBroker: boolean): Synonym[] {
  const names = synonymNames(name);
  const out: Synonym[] = [];
  for (const layer of BROKER_CONFIG_LAYERS) {
    if (!perBroker && layer === "DYNAMIC_BROKER_CONFIG") continue;
    for (const n of names) {
      const v = config.layerValue(layer, n);
      if (v !== undefined) out.push({ name: n, value: v, source: layer });
    }
  }
  for (const n of names) {
    const d = DYNAMIC_CONFIG_DEFS.get(n)?.default ?? BROKER_CONFIG_BY_NAME.get(n)?.default ?? null;
    if (d !== null) out.push({ name: n, value: d, source: "DEFAULT_CONFIG" });
  }
  return out;
}

function brokerEntry(o: Options, config: BrokerConfig, def: ConfigDef, value: string | null, perBroker: boolean) {
  const sensitive = def.sensitive === true || def.type === "PASSWORD";
  const synonyms = brokerSynonyms(config, def.name, perBroker);
  const source = synonyms[0]?.source ?? "DEFAULT_CONFIG";
  const readOnly = !isDynamicBrokerConfig(def.name);
  return entry(o, def.name, value, source, readOnly, sensitive, def.type, def.doc, synonyms);
}

function describeBroker(ctx: RequestContext, name: string, o: Options): DescribeResult {
  const result = {
    errorCode: ErrorCode.NONE,
    errorMessage: null as string | null,
    resourceType: ResourceType.BROKER,
    resourceName: name,
    configs: [] as ConfigResult[],
  };
  const wanted = (n: string): boolean => o.keys === null || o.keys.has(n);
  // "" names the cluster-wide dynamic defaults: only those set are described, as Kafka does.
  if (name === "") {
    for (const [key, value] of ctx.config.dynamicDefaults()) {
      const def = DYNAMIC_CONFIG_DEFS.get(key);
      if (def !== undefined && wanted(key)) result.configs.push(brokerEntry(o, ctx.config, def, value, false));
    }
    return result;
  }
  if (name !== String(ctx.identity.nodeId)) {
    return {
      ...result,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Unexpected broker id, expected ${ctx.identity.nodeId} or empty string, but received ${name}`,
    };
  }
  for (const e of ctx.config.entries()) {
    if (wanted(e.def.name)) result.configs.push(brokerEntry(o, ctx.config, e.def, e.value, true));
  }
  // Dynamic configs samsa stores without acting on them are described once set.
  for (const def of STORED_ONLY_DYNAMIC_DEFS) {
    if (BROKER_CONFIG_BY_NAME.has(def.name) || !wanted(def.name)) continue;
    const source = ctx.config.sourceOf(def.name);
    if (source !== undefined) result.configs.push(brokerEntry(o, ctx.config, def, ctx.config.get(def.name), true));
  }
  return result;
}

/** BROKER_LOGGER: samsa's one logger ("root") and its level, as Kafka lists its log4j loggers. */
function describeBrokerLogger(ctx: RequestContext, name: string, o: Options): DescribeResult {
  const base = { resourceType: ResourceType.BROKER_LOGGER, resourceName: name, configs: [] as ConfigResult[] };
  const nameError = brokerLoggerNameError(ctx, name);
  if (nameError !== undefined) return { ...base, ...nameError };
  const configs =
    o.keys === null || o.keys.has(ROOT_LOGGER)
      ? [entry(o, ROOT_LOGGER, rootLogLevel(ctx), "DYNAMIC_BROKER_LOGGER_CONFIG", false, false, "STRING", "", [])]
      : [];
  return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
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
      if (r.resourceType === ResourceType.BROKER_LOGGER) return describeBrokerLogger(ctx, r.resourceName, o);
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
