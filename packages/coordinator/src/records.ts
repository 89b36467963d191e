/**
 * The records of `__consumer_offsets` in Kafka's format: key = int16 record type + key struct, value
 * = int16 version + value struct (null value = tombstone). Other tools reading the topic decode them.
 */
import {
  decodeGroupMetadataKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
  ProtocolError,
  Reader,
  Writer,
} from "@samsa/protocol";
import {
  type ConsumerGroupRecord,
  decodeConsumerRecord,
  encodeConsumerKey,
  encodeConsumerValue,
} from "./consumer-records.js";

/** Key versions are the record type; 0 and 1 are both offset commits. */
const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
/** Value versions Kafka 3.x writes: 3 (leader epoch) unless an explicit expiry needs 1. */
const OFFSET_VALUE_VERSION = 3;
const OFFSET_VALUE_VERSION_WITH_EXPIRY = 1;
const GROUP_VALUE_VERSION = 3;

export interface OffsetAndMetadata {
  readonly offset: bigint;
  /** -1 when the committer gave none. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Set only by OffsetCommit v2-v4 with an explicit retention time. */
  readonly expireTimestampMs: number | null;
}

export interface OffsetCommitRecord {
  readonly type: "offset";
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** null is a tombstone: the offset was deleted or expired. */
  readonly value: OffsetAndMetadata | null;
}

export interface GroupMetadataRecord {
  readonly type: "group";
  readonly groupId: string;
  /** null is a tombstone: the group was deleted. */
  readonly value: GroupMetadataValue | null;
}

export type CoordinatorRecord = OffsetCommitRecord | GroupMetadataRecord | ConsumerGroupRecord;

export interface EncodedRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export function encodeCoordinatorRecord(record: CoordinatorRecord): EncodedRecord {
  if (record.type !== "offset" && record.type !== "group")
    return { key: encodeConsumerKey(record), value: encodeConsumerValue(record) };
  const k = new Writer(64);
  if (record.type === "offset") {
    k.writeInt16(OFFSET_COMMIT_KEY_VERSION);
    encodeOffsetCommitKey(
      k,
      { group: record.groupId, topic: record.topic, partition: record.partition },
      OFFSET_COMMIT_KEY_VERSION,
    );
    if (record.value === null) return { key: k.toBuffer(), value: null };
    const o = record.value;
    const version = o.expireTimestampMs === null ? OFFSET_VALUE_VERSION : OFFSET_VALUE_VERSION_WITH_EXPIRY;
    const v = new Writer(64);
    v.writeInt16(version);
    encodeOffsetCommitValue(
      v,
      {
        offset: o.offset,
        leaderEpoch: o.leaderEpoch,
        metadata: o.metadata,
        commitTimestamp: BigInt(o.commitTimestampMs),
        expireTimestamp: BigInt(o.expireTimestampMs ?? -1),
      },
      version,
    );
    return { key: k.toBuffer(), value: v.toBuffer() };
  }
  k.writeInt16(GROUP_METADATA_KEY_VERSION);
  encodeGroupMetadataKey(k, { group: record.groupId }, GROUP_METADATA_KEY_VERSION);
  if (record.value === null) return { key: k.toBuffer(), value: null };
  const v = new Writer(256);
  v.writeInt16(GROUP_VALUE_VERSION);
  encodeGroupMetadataValue(v, record.value, GROUP_VALUE_VERSION);
  return { key: k.toBuffer(), value: v.toBuffer() };
}

/**
 * Decodes one record of the topic; null for record types this coordinator doesn't keep (partition
 * metadata, share groups). Malformed bytes throw ProtocolError.
 */
export function decodeCoordinatorRecord(key: Buffer, value: Buffer | null): CoordinatorRecord | null {
  const kr = new Reader(key);
  const keyVersion = kr.readInt16();
  if (keyVersion === 0 || keyVersion === 1) {
    const k = decodeOffsetCommitKey(kr, keyVersion);
    if (value === null)
      return { type: "offset", groupId: k.group, topic: k.topic, partition: k.partition, value: null };
    const vr = new Reader(value);
    const version = vr.readInt16();
    if (version < 0 || version > 4) throw new ProtocolError("MALFORMED", `OffsetCommitValue version ${version}`);
    const v = decodeOffsetCommitValue(vr, version);
    return {
      type: "offset",
      groupId: k.group,
      topic: k.topic,
      partition: k.partition,
      value: {
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestampMs: Number(v.commitTimestamp),
        expireTimestampMs: v.expireTimestamp < 0n ? null : Number(v.expireTimestamp),
      },
    };
  }
  if (keyVersion === 2) {
    const k = decodeGroupMetadataKey(kr, keyVersion);
    if (value === null) return { type: "group", groupId: k.group, value: null };
    const vr = new Reader(value);
    const version = vr.readInt16();
    if (version < 0 || version > 4) throw new ProtocolError("MALFORMED", `GroupMetadataValue version ${version}`);
    return { type: "group", groupId: k.group, value: decodeGroupMetadataValue(vr, version) };
  }
  if (keyVersion < 0) throw new ProtocolError("MALFORMED", `record type ${keyVersion}`);
  return decodeConsumerRecord(keyVersion, kr, value === null ? null : new Reader(value));
}
