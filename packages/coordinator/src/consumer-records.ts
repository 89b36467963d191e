/**
 * KIP-848 consumer group records of `__consumer_offsets` in Kafka's format: key version = record
 * type (3 group epoch, 4 subscribed topics' partition counts, 5 member, 6 target epoch, 7 member
 * target, 8 member current assignment),
 * value version 0. Partition sets are "topicId:partition" keys, as the coordinator keeps them.
 */
import {
  decodeConsumerGroupCurrentMemberAssignmentValue,
  decodeConsumerGroupMemberMetadataValue,
  decodeConsumerGroupMetadataValue,
  decodeConsumerGroupPartitionMetadataValue,
  decodeConsumerGroupTargetAssignmentMemberValue,
  decodeConsumerGroupTargetAssignmentMetadataValue,
  encodeConsumerGroupCurrentMemberAssignmentValue,
  encodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMetadataValue,
  encodeConsumerGroupPartitionMetadataValue,
  encodeConsumerGroupTargetAssignmentMemberValue,
  encodeConsumerGroupTargetAssignmentMetadataValue,
  type Reader,
  Writer,
} from "@samsa/protocol";
import { parsePartitionKey, partitionKey } from "./assignors.js";
import type { ConsumerMemberState } from "./consumer-group.js";

export const CONSUMER_GROUP_METADATA = 3;
export const CONSUMER_GROUP_PARTITION_METADATA = 4;
export const CONSUMER_GROUP_MEMBER_METADATA = 5;
export const CONSUMER_GROUP_TARGET_METADATA = 6;
export const CONSUMER_GROUP_TARGET_MEMBER = 7;
export const CONSUMER_GROUP_CURRENT_ASSIGNMENT = 8;
const VALUE_VERSION = 0;

export interface ConsumerMemberMetadata {
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignor: string | null;
}

export interface ConsumerCurrentAssignment {
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: ConsumerMemberState;
  readonly assigned: readonly string[];
  readonly pendingRevocation: readonly string[];
}

export type ConsumerGroupRecord =
  | { readonly type: "consumerGroup"; readonly groupId: string; readonly value: { readonly epoch: number } | null }
  | {
      readonly type: "consumerPartitionMetadata";
      readonly groupId: string;
      readonly value:
        | readonly { readonly topicId: string; readonly topicName: string; readonly numPartitions: number }[]
        | null;
    }
  | {
      readonly type: "consumerMember";
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerMemberMetadata | null;
    }
  | {
      readonly type: "consumerTargetEpoch";
      readonly groupId: string;
      readonly value: { readonly assignmentEpoch: number } | null;
    }
  | {
      readonly type: "consumerTarget";
      readonly groupId: string;
      readonly memberId: string;
      readonly value: readonly string[] | null;
    }
  | {
      readonly type: "consumerAssignment";
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerCurrentAssignment | null;
    };

const STATE_CODES: Record<ConsumerMemberState, number> = {
  stable: 0,
  unrevokedPartitions: 1,
  unreleasedPartitions: 2,
};

function stateOf(code: number): ConsumerMemberState {
  return code === 1 ? "unrevokedPartitions" : code === 2 ? "unreleasedPartitions" : "stable";
}

function toTopicPartitions(keys: readonly string[]): { topicId: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const k of keys) {
    const { topicId, partition } = parsePartitionKey(k);
    byTopic.set(topicId, [...(byTopic.get(topicId) ?? []), partition]);
  }
  return [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions }));
}

function fromTopicPartitions(tps: readonly { topicId: string; partitions: number[] }[]): string[] {
  return tps.flatMap((t) => t.partitions.map((p) => partitionKey(t.topicId, p)));
}

/** Key bytes: int16 record type, then the group id (and member id) as non-flexible strings. */
export function encodeConsumerKey(record: ConsumerGroupRecord): Buffer {
  const w = new Writer(64);
  const type = {
    consumerGroup: CONSUMER_GROUP_METADATA,
    consumerPartitionMetadata: CONSUMER_GROUP_PARTITION_METADATA,
    consumerMember: CONSUMER_GROUP_MEMBER_METADATA,
    consumerTargetEpoch: CONSUMER_GROUP_TARGET_METADATA,
    consumerTarget: CONSUMER_GROUP_TARGET_MEMBER,
    consumerAssignment: CONSUMER_GROUP_CURRENT_ASSIGNMENT,
  }[record.type];
  w.writeInt16(type);
  w.writeString(record.groupId, false);
  if ("memberId" in record) w.writeString(record.memberId, false);
  return w.toBuffer();
}

