import { brokerConfigsFor, CLUSTER_DEFAULT, type ClusterImage } from "@samsa/metadata";
import { BROKER_CONFIG_BY_NAME, type BrokerConfig } from "./broker-config.js";
import { type ConfigDef, normalizeValue } from "./config-def.js";
import {
  DYNAMIC_BROKER_CONFIGS,
  LISTENER_PREFIX_ONLY_CONFIGS,
  PER_BROKER_CONFIGS,
  STORED_ONLY_DYNAMIC_DEFS,
} from "./dynamic-defs.js";

/** Definitions of every config that may be set dynamically: samsa's broker configs and the stored-only ones. */
export const DYNAMIC_CONFIG_DEFS: ReadonlyMap<string, ConfigDef> = new Map(
  [...DYNAMIC_BROKER_CONFIGS].flatMap((name) => {
    const def = BROKER_CONFIG_BY_NAME.get(name) ?? STORED_ONLY_DYNAMIC_DEFS.find((d) => d.name === name);
    return def === undefined ? [] : [[name, def] as const];
  }),
);

/** Whether Kafka lets `name` change at run time (DescribeConfigs' read_only is the opposite). */
export function isDynamicBrokerConfig(name: string): boolean {
  return DYNAMIC_BROKER_CONFIGS.has(name);
}

/** Scala's Set rendering, as Kafka's messages show the offending names. */
function scalaSet(names: readonly string[]): string {
  return `Set(${names.join(", ")})`;
}

export type BrokerConfigsValidation =
  | { readonly ok: true; readonly configs: Record<string, string> }
  | { readonly ok: false; readonly message: string };

/**
 * Validates the complete new set of dynamic configs of one BROKER resource ("" = cluster default) as
 * Kafka's DynamicBrokerConfig.validateConfigs does: only dynamic names, SSL store configs only per
 * listener, values of the config's type, per-broker configs not at the cluster level. The values come
 * back in canonical form. Messages are Kafka's (the caller answers INVALID_REQUEST).
 */
export function validateBrokerConfigs(
  resourceName: string,
  configs: Readonly<Record<string, string>>,
): BrokerConfigsValidation {
  const wrap = (why: string): BrokerConfigsValidation => ({
    ok: false,
    message: `Invalid config value for resource ConfigResource(type=BROKER, name='${resourceName}'): ${why}`,
  });
  const names = Object.keys(configs);
  const nonDynamic = names.filter((n) => !DYNAMIC_CONFIG_DEFS.has(n));
  if (nonDynamic.length > 0) return wrap(`Cannot update these configs dynamically: ${scalaSet(nonDynamic)}`);
  const unprefixed = names.filter((n) => LISTENER_PREFIX_ONLY_CONFIGS.has(n));
  if (unprefixed.length > 0)
    return wrap(
      `These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(unprefixed)}`,
    );
  const out: Record<string, string> = {};
  for (const name of names) {
    const def = DYNAMIC_CONFIG_DEFS.get(name);
    if (def === undefined) continue;
    const r = normalizeValue(def, configs[name]);
    if ("error" in r) return wrap(r.error);
    out[name] = r.value;
  }
  if (resourceName === CLUSTER_DEFAULT) {
    const perBroker = names.filter((n) => PER_BROKER_CONFIGS.has(n));
    if (perBroker.length > 0)
      return wrap(
        `Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(perBroker)}`,
      );
  }
  return { ok: true, configs: out };
}

/**
 * Takes this broker's dynamic layers from the image (the cluster default and its own broker id).
 * Returns whether they changed, so the caller re-applies what depends on them (log configs).
 */
export function applyDynamicBrokerConfigs(config: BrokerConfig, image: ClusterImage): boolean {
  return config.setDynamic(brokerConfigsFor(image, CLUSTER_DEFAULT), brokerConfigsFor(image, String(config.nodeId)));
}
