/**
 * Which request/response header version goes with an API version: flexible API versions use the
 * flexible headers (request v2, response v1); ApiVersions always answers with response header v0 so
 * a client that sent a version the server lacks can still read the error.
 */
import { API_DESCRIPTORS, type ApiDescriptor, ApiKey } from "@samsa/protocol";

const BY_KEY = new Map<number, ApiDescriptor>(API_DESCRIPTORS.map((d) => [d.apiKey, d]));

export function apiDescriptor(apiKey: number): ApiDescriptor | undefined {
  return BY_KEY.get(apiKey);
}

export function requestHeaderVersion(d: ApiDescriptor, version: number): number {
  return version >= d.flexibleMin ? 2 : 1;
}

export function responseHeaderVersion(d: ApiDescriptor, version: number): number {
  if (d.apiKey === ApiKey.ApiVersions) return 0;
  return version >= d.flexibleMin ? 1 : 0;
}
