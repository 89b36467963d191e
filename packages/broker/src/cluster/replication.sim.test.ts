import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import {
  alterPartition,
  type ClusterImage,
  completeReassignments,
  ElectionType,
  electLeaders,
  electLeadersFor,
  emptyImage,
  isReassigning,
  type PartitionImage,
  reassignPartition,
} from "@samsa/metadata";
import { followerAction, IsrTracker, PartitionState } from "@samsa/replication";

/**
 * A seeded simulation of one partition replicated over three brokers with the production decision
 * code (controller election and AlterPartition, the leader's IsrTracker and PartitionState, the
 * follower's truncation decisions). Brokers crash and restart, metadata reaches brokers late,
 * fetches and AlterPartition requests are delayed or lost; the admin reassigns the partition over
 * four brokers (adding replicas catch up, removed ones delete their logs), cancels reassignments
 * and elects preferred leaders. After every step it checks Kafka's
 * guarantees: one leader per epoch, acknowledged records (acks=-1, min.insync.replicas=2) are on
 * every committed ISR member at their offset and never change, replicas agree below their high
 * watermarks, and a replica's high watermark never decreases while it runs.
 */

/** The partition starts on the first three; the fourth joins by reassignment. */
const BROKERS = [1, 2, 3, 4];
const INITIAL_REPLICAS = [1, 2, 3];
const MIN_ISR = 2;
const LAG_MS = 300;
const SEEDS = 150;
const STEPS = 500;

interface Entry {
  readonly epoch: number;
  readonly value: string;
}

/** A replica's log and leader epoch cache, as storage keeps them (survives crashes: kill -9, not power loss). */
class SimLog {
  entries: Entry[] = [];
  epochs: { epoch: number; startOffset: number }[] = [];
  hw = 0;

  get leo(): number {
    return this.entries.length;
  }

  assign(epoch: number, startOffset: number): void {
    const latest = this.epochs.at(-1);
    if (latest !== undefined && latest.epoch >= epoch) return;
    this.epochs = this.epochs.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.epochs.push({ epoch, startOffset });
  }

  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      this.assign(e.epoch, this.entries.length);
      this.entries.push(e);
    }
  }

  /** As storage: nothing happens at or beyond the log end (the epoch cache included). */
  truncateTo(offset: number): void {
    if (offset >= this.leo) return;
    this.entries = this.entries.slice(0, offset);
    this.epochs = this.epochs.filter((e) => e.startOffset < offset);
    this.hw = Math.min(this.hw, offset);
  }

  truncateEpochsFromEnd(): void {
    this.epochs = this.epochs.filter((e) => e.startOffset < this.leo);
  }

  endOffsetForEpoch(requested: number): { epoch: number; endOffset: number } {
    const latest = this.epochs.at(-1);
    if (requested < 0 || latest === undefined) return { epoch: -1, endOffset: -1 };
    if (requested === latest.epoch) return { epoch: latest.epoch, endOffset: this.leo };
    const higher = this.epochs.find((e) => e.epoch > requested);
    if (higher === undefined) return { epoch: -1, endOffset: -1 };
    const floor = this.epochs.findLast((e) => e.epoch <= requested);
    return floor === undefined
      ? { epoch: requested, endOffset: higher.startOffset }
      : { epoch: floor.epoch, endOffset: higher.startOffset };
  }
}

interface Leadership {
  readonly epoch: number;
  readonly state: PartitionState;
  readonly tracker: IsrTracker;
}

interface SimBroker {
  readonly id: number;
  alive: boolean;
  /** The committed partition state as this broker last saw it (watch delays). */
  view: PartitionImage;
  /** Replaced by an empty log when a reassignment removed this replica (its log is deleted). */
  log: SimLog;
  leading: Leadership | undefined;
  /** The highest HW this process has exposed (reset by a restart). */
  exposedHw: number;
  /** Broker epoch: bumped by every restart. */
  epoch: number;
}

interface PendingAck {
  readonly offset: number;
  readonly value: string;
  readonly leader: number;
  readonly epoch: number;
}

