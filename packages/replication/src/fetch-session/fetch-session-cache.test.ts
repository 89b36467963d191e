import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import type { FetchPartitionRequest, FetchPartitionSummary } from "./fetch-metadata.js";
import { nextEpoch } from "./fetch-metadata.js";
import { type FetchContext, type FetchRequestMetadata, FetchSessionCache } from "./fetch-session-cache.js";

function part(topic: string, partition: number, fetchOffset = 0): FetchPartitionRequest {
  return {
    topic,
    partition,
    fetchOffset,
    partitionMaxBytes: 1024,
    currentLeaderEpoch: -1,
    lastFetchedEpoch: -1,
    logStartOffset: -1,
  };
}

function answer(p: FetchPartitionRequest, hw: number, recordsBytes = 0, errorCode = 0): FetchPartitionSummary {
  return { topic: p.topic, partition: p.partition, errorCode, recordsBytes, highWatermark: hw, logStartOffset: 0 };
}

function req(over: Partial<FetchRequestMetadata>): FetchRequestMetadata {
  return {
    sessionId: 0,
    sessionEpoch: 0,
    usesTopicIds: false,
    fromFollower: false,
    partitions: [],
    forgotten: [],
    ...over,
  };
}

function ok(ctx: FetchContext) {
  assert.notEqual(ctx.kind, "error");
  if (ctx.kind === "error") throw new Error("unreachable");
  return ctx;
}

test("a full fetch opens a session; incremental fetches answer only what changed", () => {
  const cache = new FetchSessionCache({ random: seededRandom(1) });
  const a = part("t", 0);
  const b = part("t", 1);
  const full = ok(cache.newContext(req({ partitions: [a, b] }), 0));
  assert.equal(full.kind, "full");
  const { sessionId } = full.complete([answer(a, 5), answer(b, 7)], 0);
  assert.ok(sessionId > 0);

  const inc = ok(cache.newContext(req({ sessionId, sessionEpoch: 1 }), 10));
  assert.equal(inc.kind, "incremental");
  assert.deepEqual(
    inc.partitions.map((p) => p.partition),
    [0, 1],
  );
  const done = inc.complete([answer(a, 5), answer(b, 9, 100)], 10);
  assert.deepEqual(
    done.partitions.map((p) => p.partition),
    [1],
  );
  const inc2 = ok(cache.newContext(req({ sessionId, sessionEpoch: 2 }), 20));
  assert.deepEqual(
    inc2.partitions.map((p) => p.partition),
    [0, 1],
    "answered partitions move to the back",
  );
  const err = inc2.complete([answer(a, 5, 0, 1), answer(b, 9)], 20);
  assert.deepEqual(
    err.partitions.map((p) => p.partition),
    [0],
  );
});

test("session errors: unknown id, wrong epoch, topic-id mismatch", () => {
  const cache = new FetchSessionCache({ random: seededRandom(2) });
  assert.deepEqual(cache.newContext(req({ sessionId: 99, sessionEpoch: 1 }), 0), {
    kind: "error",
    error: "FETCH_SESSION_ID_NOT_FOUND",
  });
  const a = part("t", 0);
  const { sessionId } = ok(cache.newContext(req({ partitions: [a] }), 0)).complete([answer(a, 0)], 0);
  assert.equal(cache.newContext(req({ sessionId, sessionEpoch: 5 }), 0).kind, "error");
  assert.deepEqual(cache.newContext(req({ sessionId, sessionEpoch: 1, usesTopicIds: true }), 0), {
    kind: "error",
    error: "FETCH_SESSION_TOPIC_ID_ERROR",
  });
  assert.deepEqual(cache.newContext(req({ sessionId, sessionEpoch: 2 }), 0), {
    kind: "error",
    error: "INVALID_FETCH_SESSION_EPOCH",
  });
});

test("forgetting every partition or sending epoch -1 closes the session", () => {
  const cache = new FetchSessionCache({ random: seededRandom(3) });
  const a = part("t", 0);
  const { sessionId } = ok(cache.newContext(req({ partitions: [a] }), 0)).complete([answer(a, 0)], 0);
  const closed = ok(cache.newContext(req({ sessionId, sessionEpoch: 1, forgotten: [a] }), 0));
  assert.equal(closed.kind, "sessionless");
  assert.equal(cache.size, 0);
  const again = ok(cache.newContext(req({ partitions: [a] }), 0)).complete([answer(a, 0)], 0);
  const final = ok(cache.newContext(req({ sessionId: again.sessionId, sessionEpoch: -1, partitions: [a] }), 0));
  assert.equal(final.kind, "sessionless");
  assert.equal(final.complete([answer(a, 0)], 0).sessionId, 0);
  assert.equal(cache.size, 0);
});

test("the cache is bounded: young sessions are kept, stale ones and weaker old ones are evicted", () => {
  const cache = new FetchSessionCache({ maxSessions: 2, evictionMs: 100, random: seededRandom(4) });
  const open = (n: number, now: number, fromFollower = false) => {
    const parts = Array.from({ length: n }, (_, i) => part("t", i));
    return ok(cache.newContext(req({ partitions: parts, fromFollower }), now)).complete(
      parts.map((p) => answer(p, 0)),
      now,
    ).sessionId;
  };
  const s1 = open(1, 0);
  const s2 = open(3, 0);
  assert.equal(open(5, 50), 0, "no room and nothing old enough");
  const s3 = open(2, 50, true);
  assert.ok(s3 > 0, "a follower may evict a consumer's session");
  assert.equal(cache.get(s1), undefined);
  assert.ok(cache.get(s2) !== undefined && cache.get(s3) !== undefined);
  const s4 = open(1, 1000);
  assert.ok(s4 > 0, "stale sessions go first");
  assert.equal(cache.get(s2), undefined, "the least recently used goes");
  assert.equal(cache.size, 2);
});

test("epochs wrap to 1, never back to 0", () => {
  assert.equal(nextEpoch(0x7fffffff), 1);
  assert.equal(nextEpoch(-1), -1);
  assert.equal(nextEpoch(4), 5);
});
