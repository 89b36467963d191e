import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeFetchResponse, defaultFetchResponse, encodeFetchResponse } from "../generated/clients/FetchResponse.js";
import {
  defaultMetadataRequest,
  encodeMetadataRequest,
  MetadataRequestCodec,
} from "../generated/clients/MetadataRequest.js";
import { defaultProduceRequest, encodeProduceRequest } from "../generated/clients/ProduceRequest.js";
import { ProtocolError } from "../primitives/protocol-error.js";
import { Reader } from "../primitives/reader.js";
import { Writer } from "../primitives/writer.js";

function encodeError(fn: (w: Writer) => void): string {
  try {
    fn(new Writer());
  } catch (e) {
    assert.ok(e instanceof ProtocolError, String(e));
    return e.code;
  }
  assert.fail("expected a ProtocolError");
}

test("a non-default value in a field the version lacks is refused unless the field is ignorable", () => {
  // ProduceRequest.TransactionalId exists from v3 and is not ignorable.
  const txn = { ...defaultProduceRequest(), transactionalId: "tx" };
  assert.equal(
    encodeError((w) => encodeProduceRequest(w, txn, 2)),
    "UNSUPPORTED_VERSION",
  );
  encodeProduceRequest(new Writer(), { ...txn, transactionalId: null }, 2);
  // MetadataRequest.AllowAutoTopicCreation (v4+, default true, not ignorable).
  const noAuto = { ...defaultMetadataRequest(), allowAutoTopicCreation: false };
  assert.equal(
    encodeError((w) => encodeMetadataRequest(w, noAuto, 3)),
    "UNSUPPORTED_VERSION",
  );
  // MetadataRequestTopic.TopicId (v10+) is ignorable: dropped silently in older versions.
  const withId = {
    ...defaultMetadataRequest(),
    topics: [{ topicId: "AQIDBAUGBwgJCgsMDQ4PEA", name: "t" }],
  };
  const w = new Writer();
  encodeMetadataRequest(w, withId, 9);
  const back = MetadataRequestCodec.decode(new Reader(w.toBuffer()), 9);
  assert.equal(back.topics?.[0].topicId, "AAAAAAAAAAAAAAAAAAAAAA");
});

test("null is refused in versions where the field is not nullable", () => {
  const nullTopics = { ...defaultMetadataRequest(), topics: null };
  assert.equal(
    encodeError((w) => encodeMetadataRequest(w, nullTopics, 0)),
    "MALFORMED",
  );
  const w = new Writer();
  encodeMetadataRequest(w, nullTopics, 1);
  assert.deepEqual(w.toBuffer().subarray(0, 4), Buffer.from([0xff, 0xff, 0xff, 0xff]));
  // A null array on the wire where the version forbids it is a decode error, not a crash.
  assert.throws(() => MetadataRequestCodec.decode(new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff])), 0), ProtocolError);
});

test("versions outside validVersions are refused both ways", () => {
  assert.equal(
    encodeError((w) => MetadataRequestCodec.encode(w, defaultMetadataRequest(), 13)),
    "UNSUPPORTED_VERSION",
  );
  assert.throws(() => MetadataRequestCodec.decode(new Reader(Buffer.alloc(16)), -1), ProtocolError);
});

test("tagged fields at their default are not written; unknown tagged fields survive a round trip", () => {
  const w = new Writer();
  MetadataRequestCodec.encode(w, { ...defaultMetadataRequest(), topics: [] }, 12);
  // v12 is flexible: compact empty array (1), two bools, no tagged fields (0).
  assert.deepEqual(w.toBuffer(), Buffer.from([1, 1, 0, 0]));

  const unknown = [
    { tag: 3, data: Buffer.from([1, 2]) },
    { tag: 7, data: Buffer.from([]) },
  ];
  const endpoints = [{ nodeId: 1, host: "h", port: 9092, rack: null }];
  const withTags = { ...defaultFetchResponse(), nodeEndpoints: endpoints, _unknownTaggedFields: unknown };
  const out = new Writer();
  encodeFetchResponse(out, withTags, 16);
  const back = decodeFetchResponse(new Reader(out.toBuffer()), 16);
  assert.deepEqual(back._unknownTaggedFields, unknown);
  assert.deepEqual(back.nodeEndpoints, endpoints);
  // Unknown tagged fields cannot be written in a version without tagged fields.
  const onlyUnknown = { ...defaultFetchResponse(), _unknownTaggedFields: unknown };
  assert.equal(
    encodeError((w2) => encodeFetchResponse(w2, onlyUnknown, 11)),
    "UNSUPPORTED_VERSION",
  );
});
