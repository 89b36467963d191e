import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { buildRecordBatch, CompressionType, decodeResponse, ErrorCode } from "@samsa/protocol";
import { createTopics, startDiskBroker } from "../testing/disk-broker.js";

test("pipelined produce requests to one partition are appended in request order, compressed or not", async () => {
  const broker = await startDiskBroker("produce-order");
  const c = broker.client;
  try {
    await createTopics(c, { o: 1 });
    // A large gzip batch takes a while to inflate and validate; a small plain one right behind it
    // on the same connection must still get the later offsets (librdkafka's test 0077 checks this).
    const slow = buildRecordBatch(
      Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: randomBytes(512) })),
      { compression: CompressionType.GZIP },
    );
    const fast = buildRecordBatch([{ key: "f", value: "x" }]);
    const produceOnce = (records: Buffer) =>
      c.send(0, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: "o", partitionData: [{ index: 0, records }] }],
      });
    // The new partition's leadership takes a moment to be in place.
    for (let i = 0; i < 100; i++) {
      const r = await produceOnce(fast);
      if (r.responses[0].partitionResponses[0].errorCode === ErrorCode.NONE) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rounds = 5;
    const frames: Buffer[] = [];
    const correlationIds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const records of [slow, fast]) {
        const id = 100 + frames.length;
        correlationIds.push(id);
        frames.push(
          c.encode(
            0,
            9,
            {
              transactionalId: null,
              acks: 1,
              timeoutMs: 5000,
              topicData: [{ name: "o", partitionData: [{ index: 0, records }] }],
            },
            id,
          ),
        );
      }
    }
    c.writeRaw(Buffer.concat(frames));
    const baseOffsets: number[] = [];
    for (const id of correlationIds) {
      const frame = await c.nextFrame();
      assert.ok(frame);
      const r = decodeResponse(0, 9, frame);
      assert.equal(r.correlationId, id);
      const p = r.body.responses[0].partitionResponses[0];
      assert.equal(p.errorCode, ErrorCode.NONE);
      baseOffsets.push(Number(p.baseOffset));
    }
    const expected = Array.from({ length: rounds }, (_, r) => [1 + r * 401, 1 + r * 401 + 400]).flat();
    assert.deepEqual(baseOffsets, expected);
  } finally {
    await broker.stop();
  }
});
