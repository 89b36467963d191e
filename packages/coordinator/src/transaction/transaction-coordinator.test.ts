import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { type MarkerJob, TransactionCoordinator, type TxnStep } from "./transaction-coordinator.js";
import type { TxnAppend } from "./txn-metadata.js";
import { decodeTxnLogRecord, encodeTxnLogRecord } from "./txn-records.js";
import { TxnState } from "./txn-state.js";

const TXN = "txn-a";
const config = {
  numPartitions: 50,
  maxTimeoutMs: 60_000,
  transactionalIdExpirationMs: 3_600_000,
  maxTransactionalIds: 100,
  maxPartitionsPerTxn: 100,
};

/** A coordinator with every partition loaded, and an in-memory `__transaction_state` log. */
function setup() {
  const c = new TransactionCoordinator(config);
  for (let p = 0; p < config.numPartitions; p++) {
    c.beginLoad(p, 7);
    c.completeLoad(p);
  }
  const log: TxnAppend[] = [];
  let markers: MarkerJob[] = [];
  /** Runs a step to its answer, appending its record successfully. */
  const run = (step: TxnStep, nowMs = 0) => {
    if (step.kind === "answer") return step;
    log.push(step.append);
    const out = c.completeAppend(step.append, "NONE", nowMs);
    if (out.markers !== undefined) markers.push(out.markers);
    return { kind: "answer" as const, ...out };
  };
  const writeMarkers = (nowMs = 0) => {
    const jobs = markers;
    markers = [];
    for (const j of jobs) {
      const next = c.markersWritten(j, nowMs);
      if (next !== undefined) run({ kind: "append", append: next }, nowMs);
    }
    return jobs;
  };
  return { c, log, run, writeMarkers, pendingMarkers: () => markers };
}

function init(s: ReturnType<typeof setup>, pid = 1000, nowMs = 0, expected = { producerId: -1, producerEpoch: -1 }) {
  return s.run(s.c.initProducerId({ transactionalId: TXN, timeoutMs: 10_000, ...expected }, pid, nowMs), nowMs);
}

test("init, add partitions, commit: markers then CompleteCommit", () => {
  const s = setup();
  const r = init(s);
  assert.deepEqual([r.error, r.producerId, r.producerEpoch], ["NONE", 1000, 0]);
  const ref = { transactionalId: TXN, producerId: 1000, producerEpoch: 0 };
  assert.equal(s.run(s.c.addPartitions(ref, [{ topic: "t", partition: 0 }], 5)).error, "NONE");
  assert.equal(s.c.describe(TXN)?.state, "Ongoing");
  const end = s.c.endTxn(ref, true, 10);
  assert.equal(end.kind, "append");
  // While PrepareCommit is being appended, everything else waits.
  assert.equal(
    (s.c.addPartitions(ref, [{ topic: "t", partition: 1 }], 11) as { error: string }).error,
    "CONCURRENT_TRANSACTIONS",
  );
  assert.equal(s.run(end).error, "NONE");
  assert.equal(s.c.describe(TXN)?.state, "PrepareCommit");
  assert.equal((s.c.endTxn(ref, true, 12) as { error: string }).error, "CONCURRENT_TRANSACTIONS");
  const jobs = s.writeMarkers(20);
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0], {
    transactionalId: TXN,
    producerId: 1000,
    producerEpoch: 0,
    coordinatorEpoch: 7,
    commit: true,
    partitions: [{ topic: "t", partition: 0 }],
  });
  assert.equal(s.c.describe(TXN)?.state, "CompleteCommit");
  // A retried commit is answered NONE; an abort now is INVALID_TXN_STATE.
  assert.equal((s.c.endTxn(ref, true, 30) as { error: string }).error, "NONE");
  assert.equal((s.c.endTxn(ref, false, 30) as { error: string }).error, "INVALID_TXN_STATE");
  assert.deepEqual(
    s.log.map((a) => a.transit.state),
    [TxnState.Empty, TxnState.Ongoing, TxnState.PrepareCommit, TxnState.CompleteCommit],
  );
});

test("a second InitProducerId bumps the epoch and fences the first producer", () => {
  const s = setup();
  init(s);
  const second = init(s, 2000);
  assert.deepEqual([second.producerId, second.producerEpoch], [1000, 1]);
  const old = { transactionalId: TXN, producerId: 1000, producerEpoch: 0 };
  assert.equal(
    (s.c.addPartitions(old, [{ topic: "t", partition: 0 }], 1) as { error: string }).error,
    "PRODUCER_FENCED",
  );
  assert.equal((s.c.endTxn(old, true, 1) as { error: string }).error, "PRODUCER_FENCED");
  const unknown = { transactionalId: "nope", producerId: 1, producerEpoch: 0 };
  assert.equal((s.c.endTxn(unknown, true, 1) as { error: string }).error, "INVALID_PRODUCER_ID_MAPPING");
});

