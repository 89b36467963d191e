import {
  advertisedMaxVersion,
  apiByKey,
  ApiVersionsResponseCodec,
  decodeRequestHeader,
  ErrorCode,
  encodeResponse,
  ProtocolError,
  type RequestHeader,
  type ResponseByApiKey,
} from "@samsa/protocol";
import type { AnyHandler, ApiVersionRange, BrokerServices, RequestContext } from "./handlers/handler.js";
import { AFTER_WRITE, type ConnectionInfo, type Dispatcher, type ResponseChunks } from "./network/connection.js";

const API_VERSIONS_KEY = 18;

/**
 * The ranges ApiVersions advertises: each registered handler's range intersected with the spec's
 * versions, never a `latestVersionUnstable` one. A handler for an API outside the spec is a bug.
 */
export function advertisedVersions(handlers: readonly AnyHandler[]): ApiVersionRange[] {
  const out: ApiVersionRange[] = [];
  for (const h of [...handlers].sort((a, b) => a.apiKey - b.apiKey)) {
    const d = apiByKey(h.apiKey);
    if (d === undefined) throw new Error(`handler for unknown api key ${h.apiKey}`);
    const minVersion = Math.max(h.minVersion, d.minVersion);
    const maxVersion = Math.min(h.maxVersion, advertisedMaxVersion(d));
    if (minVersion <= maxVersion) out.push({ apiKey: h.apiKey, minVersion, maxVersion });
  }
  return out;
}

/** Kafka's answer to an ApiVersions version it doesn't serve: a v0 body with UNSUPPORTED_VERSION and the ranges. */
function unsupportedApiVersions(ranges: readonly ApiVersionRange[], correlationId: number): Buffer[] {
  const body: ResponseByApiKey[18] = {
    ...ApiVersionsResponseCodec.defaults(),
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: ranges.map((r) => ({ apiKey: r.apiKey, minVersion: r.minVersion, maxVersion: r.maxVersion })),
  };
  return encodeResponse(API_VERSIONS_KEY, 0, correlationId, body);
}

/**
 * Builds the dispatcher: header, handler lookup, body decode, handler call, response encode. A frame
 * this broker can't serve (unknown API, version out of range, malformed bytes) throws, which closes
 * the connection; only ApiVersions answers an unknown version, as Kafka does.
 */
export function createRouter(handlers: readonly AnyHandler[], services: BrokerServices): Dispatcher {
  const table: (AnyHandler | undefined)[] = [];
  for (const h of handlers) {
    if (table[h.apiKey] !== undefined) throw new Error(`two handlers for api key ${h.apiKey}`);
    table[h.apiKey] = h;
  }
  const ranges: (ApiVersionRange | undefined)[] = [];
  for (const r of services.apiVersions) ranges[r.apiKey] = r;
  // Each request's context is a clone of this, with its two fields set: V8 clones an object literal
  // of a known shape quickly, where `{ ...services, connection, apiVersion }` took ~2 us per request.
  const template: { -readonly [K in keyof RequestContext]: RequestContext[K] } = {
    ...services,
    connection: undefined as unknown as ConnectionInfo,
    apiVersion: 0,
  };

  return (frame: Buffer, connection: ConnectionInfo) => {
    const { header, body } = decodeRequestHeader(frame);
    const apiKey = header.requestApiKey;
    const apiVersion = header.requestApiVersion;
    const d = apiByKey(apiKey);
    if (d === undefined) throw new ProtocolError("UNSUPPORTED_VERSION", `unknown api key ${apiKey}`);
    const range = ranges[apiKey];
    const handler = table[apiKey];
    if (
      range === undefined ||
      handler === undefined ||
      apiVersion < range.minVersion ||
      apiVersion > range.maxVersion
    ) {
      if (apiKey === API_VERSIONS_KEY) return unsupportedApiVersions(services.apiVersions, header.correlationId);
      throw new ProtocolError("UNSUPPORTED_VERSION", `${d.name} v${apiVersion} is not supported`);
    }
    const request = d.request.decode(body, apiVersion);
    const ctx = { ...template };
    ctx.connection = connection;
    ctx.apiVersion = apiVersion;
    const handle = handler.handle as (c: RequestContext, req: unknown, h: RequestHeader) => unknown;
    const result = handle(ctx, request, header);
    const finish = (response: unknown): ResponseChunks | null => {
      if (response === null) return null;
      const chunks = encodeResponse(apiKey as 18, apiVersion, header.correlationId, response as ResponseByApiKey[18]);
      // A handler whose response references pooled buffers says when they may be reused.
      const afterWrite = (response as { [AFTER_WRITE]?: () => void })[AFTER_WRITE];
      return afterWrite === undefined ? chunks : Object.assign(chunks, { [AFTER_WRITE]: afterWrite });
    };
    return result instanceof Promise ? result.then(finish) : finish(result);
  };
}