export function encodeConsumerValue(record: ConsumerGroupRecord): Buffer | null {
  if (record.value === null) return null;
  const w = new Writer(128);
  w.writeInt16(VALUE_VERSION);
  switch (record.type) {
    case "consumerGroup":
      encodeConsumerGroupMetadataValue(w, { epoch: record.value.epoch }, VALUE_VERSION);
      break;
    case "consumerPartitionMetadata":
      encodeConsumerGroupPartitionMetadataValue(
        w,
        {
          topics: (record.value as NonNullable<typeof record.value>).map((t) => ({
            topicId: t.topicId,
            topicName: t.topicName,
            numPartitions: t.numPartitions,
            partitionMetadata: [],
          })),
        },
        VALUE_VERSION,
      );
      break;
    case "consumerMember": {
      const v = record.value as ConsumerMemberMetadata;
      encodeConsumerGroupMemberMetadataValue(
        w,
        {
          instanceId: v.instanceId,
          rackId: v.rackId,
          clientId: v.clientId,
          clientHost: v.clientHost,
          subscribedTopicNames: [...v.subscribedTopicNames],
          subscribedTopicRegex: null,
          rebalanceTimeoutMs: v.rebalanceTimeoutMs,
          serverAssignor: v.serverAssignor,
          classicMemberMetadata: null,
        },
        VALUE_VERSION,
      );
      break;
    }
    case "consumerTargetEpoch":
      encodeConsumerGroupTargetAssignmentMetadataValue(
        w,
        { assignmentEpoch: (record.value as { assignmentEpoch: number }).assignmentEpoch },
        VALUE_VERSION,
      );
      break;
    case "consumerTarget":
      encodeConsumerGroupTargetAssignmentMemberValue(
        w,
        { topicPartitions: toTopicPartitions(record.value as readonly string[]) },
        VALUE_VERSION,
      );
      break;
    case "consumerAssignment": {
      const v = record.value as ConsumerCurrentAssignment;
      encodeConsumerGroupCurrentMemberAssignmentValue(
        w,
        {
          memberEpoch: v.memberEpoch,
          previousMemberEpoch: v.previousMemberEpoch,
          state: STATE_CODES[v.state],
          assignedPartitions: toTopicPartitions(v.assigned),
          partitionsPendingRevocation: toTopicPartitions(v.pendingRevocation),
        },
        VALUE_VERSION,
      );
      break;
    }
  }
  return w.toBuffer();
}

/** Decodes a consumer group record whose key type was read from `key`; null for other types. */
export function decodeConsumerRecord(type: number, key: Reader, value: Reader | null): ConsumerGroupRecord | null {
  const groupId = key.readString(false);
  const version = value?.readInt16();
  if (version !== undefined && version !== VALUE_VERSION) return null;
  switch (type) {
    case CONSUMER_GROUP_METADATA:
      return {
        type: "consumerGroup",
        groupId,
        value: value && { epoch: decodeConsumerGroupMetadataValue(value, 0).epoch },
      };
    case CONSUMER_GROUP_PARTITION_METADATA:
      return {
        type: "consumerPartitionMetadata",
        groupId,
        value:
          value &&
          decodeConsumerGroupPartitionMetadataValue(value, 0).topics.map((t) => ({
            topicId: t.topicId,
            topicName: t.topicName,
            numPartitions: t.numPartitions,
          })),
      };
    case CONSUMER_GROUP_MEMBER_METADATA: {
      const memberId = key.readString(false);
      if (value === null) return { type: "consumerMember", groupId, memberId, value: null };
      const v = decodeConsumerGroupMemberMetadataValue(value, 0);
      return {
        type: "consumerMember",
        groupId,
        memberId,
        value: {
          instanceId: v.instanceId,
          rackId: v.rackId,
          clientId: v.clientId,
          clientHost: v.clientHost,
          subscribedTopicNames: v.subscribedTopicNames,
          rebalanceTimeoutMs: v.rebalanceTimeoutMs,
          serverAssignor: v.serverAssignor,
        },
      };
    }
    case CONSUMER_GROUP_TARGET_METADATA:
      return {
        type: "consumerTargetEpoch",
        groupId,
        value: value && { assignmentEpoch: decodeConsumerGroupTargetAssignmentMetadataValue(value, 0).assignmentEpoch },
      };
    case CONSUMER_GROUP_TARGET_MEMBER: {
      const memberId = key.readString(false);
      const v = value && decodeConsumerGroupTargetAssignmentMemberValue(value, 0);
      return { type: "consumerTarget", groupId, memberId, value: v && fromTopicPartitions(v.topicPartitions) };
    }
    case CONSUMER_GROUP_CURRENT_ASSIGNMENT: {
      const memberId = key.readString(false);
      if (value === null) return { type: "consumerAssignment", groupId, memberId, value: null };
      const v = decodeConsumerGroupCurrentMemberAssignmentValue(value, 0);
      return {
        type: "consumerAssignment",
        groupId,
        memberId,
        value: {
          memberEpoch: v.memberEpoch,
          previousMemberEpoch: v.previousMemberEpoch,
          state: stateOf(v.state),
          assigned: fromTopicPartitions(v.assignedPartitions),
          pendingRevocation: fromTopicPartitions(v.partitionsPendingRevocation),
        },
      };
    }
    default:
      return null;
  }
}
