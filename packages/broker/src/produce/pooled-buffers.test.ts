import assert from "node:assert/strict";
import { test } from "node:test";
import {
  buildMessageSet,
  buildRecordBatch,
  decodeResponse,
  defaultFetchRequest,
  ErrorCode,
  type FetchResponse,
  readRecordBatch,
} from "@samsa/protocol";
import { createTopics, startDiskBroker } from "../testing/disk-broker.js";

const PARTITIONS = 4;
const ROUNDS = 3;
const MESSAGES = 200;

/** Every value of round `round` to `partition`: one letter per (partition, round), 1 KiB each. */
function expectedValue(partition: number, round: number, i: number): string {
  return `${String.fromCharCode(97 + partition * ROUNDS + round)}${i}`.padEnd(1024, ".");
}

/** Records of round `round` to `partition`: a legacy message set (magic 1) or a v2 batch. */
function recordsOf(legacy: boolean, partition: number, round: number): Buffer {
  const records = Array.from({ length: MESSAGES }, (_, i) => ({
    key: null,
    value: Buffer.from(expectedValue(partition, round, i)),
  }));
  return legacy ? buildMessageSet(records, { magic: 1 }) : buildRecordBatch(records);
}

/**
 * Sends every round to every partition in one write (frames of ~200 KB, so each spans socket
 * reads and gets a pooled frame buffer), then reads each partition back. A pooled buffer (frame
 * or up-converted batch) given back before its bytes are in the log would carry another
 * request's records by then.
 */
async function pipelinedProducesKeepTheirBytes(legacy: boolean): Promise<void> {
  const produceVersion = legacy ? 2 : 9;
  const broker = await startDiskBroker("pooled-buffers");
  const c = broker.client;
  try {
    await createTopics(c, { u: PARTITIONS });
    const produceRequest = (partition: number, round: number) => ({
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: "u",
          partitionData: [
            {
              index: partition,
              records: recordsOf(legacy, partition, round),
            },
          ],
        },
      ],
    });
    // Leadership of the new partitions takes a moment to be in place: one message each, skipped below.
    const warmUp = legacy
      ? buildMessageSet([{ key: null, value: Buffer.from("w") }], { magic: 1 })
      : buildRecordBatch([{ key: null, value: Buffer.from("w") }]);
    for (let p = 0; p < PARTITIONS; p++) {
      for (let i = 0; i < 100; i++) {
        const r = await c.send(0, produceVersion, {
          ...produceRequest(p, 0),
          topicData: [{ name: "u", partitionData: [{ index: p, records: warmUp }] }],
        });
        if (r.responses[0].partitionResponses[0].errorCode === ErrorCode.NONE) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const frames: Buffer[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let p = 0; p < PARTITIONS; p++)
        frames.push(c.encode(0, produceVersion, produceRequest(p, round), 1000 + frames.length));
    }
    c.writeRaw(Buffer.concat(frames));
    for (let i = 0; i < frames.length; i++) {
      const frame = await c.nextFrame();
      assert.ok(frame);
      const r = decodeResponse(0, produceVersion, frame);
      assert.equal(r.body.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
    }
    for (let p = 0; p < PARTITIONS; p++) {
      // The high watermark follows the fsync after the acks=1 answers.
      const fetch = (): Promise<FetchResponse> =>
        c.send(1, 4, {
          ...defaultFetchRequest(),
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 16 << 20,
          topics: [
            {
              topic: "u",
              topicId: "AAAAAAAAAAAAAAAAAAAAAA",
              partitions: [
                {
                  partition: p,
                  currentLeaderEpoch: -1,
                  fetchOffset: 1n,
                  lastFetchedEpoch: -1,
                  logStartOffset: -1n,
                  partitionMaxBytes: 16 << 20,
                  replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
                },
              ],
            },
          ],
        });
      let f = await fetch();
      for (let i = 0; i < 100 && f.responses[0].partitions[0].highWatermark < BigInt(1 + ROUNDS * MESSAGES); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        f = await fetch();
      }
      const bytes = f.responses[0].partitions[0].records as Buffer;
      const values: string[] = [];
      for (let pos = 0; pos < bytes.length; ) {
        const batch = readRecordBatch(bytes, pos);
        for (const r of batch) values.push(r.value?.toString() ?? "");
        pos += 12 + batch.header.batchLength;
      }
      const expected = Array.from({ length: ROUNDS }, (_, round) =>
        Array.from({ length: MESSAGES }, (_, i) => expectedValue(p, round, i)),
      ).flat();
      assert.equal(values.length, expected.length, `partition ${p}`);
      assert.ok(
        values.every((v, i) => v === expected[i]),
        `partition ${p} holds another request's bytes`,
      );
    }
  } finally {
    await broker.stop();
  }
}

test("pipelined legacy produces to several partitions keep their own bytes (pooled up-conversion)", () =>
  pipelinedProducesKeepTheirBytes(true));

test("pipelined v2 produces to several partitions keep their own bytes (pooled frame buffers)", () =>
  pipelinedProducesKeepTheirBytes(false));
