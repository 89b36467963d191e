import { encodeCoordinatorRecord, type GroupCoordinator, type OffsetCommitRecord } from "@samsa/coordinator";
import { buildRecordBatch, ErrorCode, validateRecordBatch } from "@samsa/protocol";
import { OFFSETS_TOPIC } from "../group-coordinator-service.js";
import type { BrokerServices } from "../handlers/handler.js";

const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Appends transactional offset commits to the group's `__consumer_offsets` partition as one
 * transactional batch of the producer (so a reload sees them undecided until the marker), then
 * stages them until the marker decides. Resolves to NONE or Kafka's error for every partition.
 */
export async function appendTxnOffsets(
  services: BrokerServices,
  producerId: number,
  producerEpoch: number,
  records: readonly OffsetCommitRecord[],
): Promise<number> {
  if (records.length === 0) return ErrorCode.NONE;
  const { groups, transactions } = services;
  if (!transactions.txnOffsets.hasRoomFor(records.length)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const partition = groups.coordinator.partitionFor(records[0].groupId);
  const lookup = await services.dataPath.replicas.getPartition(OFFSETS_TOPIC, partition);
  if ("error" in lookup) {
    return lookup.error === "NOT_LEADER_OR_FOLLOWER" ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  const nowMs = services.clock.nowMs();
  const batch = buildRecordBatch(
    records.map((r) => ({ ...encodeCoordinatorRecord(r), timestamp: nowMs })),
    { timestamp: nowMs, producerId, producerEpoch, transactional: true },
  );
  const validation = validateRecordBatch(batch, 0, {
    maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES,
    origin: "coordinator",
  });
  const result = await lookup.partition.appendAsLeader(batch, [{ pos: 0, validation }], "coordinator");
  if (result.kind === "error") {
    if (result.error === "NOT_LEADER_OR_FOLLOWER" || result.error === "FENCED_LEADER_EPOCH")
      return ErrorCode.NOT_COORDINATOR;
    if (result.error === "MESSAGE_TOO_LARGE" || result.error === "RECORD_LIST_TOO_LARGE")
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    if (result.error === "INVALID_PRODUCER_EPOCH") return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  transactions.txnOffsets.stage(partition, producerId, records);
  if (lookup.partition.state.highWatermark <= result.lastOffset) await lookup.partition.flush();
  return ErrorCode.NONE;
}

/** Who sends a TxnOffsetCommit (v3+): its member id, generation (member epoch for KIP-848) and instance. */
export interface TxnCommitMember {
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly groupInstanceId: string | null;
}

/**
 * KIP-447's zombie check, as Kafka's coordinator does for TxnOffsetCommit: a member id must be a
 * member, a generation must be the current one, a static instance must map to the member. An
 * unknown group or an anonymous commit (v0-v2) passes.
 */
export function validateTxnCommit(groups: GroupCoordinator, m: TxnCommitMember): number {
  const consumer = groups.consumerGroup(m.groupId);
  if (consumer !== undefined) {
    if (m.memberId === "" && m.generationId < 0) return ErrorCode.NONE;
    const member = consumer.members.get(m.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return m.generationId !== member.memberEpoch ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
  }
  const group = groups.group(m.groupId);
  if (group === undefined) return ErrorCode.NONE;
  if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (m.groupInstanceId !== null) {
    const owner = group.staticMembers.get(m.groupInstanceId);
    if (owner !== undefined && owner !== m.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (m.memberId !== "" && !group.members.has(m.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (m.generationId >= 0 && m.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}