test("InitProducerId during an open transaction aborts it under a bumped epoch, then the retry bumps again", () => {
  const s = setup();
  init(s);
  s.run(
    s.c.addPartitions({ transactionalId: TXN, producerId: 1000, producerEpoch: 0 }, [{ topic: "t", partition: 3 }], 1),
  );
  const first = init(s, 2000, 2);
  assert.equal(first.error, "CONCURRENT_TRANSACTIONS");
  assert.equal(s.c.describe(TXN)?.state, "PrepareAbort");
  assert.equal(s.c.describe(TXN)?.producerEpoch, 1);
  const jobs = s.writeMarkers(3);
  assert.equal(jobs[0].commit, false);
  assert.equal(jobs[0].producerEpoch, 1);
  const retry = init(s, 2000, 4);
  assert.deepEqual([retry.error, retry.producerId, retry.producerEpoch], ["NONE", 1000, 2]);
});

test("KIP-360: InitProducerId with the current id and epoch bumps; with the last epoch it is a retry", () => {
  const s = setup();
  init(s);
  const bumped = init(s, 2000, 1, { producerId: 1000, producerEpoch: 0 });
  assert.deepEqual([bumped.error, bumped.producerEpoch], ["NONE", 1]);
  const retried = init(s, 2000, 2, { producerId: 1000, producerEpoch: 0 });
  assert.deepEqual([retried.error, retried.producerEpoch], ["NONE", 1]);
  const stale = init(s, 2000, 3, { producerId: 999, producerEpoch: 0 });
  assert.equal(stale.error, "PRODUCER_FENCED");
});

test("the epoch rotates to a new producer id when exhausted", () => {
  const s = setup();
  init(s);
  let last = { producerId: 1000, producerEpoch: 0 };
  // Replay a record at epoch 32766 instead of bumping 32k times.
  const p = s.c.partitionFor(TXN);
  s.c.beginLoad(p, 8);
  s.c.replay({
    transactionalId: TXN,
    value: {
      producerId: 1000,
      producerEpoch: 32_766,
      timeoutMs: 10_000,
      state: TxnState.Empty,
      partitions: [],
      lastUpdateMs: 0,
      startMs: -1,
    },
  });
  s.c.completeLoad(p);
  last = { producerId: 1000, producerEpoch: 32_766 };
  const rotated = init(s, 5000, 1, last);
  assert.deepEqual([rotated.error, rotated.producerId, rotated.producerEpoch], ["NONE", 5000, 0]);
});

test("timeouts: INVALID_TRANSACTION_TIMEOUT beyond the max; an expired transaction is aborted and its producer fenced", () => {
  const s = setup();
  const bad = s.c.initProducerId({ transactionalId: TXN, timeoutMs: 60_001, producerId: -1, producerEpoch: -1 }, 1, 0);
  assert.equal((bad as { error: string }).error, "INVALID_TRANSACTION_TIMEOUT");
  init(s);
  const ref = { transactionalId: TXN, producerId: 1000, producerEpoch: 0 };
  s.run(s.c.addPartitions(ref, [{ topic: "t", partition: 0 }], 1000));
  assert.equal(s.c.nextDeadlineMs(), 11_001);
  assert.deepEqual(s.c.poll(11_000), []);
  const aborts = s.c.poll(11_001);
  assert.equal(aborts.length, 1);
  assert.equal(aborts[0].transit.state, TxnState.PrepareAbort);
  s.run({ kind: "append", append: aborts[0] }, 11_001);
  s.writeMarkers(11_002);
  assert.equal(s.c.describe(TXN)?.state, "CompleteAbort");
  assert.equal((s.c.endTxn(ref, true, 11_003) as { error: string }).error, "PRODUCER_FENCED");
});

test("transactional ids expire after transactional.id.expiration.ms with a tombstone", () => {
  const s = setup();
  init(s, 1000, 0);
  const appends = s.c.poll(config.transactionalIdExpirationMs);
  assert.equal(appends.length, 1);
  assert.equal(TransactionCoordinator.recordOf(appends[0]).value, null);
  s.run({ kind: "append", append: appends[0] });
  assert.equal(s.c.describe(TXN), undefined);
  assert.equal(s.c.size, 0);
});

test("a failed append leaves the state unchanged", () => {
  const s = setup();
  init(s);
  const ref = { transactionalId: TXN, producerId: 1000, producerEpoch: 0 };
  const step = s.c.addPartitions(ref, [{ topic: "t", partition: 0 }], 1);
  assert.equal(step.kind, "append");
  if (step.kind !== "append") return;
  assert.equal(s.c.completeAppend(step.append, "NOT_COORDINATOR", 2).error, "NOT_COORDINATOR");
  assert.equal(s.c.describe(TXN)?.state, "Empty");
  assert.equal(s.run(s.c.addPartitions(ref, [{ topic: "t", partition: 0 }], 3)).error, "NONE");
});

