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

/** Highest version a broker should advertise: the latest one is skipped while it is unstable. */
export function advertisedMaxVersion(api: ApiDescriptor): number {
  return api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
}

/** Whether `version` of the API can be decoded and encoded by the generated codecs. */
export function isVersionSupported(apiKey: number, version: number): boolean {
  const api = apiByKey(apiKey);
  return api !== undefined && version >= api.minVersion && version <= api.maxVersion;
}
