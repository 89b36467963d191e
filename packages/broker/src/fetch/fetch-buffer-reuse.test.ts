import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildRecordBatch,
  DEFAULT_MAX_UNCOMPRESSED_BYTES,
  decodeResponse,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFetchRequest,
  encodeRequest,
  ErrorCode,
  readMessageSet,
  validateRecordBatch,
} from "@samsa/protocol";
import { BufferPool } from "@samsa/storage";
import { Broker } from "../broker.js";
import { BrokerConfig } from "../config/broker-config.js";
import { silentLogger } from "../logger.js";
import { DiskPartitionLogs } from "../replica/testing/disk-partition-logs.js";
import { removeDir } from "../testing/test-broker.js";
import { TestClient } from "../testing/test-client.js";

const BATCHES = 64;
const RECORDS_PER_BATCH = 16;
const VALUE_BYTES = 1000;
const FETCHES_PER_CONNECTION = 5;
const CONNECTIONS = 3;

function fetchRequest(version: number, correlationId: number, fetchOffset: bigint): Buffer {
  const body = {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 8 << 20,
    topics: [
      {
        topic: "t",
        topicId: "AAAAAAAAAAAAAAAAAAAAAA",
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 8 << 20,
            replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
          },
        ],
      },
    ],
  };
  return Buffer.concat(encodeRequest(1, version, correlationId, "reuse-test", body));
}

function readFrames(s: Socket, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const frames: Buffer[] = [];
    s.on("error", reject);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        frames.push(buf.subarray(4, 4 + buf.readInt32BE(0)));
        buf = buf.subarray(4 + buf.readInt32BE(0));
      }
      if (frames.length >= count) resolve(frames);
    });
  });
}

/** Every batch in `records` passes its CRC; returns the records in them. */
function checkRecords(records: Buffer): number {
  let pos = 0;
  let batches = 0;
  while (pos < records.length) {
    const v = validateRecordBatch(records, pos, {
      maxUncompressedBytes: DEFAULT_MAX_UNCOMPRESSED_BYTES,
      origin: "coordinator",
    });
    pos += v.sizeInBytes;
    batches += v.header.recordCount;
  }
  return batches;
}

/** Down-converted (magic 1) messages all carry the values produced; returns how many. */
function checkLegacy(records: Buffer, value: Buffer): number {
  const messages = readMessageSet(records, { maxUncompressedBytes: DEFAULT_MAX_UNCOMPRESSED_BYTES });
  for (const m of messages) assert.ok(m.value?.equals(value), `message ${m.offset} corrupt`);
  return messages.length;
}

for (const version of [11, 3]) {
  test(`pooled fetch buffers (Fetch v${version}) are reused only after the responses that carry them were written`, async (t) => {
    // Poison every buffer given back to the pool: a buffer released while a queued response still
    // references it corrupts what the client receives, and the CRC check below fails.
    const release = BufferPool.prototype.release;
    let released = 0;
    t.mock.method(BufferPool.prototype, "release", function (this: BufferPool, buf: Buffer) {
      released++;
      new Uint8Array(buf.buffer, buf.byteOffset, buf.length).fill(0xee);
      release.call(this, buf);
    });
    const dir = await mkdtemp(join(tmpdir(), "samsa-fetch-reuse-"));
    const config = BrokerConfig.from([
      ["log.dirs", dir],
      ["listeners", "PLAINTEXT://127.0.0.1:0"],
    ]);
    const broker = new Broker({ config, log: silentLogger(), openLogs: async () => new DiskPartitionLogs(dir) });
    await broker.start();
    const port = broker.identity.endpoints[0].port;
    const c = await TestClient.connect(port);
    try {
      const topics = [
        { ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 1, replicationFactor: -1 },
      ];
      await c.send(19, 5, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 5000 });
      const value = Buffer.alloc(VALUE_BYTES, 0x41);
      for (let i = 0; i < BATCHES; i++) {
        const records = buildRecordBatch(
          Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value, timestamp: Date.now() })),
        );
        let r = await c.send(0, 9, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
        });
        // The new partition's leader may still be opening.
        for (let k = 0; k < 100 && r.responses[0].partitionResponses[0].errorCode !== ErrorCode.NONE; k++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          r = await c.send(0, 9, {
            transactionalId: null,
            acks: -1,
            timeoutMs: 5000,
            topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
          });
        }
        assert.equal(r.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
      }
      // Pipelined fetches on paused sockets: responses (about 1 MB each) queue in the broker while
      // other connections' fetches take buffers from the same pool.
      const sockets = await Promise.all(
        Array.from(
          { length: CONNECTIONS },
          () =>
            new Promise<Socket>((resolve, reject) => {
              const s = connect({ port, host: "127.0.0.1" }, () => resolve(s));
              s.once("error", reject);
            }),
        ),
      );
      for (const s of sockets) {
        s.pause();
        for (let i = 0; i < FETCHES_PER_CONNECTION; i++)
          s.write(fetchRequest(version, i, BigInt(i * RECORDS_PER_BATCH)));
      }
      await new Promise((r) => setTimeout(r, 300));
      const frames = await Promise.all(
        sockets.map((s) => {
          const got = readFrames(s, FETCHES_PER_CONNECTION);
          s.resume();
          return got;
        }),
      );
      for (const [i, s] of sockets.entries()) {
        s.destroy();
        for (const [j, frame] of frames[i].entries()) {
          const r = decodeResponse(1, version, frame);
          assert.equal(r.correlationId, j);
          const p = r.body.responses[0].partitions[0];
          assert.equal(p.errorCode, ErrorCode.NONE);
          assert.ok(p.records !== null);
          const records = Buffer.isBuffer(p.records) ? p.records : Buffer.concat(p.records);
          const count = version >= 4 ? checkRecords(records) : checkLegacy(records, value);
          assert.equal(count, (BATCHES - j) * RECORDS_PER_BATCH);
        }
      }
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(released >= CONNECTIONS * FETCHES_PER_CONNECTION, `only ${released} read buffers came back`);
    } finally {
      c.close();
      await broker.stop();
      await removeDir(dir);
    }
  });
}
