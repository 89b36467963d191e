import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiKey } from "../generated/api-table.js";
import { API_KEYS, advertisedMaxVersion, apiByKey, isVersionSupported } from "./api-keys.js";
import { ERRORS, ErrorCode, errorInfo, isRetriable } from "./error-codes.js";

test("the error table covers every Kafka code from -1 to 128 exactly once", () => {
  const codes = ERRORS.map((e) => e.code);
  assert.deepEqual(
    codes,
    Array.from({ length: 130 }, (_, i) => i - 1),
  );
  for (const e of ERRORS) {
    assert.equal(ErrorCode[e.name], e.code);
    assert.ok(e.message.length > 0);
  }
});

test("error facts match Kafka's Errors.java", () => {
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.TRANSACTION_ABORTABLE, 120);
  assert.equal(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER), true);
  assert.equal(isRetriable(ErrorCode.CONCURRENT_TRANSACTIONS), true);
  assert.equal(isRetriable(ErrorCode.PRODUCER_FENCED), false);
  assert.equal(isRetriable(ErrorCode.NONE), false);
  assert.equal(errorInfo(ErrorCode.UNKNOWN_TOPIC_ID)?.name, "UNKNOWN_TOPIC_ID");
  assert.equal(errorInfo(5000), undefined);
});

test("the API table has every request/response pair from the specs", () => {
  assert.equal(API_KEYS.length, 88);
  const produce = apiByKey(ApiKey.Produce);
  assert.equal(produce?.name, "Produce");
  assert.equal(produce?.flexibleMin, 9);
  assert.equal(produce?.request.name, "ProduceRequest");
  assert.equal(produce?.response.name, "ProduceResponse");
  assert.equal(apiByKey(ApiKey.SaslHandshake)?.flexibleMin, Number.POSITIVE_INFINITY);
  assert.equal(apiByKey(-1), undefined);
  assert.equal(apiByKey(1.5), undefined);
  for (const d of API_KEYS) {
    assert.equal(apiByKey(d.apiKey), d);
    assert.equal(d.request.apiKey, d.apiKey);
    assert.deepEqual(d.request.validVersions, { min: d.minVersion, max: d.maxVersion });
  }
});

test("unstable latest versions are not advertised", () => {
  const endTxn = apiByKey(ApiKey.EndTxn);
  assert.ok(endTxn?.latestVersionUnstable);
  assert.equal(advertisedMaxVersion(endTxn), endTxn.maxVersion - 1);
  const metadata = apiByKey(ApiKey.Metadata);
  assert.ok(metadata && !metadata.latestVersionUnstable);
  assert.equal(advertisedMaxVersion(metadata), metadata.maxVersion);
  assert.equal(isVersionSupported(ApiKey.Metadata, metadata.maxVersion), true);
  assert.equal(isVersionSupported(ApiKey.Metadata, metadata.maxVersion + 1), false);
});

test("ConsumerGroupHeartbeat v1, released by Kafka 4.0, is advertised despite the snapshot's flag", () => {
  const heartbeat = apiByKey(ApiKey.ConsumerGroupHeartbeat);
  assert.ok(heartbeat?.latestVersionUnstable);
  assert.equal(heartbeat.maxVersion, 1);
  assert.equal(advertisedMaxVersion(heartbeat), 1);
});
