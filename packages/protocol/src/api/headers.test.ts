import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiKey } from "../generated/api-table.js";
import { defaultApiVersionsResponse } from "../generated/clients/ApiVersionsResponse.js";
import { defaultMetadataRequest } from "../generated/clients/MetadataRequest.js";
import { defaultMetadataResponse } from "../generated/clients/MetadataResponse.js";
import { RequestHeaderCodec } from "../generated/clients/RequestHeader.js";
import { ProtocolError } from "../primitives/protocol-error.js";
import { Reader } from "../primitives/reader.js";
import { Writer } from "../primitives/writer.js";
import {
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseHeaderVersion,
} from "./headers.js";

const ascii = (s: string) => [...Buffer.from(s, "ascii")];

test("ApiVersionsRequest v3 (flexible, header v2 with int16 client id) has the known bytes", () => {
  const frame = Buffer.concat(
    encodeRequest(ApiKey.ApiVersions, 3, 1, "cli", {
      clientSoftwareName: "samsa",
      clientSoftwareVersion: "1.0",
    }),
  );
  const expected = Buffer.from([
    ...[0, 0, 0, 25], // size
    ...[0, 18, 0, 3], // api key 18, version 3
    ...[0, 0, 0, 1], // correlation id
    ...[0, 3, ...ascii("cli")], // client id keeps its int16 length in header v2
    0, // header tagged fields
    ...[6, ...ascii("samsa")], // compact string: length + 1
    ...[4, ...ascii("1.0")],
    0, // body tagged fields
  ]);
  assert.deepEqual(frame, expected);

  const { header, headerVersion, body } = decodeRequestHeader(frame.subarray(4));
  assert.equal(headerVersion, 2);
  assert.deepEqual(header, { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: "cli" });
  assert.deepEqual(decodeRequestBody(ApiKey.ApiVersions, 3, body), {
    clientSoftwareName: "samsa",
    clientSoftwareVersion: "1.0",
  });
  assert.equal(body.remaining(), 0);
});

test("MetadataRequest v1 (classic encodings, header v1) has the known bytes", () => {
  const named = encodeRequest(ApiKey.Metadata, 1, 0x01020304, "c", {
    ...defaultMetadataRequest(),
    topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "foo" }],
  });
  assert.deepEqual(
    Buffer.concat(named),
    Buffer.from([
      ...[0, 0, 0, 20],
      ...[0, 3, 0, 1],
      ...[1, 2, 3, 4],
      ...[0, 1, ...ascii("c")],
      ...[0, 0, 0, 1], // one topic
      ...[0, 3, ...ascii("foo")],
    ]),
  );
  const all = Buffer.concat(encodeRequest(ApiKey.Metadata, 1, 5, null, { ...defaultMetadataRequest(), topics: null }));
  // Null client id (int16 -1) and null topic array (int32 -1) = all topics.
  assert.deepEqual(all, Buffer.from([0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  const decoded = decodeRequestHeader(all.subarray(4));
  assert.equal(decoded.header.clientId, null);
  assert.equal(decodeRequestBody(ApiKey.Metadata, 1, decoded.body).topics, null);
});

test("RequestHeader v2 decodes with an int16 client id, and the body reader starts after it", () => {
  const frame = Buffer.from([0, 3, 0, 12, 0, 0, 0, 7, 0, 2, ...ascii("id"), 0, 0xaa]);
  const { header, headerVersion, body } = decodeRequestHeader(frame);
  assert.equal(headerVersion, 2);
  assert.deepEqual(header, { requestApiKey: 3, requestApiVersion: 12, correlationId: 7, clientId: "id" });
  assert.equal(body.pos, 13);
  const same = decodeRequestHeader(new Reader(frame), 2);
  assert.deepEqual(same, header);
});

test("header versions follow Kafka's rules, including the two exceptions", () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 1), 1);
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0);
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0);
  assert.equal(requestHeaderVersion(9999, 0), 1);
});

test("responses: ApiVersions v3 uses header v0, flexible Metadata uses header v1 with tagged fields", () => {
  const av = Buffer.concat(encodeResponse(ApiKey.ApiVersions, 3, 9, defaultApiVersionsResponse()));
  // size, correlation id, then the body right away (no header tagged-field byte).
  assert.deepEqual(av.subarray(0, 10), Buffer.from([0, 0, 0, av.length - 4, 0, 0, 0, 9, 0, 0]));
  assert.equal(decodeResponse(ApiKey.ApiVersions, 3, av.subarray(4)).correlationId, 9);

  const md = Buffer.concat(encodeResponse(ApiKey.Metadata, 12, 77, defaultMetadataResponse()));
  assert.deepEqual(md.subarray(4, 9), Buffer.from([0, 0, 0, 77, 0]));
  const back = decodeResponse(ApiKey.Metadata, 12, md.subarray(4));
  assert.equal(back.correlationId, 77);
  assert.deepEqual(back.body, defaultMetadataResponse());
});

test("short or unknown frames give ProtocolError", () => {
  assert.throws(() => decodeRequestHeader(Buffer.from([0, 3])), ProtocolError);
  assert.throws(() => decodeRequestHeader(Buffer.from([0, 3, 0, 1, 0, 0])), ProtocolError);
  assert.throws(() => decodeRequestBody(9999 as 0, 0, new Reader(Buffer.alloc(0))), ProtocolError);
  assert.throws(() => decodeRequestBody(ApiKey.Produce, 99, new Reader(Buffer.alloc(64))), ProtocolError);
});

test("header sizes match Kafka's: ControlledShutdown v0 = 8, v1 header = 10, v2 header = 11 (empty client id)", () => {
  const size = (apiKey: number, apiVersion: number) => {
    const w = new Writer();
    const headerVersion = requestHeaderVersion(apiKey, apiVersion);
    RequestHeaderCodec.encode(
      w,
      { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: 10, clientId: "" },
      headerVersion,
    );
    return w.length;
  };
  assert.equal(size(ApiKey.ControlledShutdown, 0), 8);
  assert.equal(size(ApiKey.FindCoordinator, 1), 10);
  assert.equal(size(ApiKey.CreateDelegationToken, 2), 11);
  const v0 = decodeRequestHeader(Buffer.from([0, 7, 0, 0, 0, 0, 0x09, 0x26]));
  assert.equal(v0.headerVersion, 0);
  assert.equal(v0.header.correlationId, 2342);
  assert.equal(v0.header.clientId, "");
});
