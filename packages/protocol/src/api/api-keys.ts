/**
 * Lookup over the generated API table: which APIs exist, their version ranges, and what to advertise.
 */
import { API_DESCRIPTORS, type ApiDescriptor } from "../generated/api-table.js";

/** Every API in the specs, sorted by key (alias of the generated `API_DESCRIPTORS`). */
export const API_KEYS: readonly ApiDescriptor[] = API_DESCRIPTORS;

const byKey: (ApiDescriptor | undefined)[] = [];
for (const d of API_DESCRIPTORS) byKey[d.apiKey] = d;

/** The API with this key, or undefined for a key the specs do not define. */
export function apiByKey(apiKey: number): ApiDescriptor | undefined {
  return Number.isInteger(apiKey) && apiKey >= 0 ? byKey[apiKey] : undefined;
}

/**
 * Latest versions the spec snapshot (Kafka trunk, 2024-10) still marks unstable but that Kafka 4.0
 * released unchanged on the wire. librdkafka 2.15's `group.protocol=consumer` requires
 * ConsumerGroupHeartbeat v1, so the snapshot's flag would lock those clients out.
 */
const RELEASED_SINCE_SNAPSHOT: ReadonlyMap<number, number> = new Map([[68, 1]]);

/** Highest version a broker should advertise: the latest one is skipped while it is unstable. */
export function advertisedMaxVersion(api: ApiDescriptor): number {
  if (!api.latestVersionUnstable) return api.maxVersion;
  return RELEASED_SINCE_SNAPSHOT.get(api.apiKey) === api.maxVersion ? api.maxVersion : api.maxVersion - 1;
}

/** Whether `version` of the API can be decoded and encoded by the generated codecs. */
export function isVersionSupported(apiKey: number, version: number): boolean {
  const api = apiByKey(apiKey);
  return api !== undefined && version >= api.minVersion && version <= api.maxVersion;
}
