/**
 * Request/response framing around the generated bodies: header versions, and whole-message helpers
 * for the broker (decode request, encode response) and for clients (encode request, decode response).
 *
 * Size prefixes: `encodeRequest`/`encodeResponse` return chunks INCLUDING the 4-byte size prefix, ready
 * for writev. `decodeRequestHeader`/`decodeResponse` take one frame WITHOUT the size prefix.
 */
import { ProtocolError } from "../primitives/protocol-error.js";
import { Reader } from "../primitives/reader.js";
import { Writer } from "../primitives/writer.js";
import { ApiKey, type RequestByApiKey, type ResponseByApiKey } from "../generated/api-table.js";
import {
  decodeRequestHeader as decodeRequestHeaderBody,
  encodeRequestHeader,
  type RequestHeader,
} from "../generated/clients/RequestHeader.js";
import { decodeResponseHeader, encodeResponseHeader } from "../generated/clients/ResponseHeader.js";
import { apiByKey } from "./api-keys.js";

/**
 * Request header version: 2 for flexible API versions, 1 otherwise; ControlledShutdown v0 uses the
 * original header v0 (no client id). Unknown API keys get v1 so the header can still be read.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = apiByKey(apiKey);
  if (api === undefined) return 1;
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return apiVersion >= api.flexibleMin ? 2 : 1;
}

/**
 * Response header version: 1 for flexible API versions, 0 otherwise. ApiVersions responses always use
 * v0, so a client that sent an unsupported version can still parse the broker's answer.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const api = apiByKey(apiKey);
  if (api === undefined) return 0;
  return apiVersion >= api.flexibleMin ? 1 : 0;
}

export interface DecodedRequestHeader {
  header: RequestHeader;
  headerVersion: number;
  /** Positioned at the first byte of the request body. */
  body: Reader;
}

/**
 * Decodes the header of one request frame (without the size prefix); throws only ProtocolError.
 * The second form is the generated header decoder (reader + header version), kept under the same name.
 */
export function decodeRequestHeader(frame: Buffer): DecodedRequestHeader;
export function decodeRequestHeader(r: Reader, headerVersion: number): RequestHeader;
export function decodeRequestHeader(
  input: Buffer | Reader,
  headerVersion?: number,
): DecodedRequestHeader | RequestHeader {
  if (input instanceof Reader) return decodeRequestHeaderBody(input, headerVersion ?? 2);
  const frame = input;
  if (frame.length < 4) throw new ProtocolError("TRUNCATED", "request frame is shorter than api key and version");
  const version = requestHeaderVersion(frame.readInt16BE(0), frame.readInt16BE(2));
  const r = new Reader(frame);
  const header = decodeRequestHeaderBody(r, version);
  return { header, headerVersion: version, body: r };
}

/** Decodes a request body of a known API; the version must be within the API's valid range. */
export function decodeRequestBody<K extends keyof RequestByApiKey>(
  apiKey: K,
  apiVersion: number,
  body: Reader,
): RequestByApiKey[K] {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new ProtocolError("UNSUPPORTED_VERSION", `unknown api key ${apiKey}`);
  return api.request.decode(body, apiVersion) as RequestByApiKey[K];
}

function beginFrame(): Writer {
  const w = new Writer();
  w.writeInt32(0);
  return w;
}

function endFrame(w: Writer): Buffer[] {
  w.patchInt32(0, w.length - 4);
  return w.toBuffers();
}

/** Encodes a response frame (size prefix + header + body) as chunks for writev. */
export function encodeResponse<K extends keyof ResponseByApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseByApiKey[K],
): Buffer[] {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new ProtocolError("UNSUPPORTED_VERSION", `unknown api key ${apiKey}`);
  const w = beginFrame();
  encodeResponseHeader(w, { correlationId }, responseHeaderVersion(apiKey, apiVersion));
  api.response.encode(w, body, apiVersion);
  return endFrame(w);
}

/** Encodes a request frame (size prefix + header + body) as chunks for writev. */
export function encodeRequest<K extends keyof RequestByApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: RequestByApiKey[K],
): Buffer[] {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new ProtocolError("UNSUPPORTED_VERSION", `unknown api key ${apiKey}`);
  const w = beginFrame();
  const header: RequestHeader = { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId };
  encodeRequestHeader(w, header, requestHeaderVersion(apiKey, apiVersion));
  api.request.encode(w, body, apiVersion);
  return endFrame(w);
}

export interface DecodedResponse<T> {
  correlationId: number;
  body: T;
}

/** Decodes one response frame (without the size prefix) of the API and version that was requested. */
export function decodeResponse<K extends keyof ResponseByApiKey>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
): DecodedResponse<ResponseByApiKey[K]> {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new ProtocolError("UNSUPPORTED_VERSION", `unknown api key ${apiKey}`);
  const r = new Reader(frame);
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  return { correlationId, body: api.response.decode(r, apiVersion) as ResponseByApiKey[K] };
}
