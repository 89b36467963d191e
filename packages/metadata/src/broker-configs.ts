import type { ChangeResult } from "./changes.js";
import { MetadataErrorCode, metadataError } from "./errors.js";
import type { ClusterImage } from "./image.js";

/**
 * Dynamic broker configs by resource name, as Kafka's BROKER ConfigResource names them: "" holds the
 * cluster-wide defaults (DYNAMIC_DEFAULT_BROKER_CONFIG), a broker id that broker's own
 * (DYNAMIC_BROKER_CONFIG). Values are already validated and canonical.
 */
export type BrokerConfigsImage = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Bounds: the cluster default plus one entry per broker id, each with few keys; all fit one etcd value. */
export const MAX_BROKER_CONFIG_ENTITIES = 1000;
export const MAX_DYNAMIC_CONFIGS_PER_ENTITY = 500;

/** The resource name of the cluster-wide dynamic defaults. */
export const CLUSTER_DEFAULT = "";

const EMPTY: BrokerConfigsImage = new Map();
const NONE: Readonly<Record<string, string>> = {};

export function brokerConfigsOf(image: ClusterImage): BrokerConfigsImage {
  return image.brokerConfigs ?? EMPTY;
}

/** One entity's dynamic configs ("" for the cluster default); empty when none are set. */
export function brokerConfigsFor(image: ClusterImage, resourceName: string): Readonly<Record<string, string>> {
  return brokerConfigsOf(image).get(resourceName) ?? NONE;
}

function sameConfigs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/**
 * Replaces one entity's dynamic configs (validated by the caller); an empty set removes the entity.
 * Unchanged configs leave the image as it is.
 */
export function setBrokerConfigs(
  image: ClusterImage,
  resourceName: string,
  configs: Readonly<Record<string, string>>,
): ChangeResult<Readonly<Record<string, string>>> {
  const current = brokerConfigsOf(image);
  if (sameConfigs(current.get(resourceName) ?? NONE, configs)) return { ok: true, image, value: configs };
  if (Object.keys(configs).length > MAX_DYNAMIC_CONFIGS_PER_ENTITY) {
    const why = `at most ${MAX_DYNAMIC_CONFIGS_PER_ENTITY} dynamic configs can be set per broker resource`;
    return { ok: false, error: metadataError(MetadataErrorCode.INVALID_REQUEST, why) };
  }
  const next = new Map(current);
  if (Object.keys(configs).length === 0) next.delete(resourceName);
  else next.set(resourceName, { ...configs });
  if (next.size > MAX_BROKER_CONFIG_ENTITIES && next.size > current.size) {
    const why = `at most ${MAX_BROKER_CONFIG_ENTITIES} broker resources can have dynamic configs`;
    return { ok: false, error: metadataError(MetadataErrorCode.INVALID_REQUEST, why) };
  }
  return {
    ok: true,
    image: { ...image, brokerConfigs: next, changeCount: image.changeCount + 1 },
    value: configs,
  };
}

type BrokerConfigsJson = Record<string, Record<string, string>>;

export function encodeBrokerConfigs(configs: BrokerConfigsImage): BrokerConfigsJson {
  const out: BrokerConfigsJson = {};
  for (const [name, values] of configs) out[name] = { ...values };
  return out;
}

/** Parses the persisted form; undefined when it is malformed (the caller reports corruption). */
export function decodeBrokerConfigs(raw: unknown): Map<string, Readonly<Record<string, string>>> | undefined {
  const out = new Map<string, Readonly<Record<string, string>>>();
  if (raw === undefined) return out;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  for (const [name, values] of Object.entries(raw)) {
    if (typeof values !== "object" || values === null || Array.isArray(values)) return undefined;
    const configs: Record<string, string> = {};
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
      if (typeof v !== "string") return undefined;
      configs[k] = v;
    }
    out.set(name, configs);
  }
  return out;
}
