import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import { buildRecordBatch, encodeRequest, ErrorCode, type RequestByApiKey } from "@samsa/protocol";
import { pino } from "pino";
import { Broker } from "../broker.js";
import { BrokerConfig } from "../config/broker-config.js";
import { DiskPartitionLogs } from "../replica/testing/disk-partition-logs.js";
import { removeDir } from "../testing/test-broker.js";
import { TestClient } from "../testing/test-client.js";

async function findTxnCoordinator(c: TestClient, key: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await c.send(10, 3, { key, keyType: 1, coordinatorKeys: [] });
    if (r.errorCode === ErrorCode.NONE) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no transaction coordinator");
}

const PROTOCOL_CODES = new Set(["TRUNCATED", "MALFORMED", "TOO_LARGE", "UNSUPPORTED_VERSION"]);

test("mutated transaction requests get an answer or a closed connection, only decode errors close it, the coordinator survives", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-txn-fuzz-"));
  const failures: { code?: unknown }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) {
        if (line.includes("closing connection after request failure")) failures.push(JSON.parse(line));
      }
      done();
    },
  });
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
    ["transaction.state.log.num.partitions", "2"],
    ["offsets.topic.num.partitions", "2"],
  ]);
  const broker = new Broker({
    config,
    log: pino({ level: "warn" }, sink),
    openLogs: async () => new DiskPartitionLogs(dir),
  });
  await broker.start();
  const port = broker.identity.endpoints[0].port;
  try {
    const c = await TestClient.connect(port);
    await c.send(19, 7, {
      timeoutMs: 5000,
      validateOnly: false,
      topics: [{ name: "t", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    });
    await findTxnCoordinator(c, "tx");
    const ref = { transactionalId: "tx", producerId: 0n, producerEpoch: 0 };
    const topics = [{ name: "t", partitions: [0, 1] }];
    const batch = buildRecordBatch([{ key: null, value: Buffer.from("v"), timestamp: Date.now() }], {
      producerId: 0,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
    });
    const requests: [number, number, unknown][] = [
      [22, 4, { transactionalId: "tx", transactionTimeoutMs: 10_000, producerId: -1n, producerEpoch: -1 }],
      [
        24,
        3,
        {
          transactions: [],
          v3AndBelowTransactionalId: "tx",
          v3AndBelowProducerId: 0n,
          v3AndBelowProducerEpoch: 0,
          v3AndBelowTopics: topics,
        },
      ],
      [
        24,
        4,
        {
          transactions: [{ ...ref, verifyOnly: true, topics }],
          v3AndBelowTransactionalId: "",
          v3AndBelowProducerId: 0n,
          v3AndBelowProducerEpoch: 0,
          v3AndBelowTopics: [],
        },
      ],
      [25, 3, { ...ref, groupId: "g" }],
      [26, 3, { ...ref, committed: true }],
      [
        27,
        1,
        {
          markers: [
            {
              producerId: 0n,
              producerEpoch: 0,
              transactionResult: false,
              coordinatorEpoch: 0,
              topics: [{ name: "t", partitionIndexes: [1] }],
            },
          ],
        },
      ],
      [
        28,
        3,
        {
          ...ref,
          groupId: "g",
          generationId: -1,
          memberId: "",
          groupInstanceId: null,
          topics: [
            {
              name: "t",
              partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: "" }],
            },
          ],
        },
      ],
      [65, 0, { transactionalIds: ["tx", "other"] }],
      [66, 1, { stateFilters: ["Ongoing"], producerIdFilters: [0n], durationFilter: -1n }],
      [
        0,
        9,
        {
          transactionalId: "tx",
          acks: 1,
          timeoutMs: 1000,
          topicData: [{ name: "t", partitionData: [{ index: 0, records: batch }] }],
        },
      ],
    ];
    let answered = 0;
    const frames = requests.map(([k, v, body]) =>
      Buffer.concat(encodeRequest(k as 18, v, 7, "fuzz", body as RequestByApiKey[18])),
    );
    // The unmutated requests first, so mutations meet a coordinator with state.
    for (const f of frames) {
      c.writeRaw(f);
      assert.ok((await c.nextFrame()) !== null);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...frames),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        async (frame, flips, cut) => {
          const m = Buffer.from(frame);
          const len = cut % 4 === 0 ? 8 + (cut % (m.length - 7)) : m.length;
          for (const [pos, byte] of flips) m[4 + (pos % (len - 4))] = byte;
          m.writeInt32BE(len - 4, 0);
          const conn = await TestClient.connect(port);
          conn.writeRaw(m.subarray(0, len));
          if ((await conn.nextFrame()) !== null) answered++;
          conn.close();
        },
      ),
      { numRuns: 400, seed: 9 },
    );
    assert.ok(answered > 100, `only ${answered} mutated requests were answered`);
    assert.ok(failures.length > 10, `only ${failures.length} closed connections: the mutations are too weak`);
    const unexpected = failures.filter((f) => !PROTOCOL_CODES.has(String(f.code)));
    assert.deepEqual(unexpected, [], "only decode errors may close a connection");
    // Still serving transactions (a new id may meet its partition still loading).
    await findTxnCoordinator(c, "after");
    const init = await c.send(22, 4, {
      transactionalId: "after",
      transactionTimeoutMs: 10_000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(init.errorCode, ErrorCode.NONE);
    c.close();
  } finally {
    await broker.stop();
    await removeDir(dir);
  }
});
