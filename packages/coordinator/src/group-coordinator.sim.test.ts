/**
 * Seeded random schedules of clients joining, syncing, heartbeating, committing, leaving and dying
 * against one coordinator on a simulated clock; invariants are checked after every step. A failure
 * prints its seed; `SIM_SEED=<n>` replays one schedule.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Random, seededRandom } from "@samsa/common";
import { ErrorCode } from "@samsa/protocol";
import type { ReplyTo } from "./effects.js";
import type { GroupCoordinator } from "./group-coordinator.js";
import { checkInvariants } from "./invariants.js";
import { joinInput, newCoordinator, RANGE } from "./test-support.js";
import type { JoinGroupResult, LeaveGroupResult, OffsetCommitResult, SyncGroupResult } from "./types.js";

const PARTITIONS = 6;
const STEPS = 300;

type Phase = "idle" | "joining" | "rejoin" | "syncing" | "stable" | "dead";

interface Client {
  readonly name: string;
  readonly instanceId: string | null;
  memberId: string;
  generation: number;
  phase: Phase;
  members: string[];
  assignment: number[];
}

function reply<T>(on: (r: T) => void): ReplyTo<T> {
  return { resolve: on, fail: () => assert.fail("no append fails in this simulation") };
}

class Sim {
  readonly c: GroupCoordinator;
  readonly rng: Random;
  now = 0;
  readonly clients: Client[] = [];
  readonly generations: number[] = [];
  /** Partition owners per generation, from successful SyncGroup answers. */
  readonly owners = new Map<number, Map<number, string>>();

  constructor(seed: number) {
    this.rng = seededRandom(seed);
    this.c = newCoordinator({ initialRebalanceDelayMs: this.pick([0, 100, 3000]) }, seed);
    const n = 2 + Math.floor(this.rng.next() * 4);
    for (let i = 0; i < n; i++)
      this.clients.push({
        name: `c${i}`,
        instanceId: this.rng.next() < 0.3 ? `i${i}` : null,
        memberId: "",
        generation: -1,
        phase: "idle",
        members: [],
        assignment: [],
      });
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng.next() * xs.length)];
  }

  apply(fx: ReturnType<GroupCoordinator["poll"]>): void {
    fx.appended();
    for (const r of fx.replies) r.deliver();
    checkInvariants(this.c);
    const g = this.c.group("g");
    if (g !== undefined) {
      const last = this.generations.at(-1) ?? 0;
      assert.ok(g.generationId >= last, `generation went back from ${last} to ${g.generationId}`);
      this.generations.push(g.generationId);
    }
  }

  join(cl: Client): void {
    cl.phase = "joining";
    this.apply(
      this.c.joinGroup(
        joinInput({ memberId: cl.memberId, groupInstanceId: cl.instanceId, clientId: cl.name, protocols: [RANGE] }),
        reply<JoinGroupResult>((r) => this.onJoin(cl, r)),
        this.now,
      ),
    );
  }

  onJoin(cl: Client, r: JoinGroupResult): void {
    if (cl.phase === "dead") return;
    if (r.errorCode === ErrorCode.NONE) {
      const g = this.c.group("g")!;
      assert.equal(r.generationId, g.generationId, "a join answer carries the current generation");
      cl.memberId = r.memberId;
      cl.generation = r.generationId;
      cl.members = r.members.map((m) => m.memberId);
      cl.phase = "syncing";
    } else if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      cl.memberId = r.memberId;
      cl.phase = "rejoin";
    } else {
      if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID) cl.memberId = "";
      cl.phase = r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? "joining" : "idle";
    }
  }

  sync(cl: Client): void {
    const assignments = cl.members.map((memberId, k) => ({
      memberId,
      assignment: Buffer.from(
        Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % cl.members.length === k),
      ),
    }));
    cl.phase = "joining";
    const generation = cl.generation;
    this.apply(
      this.c.syncGroup(
        {
          groupId: "g",
          memberId: cl.memberId,
          groupInstanceId: cl.instanceId,
          generationId: generation,
          protocolType: "consumer",
          protocolName: "range",
          assignments,
        },
        reply<SyncGroupResult>((r) => this.onSync(cl, generation, r)),
        this.now,
      ),
    );
  }

  onSync(cl: Client, generation: number, r: SyncGroupResult): void {
    if (r.errorCode !== ErrorCode.NONE) {
      if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID) cl.memberId = "";
      if (cl.phase !== "dead") cl.phase = "idle";
      return;
    }
    const g = this.c.group("g")!;
    assert.equal(g.generationId, generation, "a sync answer belongs to the current generation");
    cl.assignment = [...r.assignment];
    const owners = this.owners.get(generation) ?? new Map<number, string>();
    for (const p of cl.assignment) {
      const prev = owners.get(p);
      assert.ok(prev === undefined || prev === cl.name, `partition ${p} owned twice in generation ${generation}`);
      owners.set(p, cl.name);
    }
    this.owners.set(generation, owners);
    if (cl.phase !== "dead") cl.phase = "stable";
  }

  heartbeat(cl: Client): void {
    const code = this.c.heartbeat(
      { groupId: "g", memberId: cl.memberId, groupInstanceId: cl.instanceId, generationId: cl.generation },
      this.now,
    );
    checkInvariants(this.c);
    if (code === ErrorCode.REBALANCE_IN_PROGRESS) cl.phase = "rejoin";
    else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.FENCED_INSTANCE_ID) {
      cl.memberId = "";
      cl.phase = "idle";
    } else if (code === ErrorCode.ILLEGAL_GENERATION) cl.phase = "rejoin";
  }

  commit(cl: Client): void {
    const g = this.c.group("g");
    const before =
      g === undefined ? undefined : { generation: g.generationId, has: g.members.has(cl.memberId), state: g.state };
    const offset = BigInt(Math.floor(this.rng.next() * 1000));
    this.apply(
      this.c.commitOffsets(
        {
          groupId: "g",
          memberId: cl.memberId,
          groupInstanceId: cl.instanceId,
          generationId: cl.generation,
          retentionTimeMs: -1,
          groupIdNotFoundError: false,
          topics: [
            {
              name: "t",
              partitions: [
                { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: "" },
              ],
            },
          ],
        },
        reply<OffsetCommitResult>((r) => {
          if (r.topics[0].partitions[0].errorCode !== ErrorCode.NONE) return;
          // Accepted: a simple commit to an empty group, or a current member of the current generation.
          if (cl.generation >= 0) {
            assert.ok(before?.has, "commit accepted from a non-member");
            assert.equal(before.generation, cl.generation, "commit accepted from a stale generation");
            if (cl.instanceId !== null)
              assert.equal(
                this.c.group("g")!.staticMembers.get(cl.instanceId),
                cl.memberId,
                "fenced instance committed",
              );
          } else assert.ok(before === undefined || before.state === "Empty", "simple commit to a live group");
          assert.equal(this.c.committedOffset("g", "t", 0)?.offset, offset);
        }),
        this.now,
      ),
    );
  }

  leave(cl: Client): void {
    this.apply(
      this.c.leaveGroup(
        { groupId: "g", members: [{ memberId: cl.memberId, groupInstanceId: cl.instanceId }] },
        reply<LeaveGroupResult>(() => {}),
        this.now,
      ),
    );
    cl.memberId = "";
    cl.generation = -1;
    cl.phase = "idle";
  }

  step(): void {
    const cl = this.pick(this.clients);
    const roll = this.rng.next();
    if (roll < 0.25) {
      this.now += Math.floor(this.rng.next() * 4000);
      this.apply(this.c.poll(this.now));
      return;
    }
    if (cl.phase === "dead") {
      // A crashed client restarts with no memory, except its group.instance.id.
      if (roll < 0.35) {
        cl.phase = "idle";
        cl.memberId = "";
        cl.generation = -1;
      }
      return;
    }
    if (roll < 0.3) {
      cl.phase = "dead";
      return;
    }
    if (roll < 0.33 && cl.memberId !== "") this.leave(cl);
    else if (roll < 0.45) this.commit(cl);
    else if (cl.phase === "idle" || cl.phase === "rejoin") this.join(cl);
    else if (cl.phase === "syncing") this.sync(cl);
    else if (cl.phase === "stable") this.heartbeat(cl);
    // Waiting for a parked answer; a client retries its join now and then, as on a timeout.
    else if (cl.phase === "joining" && roll > 0.9) this.join(cl);
  }
}

function runSeed(seed: number): Sim {
  const sim = new Sim(seed);
  try {
    for (let i = 0; i < STEPS; i++) sim.step();
  } catch (e) {
    throw new Error(`seed ${seed}: ${(e as Error).message}`, { cause: e });
  }
  return sim;
}

test("seeded schedules keep the coordinator's invariants", () => {
  const only = process.env.SIM_SEED;
  const seeds = only !== undefined ? [Number(only)] : Array.from({ length: 300 }, (_, i) => i + 1);
  let maxGeneration = 0;
  let stableSeen = 0;
  for (const seed of seeds) {
    const sim = runSeed(seed);
    maxGeneration = Math.max(maxGeneration, ...sim.generations);
    stableSeen += sim.owners.size;
  }
  // The schedules must actually exercise rebalances, not idle.
  assert.ok(maxGeneration >= 3, `max generation ${maxGeneration}`);
  assert.ok(stableSeen >= seeds.length, `only ${stableSeen} completed generations`);
});
