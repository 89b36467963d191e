import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { type ClientAppendCheck, type ProducerBatch, ProducerStateManager } from "./producer-state-manager.js";
import { incrementSequence, MAX_SEQUENCE } from "./sequence.js";

/** A tiny log: assigns offsets, checks, and commits like the produce path does. */
class FakeLog {
  nextOffset = 0;
  readonly batches: ProducerBatch[] = [];
  constructor(readonly state = new ProducerStateManager("t-0")) {}

  produce(pid: number, epoch: number, seq: number, count: number, ts = 1000, transactional = false): ClientAppendCheck {
    const batch: ProducerBatch = {
      producerId: pid,
      producerEpoch: epoch,
      baseSequence: seq,
      firstOffset: this.nextOffset,
      lastOffset: this.nextOffset + count - 1,
      maxTimestamp: ts,
      transactional,
    };
    const check = this.state.checkClientAppend([batch]);
    if (check.kind === "ok") {
      this.batches.push(batch);
      this.nextOffset += count;
      this.state.commit(check.update);
    }
    return check;
  }
}

function kind(c: ClientAppendCheck): string {
  return c.kind === "error" ? c.error : c.kind;
}

test("in-sequence batches append; a retry answers the original offsets", () => {
  const log = new FakeLog();
  assert.equal(kind(log.produce(7, 0, 0, 3)), "ok");
  assert.equal(kind(log.produce(7, 0, 3, 2)), "ok");
  const dup = log.produce(7, 0, 0, 3);
  assert.equal(dup.kind, "duplicate");
  assert.equal(dup.kind === "duplicate" && dup.batch.firstOffset, 0);
  assert.equal(dup.kind === "duplicate" && dup.batch.lastOffset, 2);
  assert.equal(log.nextOffset, 5);
});

test("a gap or a replay outside the last five batches is OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
  const log = new FakeLog();
  for (let i = 0; i < 6; i++) assert.equal(kind(log.produce(7, 0, i, 1)), "ok");
  assert.equal(kind(log.produce(7, 0, 7, 1)), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assert.equal(kind(log.produce(7, 0, 0, 1)), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assert.equal(kind(log.produce(7, 0, 1, 1)), "duplicate");
  assert.equal(kind(log.produce(7, 0, 6, 1)), "ok");
});

test("epochs: older is INVALID_PRODUCER_EPOCH, a newer one must start at sequence 0", () => {
  const log = new FakeLog();
  assert.equal(kind(log.produce(7, 2, 0, 1)), "ok");
  assert.equal(kind(log.produce(7, 1, 1, 1)), "INVALID_PRODUCER_EPOCH");
  assert.equal(kind(log.produce(7, 3, 5, 1)), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assert.equal(kind(log.produce(7, 3, 0, 1)), "ok");
  assert.equal(log.state.lastEntry(7)?.producerEpoch, 3);
  assert.equal(log.state.lastEntry(7)?.batches.length, 1);
});

test("KIP-360: an unknown producer may start at any sequence", () => {
  const log = new FakeLog();
  assert.equal(kind(log.produce(9, 4, 1234, 10)), "ok");
  assert.equal(kind(log.produce(9, 4, 1244, 1)), "ok");
});

test("sequences wrap past 2^31-1 to 0", () => {
  const log = new FakeLog();
  assert.equal(kind(log.produce(9, 0, MAX_SEQUENCE - 1, 2)), "ok");
  assert.equal(log.state.lastEntry(9)?.lastSeq, MAX_SEQUENCE);
  assert.equal(kind(log.produce(9, 0, 0, 3)), "ok");
  assert.equal(incrementSequence(MAX_SEQUENCE, 3), 2);
});

test("several batches of one request are checked against each other", () => {
  const state = new ProducerStateManager("t-0");
  const b = (seq: number, first: number): ProducerBatch => ({
    producerId: 1,
    producerEpoch: 0,
    baseSequence: seq,
    firstOffset: first,
    lastOffset: first,
    maxTimestamp: 0,
    transactional: false,
  });
  assert.equal(kind(state.checkClientAppend([b(0, 0), b(1, 1)])), "ok");
  const first = state.checkClientAppend([b(0, 0)]);
  assert.equal(first.kind, "ok");
  if (first.kind === "ok") state.commit(first.update);
  assert.equal(kind(state.checkClientAppend([b(1, 1), b(3, 2)])), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assert.equal(state.lastEntry(1)?.lastSeq, 0, "a failed check changes nothing");
});

test("producers expire after producer.id.expiration.ms; the map is bounded", () => {
  const log = new FakeLog(new ProducerStateManager("t-0", { producerIdExpirationMs: 1000, maxProducerIds: 3 }));
  log.produce(1, 0, 0, 1, 100);
  log.produce(2, 0, 0, 1, 900);
  assert.equal(log.state.removeExpiredProducers(1099), 0);
  assert.equal(log.state.removeExpiredProducers(1100), 1);
  assert.equal(log.state.lastEntry(1), undefined);
  for (const pid of [3, 4, 5]) log.produce(pid, 0, 0, 1, 2000);
  assert.equal(log.state.size, 3);
  assert.equal(log.state.lastEntry(2), undefined, "the least recently written producer was evicted");
});

test("seeded: replaying the log's batch headers rebuilds the same state", () => {
  for (const seed of [11, 12, 13, 2024]) {
    const rnd = seededRandom(seed);
    const log = new FakeLog();
    const next = new Map<number, { epoch: number; seq: number }>();
    for (let i = 0; i < 300; i++) {
      const pid = Math.floor(rnd.next() * 6);
      const cur = next.get(pid) ?? { epoch: 0, seq: 0 };
      const r = rnd.next();
      const count = 1 + Math.floor(rnd.next() * 4);
      if (r < 0.1) {
        cur.epoch++;
        cur.seq = 0;
      }
      const seq = r > 0.9 ? cur.seq + 1 : cur.seq;
      const result = log.produce(pid, cur.epoch, seq, count, i);
      if (result.kind === "ok") cur.seq = incrementSequence(seq, count);
      else assert.equal(kind(result), "OUT_OF_ORDER_SEQUENCE_NUMBER", `seed ${seed}`);
      next.set(pid, cur);
    }
    const rebuilt = new ProducerStateManager("t-0");
    for (const b of log.batches) rebuilt.replay(b);
    assert.equal(rebuilt.size, log.state.size);
    for (const live of log.state.activeProducers()) {
      const again = rebuilt.lastEntry(live.producerId);
      assert.deepEqual(again?.batches, live.batches, `seed ${seed} producer ${live.producerId}`);
      assert.equal(again?.producerEpoch, live.producerEpoch);
    }
  }
});

test("transactional batches open a transaction; a plain batch inside it is INVALID_TXN_STATE", () => {
  const log = new FakeLog();
  assert.equal(kind(log.produce(5, 0, 0, 1, 0, true)), "ok");
  assert.equal(log.state.lastEntry(5)?.currentTxnFirstOffset, 0);
  assert.equal(kind(log.produce(5, 0, 1, 1, 0, false)), "INVALID_TXN_STATE");
  log.state.replay({
    producerId: 5,
    producerEpoch: 0,
    baseSequence: -1,
    firstOffset: 1,
    lastOffset: 1,
    maxTimestamp: 0,
    transactional: true,
    control: true,
  });
  assert.equal(log.state.lastEntry(5)?.currentTxnFirstOffset, undefined);
});
