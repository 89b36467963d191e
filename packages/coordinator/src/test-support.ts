import { seededRandom } from "@samsa/common";
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig } from "./config.js";
import type { Effects, ReplyTo } from "./effects.js";
import { GroupCoordinator } from "./group-coordinator.js";
import type { JoinGroupInput, JoinProtocol, OffsetCommitInput, SyncGroupInput } from "./types.js";

/** A reply slot for tests: holds the answer once the effects are delivered. */
export class Captured<T> implements ReplyTo<T> {
  value: T | undefined;
  failedWith: number | undefined;
  resolve(response: T): void {
    if (this.value !== undefined) throw new Error("answered twice");
    this.value = response;
  }
  fail(errorCode: number): void {
    this.failedWith = errorCode;
  }
  get done(): boolean {
    return this.value !== undefined;
  }
  get(): T {
    if (this.value === undefined) throw new Error("no answer yet");
    return this.value;
  }
}

export function deliver(fx: Effects): Effects {
  fx.appended();
  for (const r of fx.replies) r.deliver();
  return fx;
}

export function newCoordinator(overrides: Partial<GroupCoordinatorConfig> = {}, seed = 1): GroupCoordinator {
  return new GroupCoordinator({ ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...overrides }, seededRandom(seed), 0);
}

export const RANGE: JoinProtocol = { name: "range", metadata: Buffer.from([0, 1]) };

export function joinInput(overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: "g",
    memberId: "",
    groupInstanceId: null,
    clientId: "client",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: "consumer",
    protocols: [RANGE],
    requireKnownMemberId: true,
    supportsSkipAssignment: false,
    ...overrides,
  };
}

/**
 * A simple group's OffsetCommit (no member, generation -1) to topic "t": `offsets[i]` for partition i,
 * without leader epoch or metadata.
 */
export function commitInput(groupId: string, ...offsets: bigint[]): OffsetCommitInput {
  return {
    groupId,
    memberId: "",
    groupInstanceId: null,
    generationId: -1,
    retentionTimeMs: -1,
    groupIdNotFoundError: false,
    topics: [
      {
        name: "t",
        partitions: offsets.map((committedOffset, partitionIndex) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      },
    ],
  };
}

/** A SyncGroup of group "g" (consumer, range) giving the i-th of `members` the assignment [i + 1]. */
export function syncInput(memberId: string, generationId: number, members: readonly string[]): SyncGroupInput {
  return {
    groupId: "g",
    memberId,
    groupInstanceId: null,
    generationId,
    protocolType: "consumer",
    protocolName: "range",
    assignments: members.map((m, i) => ({ memberId: m, assignment: Buffer.from([i + 1]) })),
  };
}
