import assert from "node:assert/strict";
import { test } from "node:test";
import { buildMessageSet, buildRecordBatch, CompressionType, ErrorCode } from "@samsa/protocol";
import fc from "fast-check";
import type { TopicSettings } from "../replica/topic-settings.js";
import { validateProduceRecords } from "./validate-records.js";

const settings: TopicSettings = {
  compact: false,
  delete: true,
  logAppendTime: false,
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: 3_600_000,
  maxMessageBytes: 1_048_588,
  minInsyncReplicas: 1,
  flushMessages: Number.POSITIVE_INFINITY,
  compressionType: "producer",
};

const now = Date.now();
const opts = (apiVersion: number, over: Partial<TopicSettings> = {}) => ({
  apiVersion,
  settings: { ...settings, ...over },
  nowMs: now,
  topicPartition: "t-0",
});

test("valid batches pass; Kafka's refusals carry Kafka's codes", async () => {
  const batch = buildRecordBatch([{ key: "k", value: "v", timestamp: now }]);
  const ok = await validateProduceRecords(batch, opts(9));
  assert.ok(ok.ok && ok.records !== null && ok.batches.length === 1);
  const future = buildRecordBatch([{ key: "k", value: "v", timestamp: now + 7_200_000 }]);
  const late = await validateProduceRecords(future, opts(9));
  assert.ok(!late.ok && late.error === "INVALID_TIMESTAMP" && late.recordErrors.length === 1);
  const big = await validateProduceRecords(batch, opts(9, { maxMessageBytes: 10 }));
  assert.ok(!big.ok && big.error === "MESSAGE_TOO_LARGE");
  const legacy = buildMessageSet([{ key: null, value: Buffer.from("x") }], { magic: 0 });
  const v3Legacy = await validateProduceRecords(legacy, opts(3));
  assert.ok(!v3Legacy.ok && v3Legacy.error === "INVALID_RECORD");
  const upConverted = await validateProduceRecords(legacy, opts(1));
  assert.ok(upConverted.ok && upConverted.records !== null && upConverted.records.readInt8(16) === 2);
  const empty = await validateProduceRecords(null, opts(9));
  assert.ok(!empty.ok && ErrorCode[empty.error] === ErrorCode.INVALID_RECORD);
});

test("seeded fuzz: mutated produce payloads yield a refusal or a pass, never a throw", async () => {
  const base = [
    buildRecordBatch([
      { key: "a", value: "1", timestamp: now },
      { key: null, value: "2", timestamp: now },
    ]),
    buildRecordBatch([{ key: "a", value: "x".repeat(200), timestamp: now }], { compression: CompressionType.GZIP }),
    buildMessageSet([{ key: null, value: Buffer.from("old"), timestamp: now }], { magic: 1 }),
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.nat(base.length - 1),
      fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 6 }),
      fc.nat(420),
      fc.constantFrom(0, 2, 3, 7, 9, 11),
      async (which, flips, cut, version) => {
        const buf = Buffer.from(base[which]);
        for (const [at, value] of flips) if (at < buf.length) buf[at] = value;
        const input = buf.subarray(0, Math.min(buf.length, cut + 1));
        const r = await validateProduceRecords(input, opts(version, { compact: which === 0 }));
        if (!r.ok) assert.ok(ErrorCode[r.error] !== undefined, `unknown error ${r.error}`);
      },
    ),
    { seed: 20261124, numRuns: 400 },
  );
});
