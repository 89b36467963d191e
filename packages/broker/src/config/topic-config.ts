import { BROKER_CONFIG_BY_NAME, BROKER_CONFIG_LAYERS, type BrokerConfig } from "./broker-config.js";
import { longValue, normalizeValue } from "./config-def.js";
import { TOPIC_CONFIG_BY_NAME, TOPIC_CONFIG_DEFS, type TopicConfigDef } from "./topic-defs.js";

/** DescribeConfigs' config_source for topic configs and their synonyms. */
export type TopicConfigSource =
  | "DYNAMIC_TOPIC_CONFIG"
  | "DYNAMIC_BROKER_CONFIG"
  | "DYNAMIC_DEFAULT_BROKER_CONFIG"
  | "STATIC_BROKER_CONFIG"
  | "DEFAULT_CONFIG";

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: TopicConfigSource;
}

export interface TopicConfigEntry {
  readonly def: TopicConfigDef;
  readonly value: string | null;
  readonly source: TopicConfigSource;
  /**
   * Most specific first, like Kafka: the topic override, then per layer (this broker's dynamic, the
   * cluster's dynamic default, static) the broker synonyms set there, then the default.
   */
  readonly synonyms: readonly ConfigSynonym[];
}

/** Broker synonyms in other units than the topic config (Kafka converts them the same way). */
const UNIT_MS: Readonly<Record<string, number>> = {
  "log.retention.minutes": 60_000,
  "log.retention.hours": 3_600_000,
  "log.roll.hours": 3_600_000,
  "log.roll.jitter.hours": 3_600_000,
};

/** A broker synonym's value in the topic config's unit. */
function convert(brokerName: string, value: string): string {
  const unit = UNIT_MS[brokerName];
  if (unit === undefined) return value;
  const n = Number(value);
  return n < 0 ? String(n) : String(n * unit);
}

/** Validates a topic override; undefined when fine, else Kafka's message. */
export function validateTopicConfig(name: string, value: string): string | undefined {
  const def = TOPIC_CONFIG_BY_NAME.get(name);
  if (def === undefined) return `Unknown topic config name: ${name}`;
  const r = normalizeValue(def, value);
  return "error" in r ? r.error : undefined;
}

/** Canonical form of a valid override (call validateTopicConfig first). */
export function normalizeTopicConfig(name: string, value: string): string {
  const def = TOPIC_CONFIG_BY_NAME.get(name);
  if (def === undefined) return value;
  const r = normalizeValue(def, value);
  return "error" in r ? value : r.value;
}

/** The effective value of one topic config, its source and Kafka's synonym chain. */
export function describeTopicConfig(
  def: TopicConfigDef,
  broker: BrokerConfig,
  overrides: Readonly<Record<string, string>>,
): TopicConfigEntry {
  const synonyms: ConfigSynonym[] = [];
  const own = overrides[def.name];
  if (own !== undefined) synonyms.push({ name: def.name, value: own, source: "DYNAMIC_TOPIC_CONFIG" });
  for (const layer of BROKER_CONFIG_LAYERS) {
    for (const s of def.brokerSynonyms) {
      const v = broker.layerValue(layer, s);
      if (v !== undefined) synonyms.push({ name: s, value: v, source: layer });
    }
  }
  const fallback = def.brokerSynonyms.find((s) => BROKER_CONFIG_BY_NAME.get(s)?.default != null);
  if (fallback !== undefined)
    synonyms.push({
      name: fallback,
      value: BROKER_CONFIG_BY_NAME.get(fallback)?.default ?? null,
      source: "DEFAULT_CONFIG",
    });
  else synonyms.push({ name: def.name, value: def.default, source: "DEFAULT_CONFIG" });
  const first = synonyms[0];
  let value = first.value;
  if (first.source !== "DYNAMIC_TOPIC_CONFIG" && value !== null && first.name !== def.name)
    value = convert(first.name, value);
  return { def, value, source: first.source, synonyms };
}

export function describeTopicConfigs(
  broker: BrokerConfig,
  overrides: Readonly<Record<string, string>>,
): TopicConfigEntry[] {
  return TOPIC_CONFIG_DEFS.map((def) => describeTopicConfig(def, broker, overrides));
}

/** Effective topic configs as typed values, for the log layer. */
export interface EffectiveTopicConfig {
  readonly get: (name: string) => string;
  readonly long: (name: string) => number;
}

export function effectiveTopicConfig(
  broker: BrokerConfig,
  overrides: Readonly<Record<string, string>>,
): EffectiveTopicConfig {
  const values = new Map<string, string>();
  for (const e of describeTopicConfigs(broker, overrides)) values.set(e.def.name, e.value ?? "");
  const get = (name: string): string => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`unknown topic config ${name}`);
    return v;
  };
  return { get, long: (name) => longValue(get(name)) };
}