test("replaying the log rebuilds state and resends markers of prepared transactions", () => {
  const s = setup();
  init(s);
  const ref = { transactionalId: TXN, producerId: 1000, producerEpoch: 0 };
  s.run(
    s.c.addPartitions(
      ref,
      [
        { topic: "t", partition: 0 },
        { topic: "u", partition: 2 },
      ],
      1,
    ),
  );
  s.run(s.c.endTxn(ref, false, 2));
  // Crash before the markers: a new coordinator replays the records (through their bytes).
  const c2 = new TransactionCoordinator(config);
  const p = c2.partitionFor(TXN);
  c2.beginLoad(p, 9);
  assert.equal(c2.coordinatorError(TXN), "COORDINATOR_LOAD_IN_PROGRESS");
  for (const a of s.log) {
    const { key, value } = encodeTxnLogRecord(TransactionCoordinator.recordOf(a));
    const decoded = decodeTxnLogRecord(key, value);
    assert.ok(decoded !== null);
    c2.replay(decoded);
  }
  const jobs = c2.completeLoad(p);
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].commit, false);
  assert.equal(jobs[0].coordinatorEpoch, 9);
  assert.deepEqual(
    [...jobs[0].partitions].sort((a, b) => a.topic.localeCompare(b.topic)),
    [
      { topic: "t", partition: 0 },
      { topic: "u", partition: 2 },
    ],
  );
  assert.equal(c2.describe(TXN)?.state, "PrepareAbort");
  assert.equal(c2.coordinatorError("other"), c2.partitionFor("other") === p ? "NONE" : "NOT_COORDINATOR");
});

test("verify-only AddPartitionsToTxn and ListTransactions filters", () => {
  const s = setup();
  init(s);
  const ref = { transactionalId: TXN, producerId: 1000, producerEpoch: 0 };
  s.run(s.c.addPartitions(ref, [{ topic: "t", partition: 0 }], 100));
  assert.deepEqual(
    s.c.verifyPartitions(ref, [
      { topic: "t", partition: 0 },
      { topic: "t", partition: 1 },
    ]),
    ["NONE", "INVALID_TXN_STATE"],
  );
  assert.equal(s.c.list({ states: [TxnState.Ongoing], producerIds: [], minDurationMs: -1 }, 200).length, 1);
  assert.equal(s.c.list({ states: [TxnState.Empty], producerIds: [], minDurationMs: -1 }, 200).length, 0);
  assert.equal(s.c.list({ states: [], producerIds: [7], minDurationMs: -1 }, 200).length, 0);
  assert.equal(s.c.list({ states: [], producerIds: [], minDurationMs: 50 }, 200).length, 1);
  assert.equal(s.c.list({ states: [], producerIds: [], minDurationMs: 500 }, 200).length, 0);
});

test("seeded random walk: only valid transitions, every prepared transaction completes", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = seededRandom(seed);
    const s = setup();
    const ids = ["a", "b", "c"];
    const producers = new Map<string, { producerId: number; producerEpoch: number }>();
    let nextPid = 1;
    let now = 0;
    for (let step = 0; step < 200; step++) {
      now += Math.floor(rnd.next() * 3000);
      const id = ids[Math.floor(rnd.next() * ids.length)];
      const ref = { transactionalId: id, ...(producers.get(id) ?? { producerId: -1, producerEpoch: -1 }) };
      const action = Math.floor(rnd.next() * 5);
      if (action === 0) {
        const r = s.run(
          s.c.initProducerId(
            { transactionalId: id, timeoutMs: 10_000, producerId: -1, producerEpoch: -1 },
            nextPid++,
            now,
          ),
          now,
        );
        if (r.error === "NONE") producers.set(id, { producerId: r.producerId, producerEpoch: r.producerEpoch });
      } else if (action === 1) {
        s.run(s.c.addPartitions(ref, [{ topic: "t", partition: Math.floor(rnd.next() * 4) }], now), now);
      } else if (action === 2) {
        s.run(s.c.endTxn(ref, rnd.next() < 0.5, now), now);
      } else if (action === 3) {
        s.writeMarkers(now);
      } else {
        for (const a of s.c.poll(now)) s.run({ kind: "append", append: a }, now);
      }
      for (const a of s.log) assert.ok(a.transit.producerEpoch >= 0, `seed ${seed}: negative epoch`);
    }
    s.writeMarkers(now);
    for (const id of ids) {
      const st = s.c.describe(id)?.state;
      assert.ok(st !== "PrepareCommit" && st !== "PrepareAbort", `seed ${seed}: ${id} stuck in ${st}`);
    }
  }
});
