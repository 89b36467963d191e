import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../../primitives/protocol-error.js";
import { CompressionType, TimestampType } from "../attributes.js";
import { readBatchHeader } from "../batch-header.js";
import { downConvert } from "../convert.js";
import { buildRecordBatch, readRecordBatch } from "../record-batch.js";
import { downConvertPlain, downConvertPlainBound } from "./down-convert-plain.js";
import { buildMessageSet, readMessageSet } from "./message-set.js";
import { upConvertPlain } from "./up-convert-plain.js";

const limit = { maxUncompressedBytes: 1 << 20 };
const bytes = fc.option(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  { nil: null },
);
const record = fc.record({
  key: bytes,
  value: bytes,
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 5 }), value: bytes }), { maxLength: 2 }),
});
const records = fc.array(record, { minLength: 1, maxLength: 30 });

test("upConvertPlain writes the same batch as decoding every message and building one", () => {
  fc.assert(
    fc.property(records, fc.constantFrom(0 as const, 1 as const), (input, magic) => {
      const set = buildMessageSet(input, { magic, baseOffset: 7 });
      const expected = buildRecordBatch(
        readMessageSet(set, limit).map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
        { compression: CompressionType.NONE, timestampType: TimestampType.CREATE_TIME },
      );
      assert.deepEqual(upConvertPlain(set), expected);
    }),
    { numRuns: 150 },
  );
});

test("upConvertPlain leaves compressed and empty sets to the general path, refuses corrupt ones", () => {
  const input = [{ key: null, value: Buffer.from("v") }];
  assert.equal(upConvertPlain(buildMessageSet(input, { magic: 1, compression: CompressionType.GZIP })), undefined);
  assert.equal(upConvertPlain(Buffer.alloc(0)), undefined);
  const set = buildMessageSet(input, { magic: 0 });
  set[set.length - 1] ^= 1;
  assert.throws(
    () => upConvertPlain(set),
    (e: unknown) => e instanceof ProtocolError && e.code === "MALFORMED",
  );
  assert.throws(
    () => upConvertPlain(set.subarray(0, set.length - 1)),
    (e: unknown) => e instanceof ProtocolError && e.code === "TRUNCATED",
  );
});

test("downConvert of uncompressed batches equals building each message set from decoded records", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(records, fc.constantFrom(TimestampType.CREATE_TIME, TimestampType.LOG_APPEND_TIME)), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.constantFrom(0 as const, 1 as const),
      (batches, toMagic) => {
        let baseOffset = 1000;
        const built: Buffer[] = [];
        const expected: Buffer[] = [];
        for (const [input, timestampType] of batches) {
          const batch = buildRecordBatch(input, { baseOffset, timestampType, logAppendTime: 5555 });
          built.push(batch);
          const header = readBatchHeader(batch);
          const logAppend = timestampType === TimestampType.LOG_APPEND_TIME;
          const decoded = [...readRecordBatch(batch)].map((r) => ({
            key: r.key,
            value: r.value,
            offset: baseOffset + r.offsetDelta,
            timestamp: logAppend ? header.maxTimestamp : header.baseTimestamp + r.timestampDelta,
          }));
          expected.push(
            buildMessageSet(decoded, { magic: toMagic, timestampType, logAppendTime: header.maxTimestamp }),
          );
          baseOffset += input.length;
        }
        assert.deepEqual(downConvert(Buffer.concat(built), toMagic, limit), Buffer.concat(expected));
      },
    ),
    { numRuns: 150 },
  );
});

test("downConvertPlain stays within its bound for the smallest records and refuses a short batch", () => {
  const input = Array.from({ length: 50 }, () => ({ key: null, value: null }));
  const batch = buildRecordBatch(input);
  const out = Buffer.alloc(downConvertPlainBound(batch, readBatchHeader(batch)));
  const end = downConvertPlain(batch, readBatchHeader(batch), 1, out, 0);
  assert.equal(end, 50 * 34);
  assert.ok(end <= out.length);
  // The bound follows the declared count, not the most records the bytes could hold.
  const large = buildRecordBatch([{ key: null, value: Buffer.alloc(10_000) }]);
  assert.ok(downConvertPlainBound(large, readBatchHeader(large)) < large.length + 100);
  const short = Buffer.from(batch);
  short.writeInt32BE(51, 57);
  assert.throws(
    () =>
      downConvertPlain(
        short,
        readBatchHeader(short),
        0,
        Buffer.alloc(downConvertPlainBound(short, readBatchHeader(short))),
        0,
      ),
    (e: unknown) => e instanceof ProtocolError && e.code === "MALFORMED",
  );
});
