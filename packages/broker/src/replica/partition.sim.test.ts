import assert from "node:assert/strict";
import { test } from "node:test";
import { type Random, seededRandom } from "@samsa/common";
import { buildRecordBatch, readRecordBatch, validateRecordBatch } from "@samsa/protocol";
import type { Log } from "@samsa/storage";
import { ManualClock, openTestLog, SimFs } from "@samsa/storage/testing";
import type { LeaderAppendResult, Partition } from "./partition.js";
import { openTestLeader } from "./testing/test-partition.js";

const DIR = "/data/t-0";

interface Acked {
  producerId: number;
  baseSequence: number;
  baseOffset: number;
  values: string[];
}

async function open(fs: SimFs, clock: ManualClock, epoch: number): Promise<{ log: Log; partition: Partition }> {
  const log = await openTestLog(fs, DIR, { clock });
  const partition = await openTestLeader(log, clock, epoch);
  return { log, partition };
}

function batchOf(producerId: number, seq: number, values: string[], nowMs: number): Buffer {
  return buildRecordBatch(
    values.map((value) => ({ key: null, value, timestamp: nowMs })),
    { producerId, producerEpoch: 0, baseSequence: seq },
  );
}

async function append(partition: Partition, batch: Buffer): Promise<LeaderAppendResult> {
  const validation = validateRecordBatch(batch, 0, { maxUncompressedBytes: 1 << 20 });
  return partition.appendAsLeader(batch, [{ pos: 0, validation }]);
}

/** Waits until the partition's HW reaches `offset` (flushes are scheduled with setImmediate). */
async function untilHighWatermark(partition: Partition, offset: number): Promise<void> {
  for (let i = 0; i < 1000 && partition.state.highWatermark < offset; i++) {
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(partition.state.highWatermark >= offset, "the HW never reached the append");
}

async function readAll(log: Log): Promise<{ producerId: number; seq: number; offset: number; values: string[] }[]> {
  const out: { producerId: number; seq: number; offset: number; values: string[] }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = await log.read(offset, 1 << 20, { minOneMessage: true });
    if (read.records.length === 0) break;
    let pos = 0;
    while (pos < read.records.length) {
      const b = readRecordBatch(read.records, pos);
      out.push({
        producerId: b.header.producerId,
        seq: b.header.baseSequence,
        offset: b.header.baseOffset,
        values: [...b].map((r) => r.value?.toString() ?? ""),
      });
      offset = b.header.baseOffset + b.header.lastOffsetDelta + 1;
      pos += 12 + b.header.batchLength;
    }
  }
  return out;
}

async function runSeed(seed: number): Promise<void> {
  const rnd: Random = seededRandom(seed);
  const fs = new SimFs(0, seededRandom(seed + 1));
  const clock = new ManualClock();
  let epoch = 0;
  let { log, partition } = await open(fs, clock, epoch);
  const acked: Acked[] = [];
  const nextSeq = new Map<number, number>();
  let visibleHw = 0;
  let visible: Awaited<ReturnType<typeof readAll>> = [];
  for (let round = 0; round < 4; round++) {
    // Concurrent producers; some batches are acknowledged (acks=-1: waited for the HW), some not.
    const producers = [1, 2, 3].map(async (pid) => {
      for (let i = 0; i < 6; i++) {
        const seq = nextSeq.get(pid) ?? 0;
        const values = Array.from({ length: 1 + Math.floor(rnd.next() * 3) }, (_, j) => `p${pid}s${seq + j}`);
        const batch = batchOf(pid, seq, values, clock.nowMs());
        const result = await append(partition, batch);
        if (result.kind !== "appended") assert.fail(`seed ${seed}: ${JSON.stringify(result)}`);
        nextSeq.set(pid, seq + values.length);
        if (rnd.next() < 0.3) {
          const retry = await append(partition, batchOf(pid, seq, values, clock.nowMs()));
          if (retry.kind !== "duplicate") assert.fail(`seed ${seed}: a retry is a duplicate, got ${retry.kind}`);
          assert.equal(retry.baseOffset, result.baseOffset);
        }
        if (rnd.next() < 0.6) {
          await untilHighWatermark(partition, result.lastOffset + 1);
          acked.push({ producerId: pid, baseSequence: seq, baseOffset: result.baseOffset, values });
        }
      }
    });
    await Promise.all(producers);
    assert.ok(partition.state.highWatermark <= log.recoveryPoint, `seed ${seed}: HW beyond fsynced data`);
    visibleHw = partition.state.highWatermark;
    visible = (await readAll(log)).filter((b) => b.offset < visibleHw);
    // One more append that nobody waits for, then the power goes out before its flush runs.
    const pid = 1 + Math.floor(rnd.next() * 3);
    const seq = nextSeq.get(pid) ?? 0;
    await append(partition, batchOf(pid, seq, [`lost?${seq}`], clock.nowMs()));
    fs.powerLoss(rnd);
    epoch++;
    ({ log, partition } = await open(fs, clock, epoch));

    const survived = await readAll(log);
    for (let i = 1; i < survived.length; i++) {
      const prev = survived[i - 1];
      assert.equal(survived[i].offset, prev.offset + prev.values.length, `seed ${seed}: offsets are contiguous`);
    }
    assert.ok(log.logEndOffset >= visibleHw, `seed ${seed}: a consumer saw offsets that a power loss erased`);
    assert.deepEqual(
      survived.filter((b) => b.offset < visibleHw),
      visible,
      `seed ${seed}: data below the HW changed`,
    );
    for (const a of acked) {
      const found = survived.find((b) => b.offset === a.baseOffset);
      assert.deepEqual(found?.values, a.values, `seed ${seed}: acknowledged batch at ${a.baseOffset} lost`);
      assert.equal(found?.producerId, a.producerId);
    }
    const keys = new Set(survived.map((b) => `${b.producerId}/${b.seq}`));
    assert.equal(keys.size, survived.length, `seed ${seed}: a batch was written twice`);
    // Producers continue after the last sequence the log kept (as a retrying client would learn).
    for (const p of [1, 2, 3]) {
      const last = survived.filter((b) => b.producerId === p).at(-1);
      nextSeq.set(p, last === undefined ? 0 : last.seq + last.values.length);
    }
    const lastAcked = acked.at(-1);
    if (lastAcked !== undefined) {
      const retry = await append(
        partition,
        batchOf(lastAcked.producerId, lastAcked.baseSequence, lastAcked.values, clock.nowMs()),
      );
      assert.ok(
        retry.kind === "duplicate" ||
          (retry.kind === "error" && retry.error === "OUT_OF_ORDER_SEQUENCE_NUMBER" && lastAcked !== undefined),
        `seed ${seed}: retry after recovery: ${retry.kind}`,
      );
      if (retry.kind === "duplicate") assert.equal(retry.baseOffset, lastAcked.baseOffset);
    }
    clock.advance(1000);
  }
  await log.close();
}

test("seeded power-loss simulation: acked data survives, the HW never exposes what a crash erases, no duplicates", async () => {
  for (const seed of [1, 2, 3, 5, 8, 13, 21, 34]) await runSeed(seed);
});