function run(seed: number): { acked: number; elections: number; reassignments: number } {
  const rnd = seededRandom(seed);
  const chance = (p: number) => rnd.next() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd.next() * xs.length)];
  let nowMs = 0;
  const partition: PartitionImage = {
    partitionIndex: 0,
    leaderId: 1,
    leaderEpoch: 0,
    partitionEpoch: 0,
    replicas: INITIAL_REPLICAS,
    isr: INITIAL_REPLICAS,
  };
  let image: ClusterImage = {
    ...emptyImage("sim", 1, []),
    topics: new Map([["t", { name: "t", topicId: "x", partitions: [partition], configs: {} }]]),
  };
  const committed = () => image.topics.get("t")!.partitions[0];
  const brokers: SimBroker[] = BROKERS.map((id) => ({
    id,
    alive: true,
    view: partition,
    log: new SimLog(),
    leading: undefined,
    exposedHw: 0,
    epoch: 0,
  }));
  const byId = (id: number) => brokers.find((b) => b.id === id)!;
  /** Broker epochs the controller has acted on. */
  const seenEpochs = new Map(BROKERS.map((id) => [id, 0]));
  let registered = new Set(BROKERS);
  const alterQueue: { from: number; isr: readonly number[]; leaderEpoch: number; partitionEpoch: number }[] = [];
  const pending: PendingAck[] = [];
  const acked: PendingAck[] = [];
  const leaderOfEpoch = new Map<number, number>();
  let elections = 0;
  let reassignments = 0;
  let counter = 0;
  const where = (what: string) => `seed ${seed}, t=${nowMs}: ${what}`;

  function becomeLeaderIfViewSaysSo(b: SimBroker): void {
    const v = b.view;
    if (v.leaderId !== b.id) {
      b.leading = undefined;
      return;
    }
    if (b.leading !== undefined && b.leading.epoch === v.leaderEpoch) {
      if (b.leading.tracker.onCommitted(v.replicas, v.isr, v.partitionEpoch, nowMs))
        b.leading.state.updateIsr(b.leading.tracker.maximalIsr);
      return;
    }
    b.log.assign(v.leaderEpoch, b.log.leo);
    const state = new PartitionState({
      topic: "t",
      partition: 0,
      localBrokerId: b.id,
      leaderEpoch: v.leaderEpoch,
      logStartOffset: 0,
      logEndOffset: b.log.leo,
      flushedOffset: b.log.leo,
      highWatermarkPolicy: "logEnd",
      highWatermark: b.log.hw,
      isr: v.isr,
    });
    const tracker = new IsrTracker({
      leaderId: b.id,
      replicas: v.replicas,
      isr: v.isr,
      partitionEpoch: v.partitionEpoch,
      lagTimeMaxMs: LAG_MS,
      nowMs,
    });
    b.leading = { epoch: v.leaderEpoch, state, tracker };
    b.log.hw = state.highWatermark;
  }

  /** Commits a controller decision, checking that every leader epoch is given once. */
  function commit(next: ClusterImage): void {
    const before = committed();
    image = next;
    const after = committed();
    assert.ok(after.partitionEpoch >= before.partitionEpoch, where("partition epoch went back"));
    assert.ok(after.leaderEpoch >= before.leaderEpoch, where("leader epoch went back"));
    if (after.leaderEpoch !== before.leaderEpoch) {
      elections++;
      assert.ok(!leaderOfEpoch.has(after.leaderEpoch), where(`epoch ${after.leaderEpoch} elected twice`));
      leaderOfEpoch.set(after.leaderEpoch, after.leaderId);
    } else assert.equal(after.leaderId, before.leaderId, where("a new leader without a new epoch"));
  }

  function controllerRound(): void {
    const live = new Set(registered);
    const restarted = new Set([...live].filter((id) => seenEpochs.get(id) !== byId(id).epoch));
    const r = electLeaders(image, { live, restarted });
    assert.ok(r.ok);
    if (r.value > 0) commit(r.image);
    for (const id of live) seenEpochs.set(id, byId(id).epoch);
    completeReassignmentsNow();
  }

  function completeReassignmentsNow(): void {
    const r = completeReassignments(image, registered);
    assert.ok(r.ok);
    if (r.value > 0) {
      reassignments++;
      commit(r.image);
    }
  }

  /** An admin request to the controller: a reassignment, a cancel or a preferred election. */
  function admin(): void {
    const roll = rnd.next();
    if (roll < 0.5) {
      const target = BROKERS.filter(() => chance(0.6));
      const r = reassignPartition(committed(), target.length > 0 ? target : [pick(BROKERS)], {
        live: registered,
        uncleanElection: false,
      });
      if ("partition" in r) commit(replaced(r.partition));
    } else if (roll < 0.65) {
      const r = reassignPartition(committed(), null, { live: registered, uncleanElection: false });
      if ("partition" in r) commit(replaced(r.partition));
    } else {
      const electable = new Set([...registered].filter((id) => seenEpochs.get(id) === byId(id).epoch));
      const r = electLeadersFor(image, ElectionType.PREFERRED, [{ topic: "t", partition: 0 }], electable);
      assert.ok(r.ok);
      commit(r.image);
    }
  }

  function replaced(p: PartitionImage): ClusterImage {
    const t = image.topics.get("t")!;
    return { ...image, topics: new Map([["t", { ...t, partitions: [p] }]]) };
  }

  function leaderSync(b: SimBroker): void {
    const l = b.leading!;
    if (l.state.highWatermark > b.log.hw) b.log.hw = l.state.highWatermark;
  }

  function step(): void {
    nowMs += 1 + Math.floor(rnd.next() * 20);
    const b = pick(brokers);
    if (chance(0.03)) {
      admin();
      return;
    }
    const action = rnd.next();
    if (action < 0.3) produce(b);
    else if (action < 0.65) {
      if (!chance(0.1)) fetch(b);
    } else if (action < 0.77) isrCheck(b, chance(0.1));
    else if (action < 0.85) decideAlterPartition();
    else if (action < 0.97) learnMetadata(b);
    else if (action < 0.98) {
      // kill -9; its lease expires a moment later (modelled: the controller notices at once or soon).
      if (!b.alive || brokers.filter((x) => x.alive).length <= 1) return;
      b.alive = false;
      b.leading = undefined;
      if (chance(0.7)) {
        registered = new Set([...registered].filter((id) => id !== b.id));
        controllerRound();
      }
    } else if (b.alive) {
      // The controller notices the dead brokers' leases ending.
      const dead = brokers.filter((x) => !x.alive && registered.has(x.id));
      if (dead.length === 0) return;
      registered = new Set([...registered].filter((id) => !dead.some((d) => d.id === id)));
      controllerRound();
    } else restart(b);
  }

  /** A client produces to whoever it believes leads; the broker appends if its view agrees. */
  function produce(b: SimBroker): void {
    if (!b.alive || b.leading === undefined) return;
    const l = b.leading;
    if (l.state.isr.length < MIN_ISR) return;
    const value = `v${counter++}`;
    b.log.append([{ epoch: l.epoch, value }]);
    l.state.onAppend(b.log.leo);
    leaderSync(b);
    pending.push({ offset: b.log.leo - 1, value, leader: b.id, epoch: l.epoch });
  }

  /** A follower fetches from the leader its view names; the leader answers as the Fetch handler does. */
  function fetch(b: SimBroker): void {
    if (!b.alive || b.view.leaderId === b.id || b.view.leaderId < 0 || !b.view.replicas.includes(b.id)) return;
    const leader = byId(b.view.leaderId);
    if (!leader.alive) return;
    const l = leader.leading;
    if (l === undefined || l.epoch !== b.view.leaderEpoch) return;
    if (!leader.view.replicas.includes(b.id)) return;
    const fetchOffset = b.log.leo;
    const lastFetchedEpoch = b.log.epochs.at(-1)?.epoch ?? -1;
    let answer: Parameters<typeof followerAction>[1];
    let records: Entry[] = [];
    const base = { fetchOffset, highWatermark: l.state.highWatermark, logStartOffset: 0 };
    const end = lastFetchedEpoch >= 0 ? leader.log.endOffsetForEpoch(lastFetchedEpoch) : undefined;
    if (end !== undefined && (end.endOffset < 0 || end.epoch < 0)) {
      answer = { ...base, errorName: "OFFSET_OUT_OF_RANGE", recordsBytes: 0 };
    } else if (end !== undefined && (end.epoch < lastFetchedEpoch || end.endOffset < fetchOffset)) {
      answer = { ...base, errorName: "NONE", recordsBytes: 0, divergingEpoch: end };
    } else if (fetchOffset > leader.log.leo) {
      answer = { ...base, errorName: "OFFSET_OUT_OF_RANGE", recordsBytes: 0 };
    } else {
      // The leader counts the fetch offset as the follower's log end (maximal ISR expansions at once).
      l.tracker.onFollowerFetch(b.id, fetchOffset, leader.log.leo, nowMs);
      if (l.state.onFollowerFetch(b.id, fetchOffset)) leaderSync(leader);
      records = leader.log.entries.slice(fetchOffset, fetchOffset + 1 + Math.floor(rnd.next() * 4));
      answer = { ...base, highWatermark: l.state.highWatermark, errorName: "NONE", recordsBytes: records.length };
    }
    const act = followerAction(
      { logStartOffset: 0, logEndOffset: b.log.leo, endOffsetForEpoch: (e) => b.log.endOffsetForEpoch(e) },
      answer,
    );
    if (act.kind === "append") {
      b.log.append(records);
      b.log.hw = Math.max(b.log.hw, Math.min(act.highWatermark, b.log.leo));
    } else if (act.kind === "advance") b.log.hw = Math.max(b.log.hw, act.highWatermark);
    else if (act.kind === "truncate" || act.kind === "truncateFully") {
      // As the replica fetcher: truncate, then drop epochs that start at or past the log end.
      b.log.truncateTo(act.offset);
      b.log.truncateEpochsFromEnd();
    }
  }

  /** The leader's periodic ISR check: proposals go to the controller, maybe late or lost. */
  function isrCheck(b: SimBroker, lose: boolean): void {
    if (!b.alive || b.leading === undefined) return;
    const l = b.leading;
    const start = b.log.epochs.find((e) => e.epoch === l.epoch)?.startOffset ?? 0;
    const proposal = l.tracker.propose(nowMs, l.state.highWatermark, start, registered);
    if (proposal === undefined) return;
    l.state.updateIsr(l.tracker.maximalIsr);
    leaderSync(b);
    if (lose) l.tracker.clearPending();
    else
      alterQueue.push({ from: b.id, isr: proposal.isr, leaderEpoch: l.epoch, partitionEpoch: proposal.partitionEpoch });
  }

  /** The controller decides a queued AlterPartition; a refusal reaches the leader. */
  function decideAlterPartition(): void {
    const req = alterQueue.shift();
    if (req === undefined) return;
    const r = alterPartition(image, { topic: "t", partition: 0, leaderId: req.from, ...req }, registered);
    if (r.ok) {
      commit(r.image);
      completeReassignmentsNow();
      return;
    }
    const leader = byId(req.from);
    if (leader.leading?.epoch === req.leaderEpoch) {
      leader.leading.tracker.clearPending();
      leader.leading.state.updateIsr(leader.leading.tracker.maximalIsr);
    }
  }

  function learnMetadata(b: SimBroker): void {
    if (!b.alive) return;
    b.view = committed();
    if (!b.view.replicas.includes(b.id) && (b.log.leo > 0 || b.log.epochs.length > 0)) {
      // No longer a replica: the log is deleted (a later reassignment starts it empty again).
      b.log = new SimLog();
      b.exposedHw = 0;
    }
    becomeLeaderIfViewSaysSo(b);
    if (b.leading !== undefined) leaderSync(b);
  }

  /** A dead broker starts again under a new broker epoch. */
  function restart(b: SimBroker): void {
    b.alive = true;
    b.epoch++;
    b.exposedHw = b.log.hw;
    b.view = committed();
    registered = new Set([...registered, b.id]);
    controllerRound();
  }

  function checkInvariants(): void {
    // Acknowledgements: the leader that appended still leads that epoch and its HW passed the record.
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i];
      const leader = byId(p.leader);
      const l = leader.leading;
      if (!leader.alive || l === undefined || l.epoch !== p.epoch) {
        pending.splice(i, 1);
        continue;
      }
      if (l.state.highWatermark > p.offset) {
        pending.splice(i, 1);
        if (l.state.isr.length >= MIN_ISR) acked.push(p);
      }
    }
    const c = committed();
    for (const a of acked) {
      for (const id of c.isr) {
        const e = byId(id).log.entries[a.offset];
        assert.equal(e?.value, a.value, where(`acknowledged ${a.value}@${a.offset} missing on ISR member ${id}`));
      }
    }
    for (const x of brokers) {
      for (const y of brokers) {
        if (x.id >= y.id) continue;
        const upTo = Math.min(x.log.hw, y.log.hw);
        for (let o = 0; o < upTo; o++) {
          assert.deepEqual(x.log.entries[o], y.log.entries[o], where(`brokers ${x.id} and ${y.id} differ at ${o}`));
        }
      }
      if (!x.alive) continue;
      assert.ok(x.log.hw >= x.exposedHw, where(`broker ${x.id} HW went back from ${x.exposedHw} to ${x.log.hw}`));
      x.exposedHw = x.log.hw;
      assert.ok(x.log.hw <= x.log.leo, where(`broker ${x.id} HW beyond its log end`));
    }
    const leaders = brokers.filter((x) => x.alive && x.leading !== undefined).map((x) => x.leading!.epoch);
    assert.equal(new Set(leaders).size, leaders.length, where("two brokers lead the same epoch"));
  }

  for (let i = 0; i < STEPS; i++) {
    step();
    checkInvariants();
  }
  // Liveness: with every broker back and messages flowing, all replicas converge and rejoin the ISR.
  for (const b of brokers) if (!b.alive) restart(b);
  for (let round = 0; round < 100; round++) {
    nowMs += 10;
    for (const b of brokers) learnMetadata(b);
    if (round < 5) for (const b of brokers) produce(b);
    for (const b of brokers) fetch(b);
    for (const b of brokers) isrCheck(b, false);
    while (alterQueue.length > 0) decideAlterPartition();
    controllerRound();
    checkInvariants();
  }
  const final = committed();
  const leader = byId(final.leaderId);
  assert.ok(!isReassigning(final), where(`the reassignment completes: ${JSON.stringify(final)}`));
  assert.deepEqual([...final.isr].sort(), [...final.replicas].sort(), where(`the ISR heals: ${JSON.stringify(final)}`));
  for (const id of final.replicas)
    assert.deepEqual(byId(id).log.entries, leader.log.entries, where(`broker ${id} converges`));
  return { acked: acked.length, elections, reassignments };
}

test("replication and controller simulation: no acknowledged record lost, replicas agree (seeded)", (t) => {
  let acked = 0;
  let elections = 0;
  let reassignments = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = run(seed);
    acked += r.acked;
    elections += r.elections;
    reassignments += r.reassignments;
  }
  t.diagnostic(
    `${SEEDS} seeds x ${STEPS} steps: ${acked} acknowledged records, ${elections} leader elections, ` +
      `${reassignments} completed reassignments`,
  );
  // The schedules must exercise the interesting paths, not just pass vacuously.
  assert.ok(acked > SEEDS * 10, `acknowledged ${acked}, elections ${elections}`);
  assert.ok(elections > SEEDS, `elections ${elections}`);
  assert.ok(reassignments > SEEDS / 3, `completed reassignments ${reassignments}`);
});
