import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../primitives/protocol-error.js";
import { batchSpans, summarizeBatches } from "./batches.js";
import { buildMessageSet } from "./legacy/message-set.js";
import { buildRecordBatch } from "./record-batch.js";

test("summarizeBatches agrees with batchSpans on mixed sets with a cut tail", () => {
  const entry = fc.oneof(
    fc
      .constantFrom(0 as const, 1 as const)
      .map((magic) => buildMessageSet([{ key: null, value: Buffer.from("v") }], { magic })),
    fc.uint8Array({ maxLength: 50 }).map((v) => buildRecordBatch([{ value: Buffer.from(v) }])),
  );
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 8 }), fc.nat(40), (entries, cut) => {
      const whole = Buffer.concat(entries);
      const buf = whole.subarray(0, Math.max(0, whole.length - cut));
      const spans = [...batchSpans(buf, true)];
      const summary = summarizeBatches(buf, true);
      assert.equal(summary.count, spans.length);
      assert.equal(summary.wholeBytes, spans.length === 0 ? 0 : spans.at(-1)!.pos + spans.at(-1)!.size);
      assert.equal(summary.maxSize, Math.max(0, ...spans.map((s) => s.size)));
      assert.equal(
        summary.magics,
        spans.reduce((m, s) => m | (1 << s.magic), 0),
      );
    }),
  );
});

test("summarizeBatches refuses what batchSpans refuses", () => {
  const set = buildMessageSet([{ key: null, value: Buffer.from("v") }], { magic: 0 });
  assert.throws(
    () => summarizeBatches(set.subarray(0, set.length - 1)),
    (e: unknown) => e instanceof ProtocolError && e.code === "TRUNCATED",
  );
  const tiny = Buffer.from(set);
  tiny.writeInt32BE(3, 8);
  assert.throws(
    () => summarizeBatches(tiny, true),
    (e: unknown) => e instanceof ProtocolError && e.code === "MALFORMED",
  );
});
