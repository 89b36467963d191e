import type { ConfigDef } from "./config-def.js";

/** A topic config and the broker configs that supply its default, most specific first. */
export interface TopicConfigDef extends ConfigDef {
  readonly brokerSynonyms: readonly string[];
}

const LONG_MAX = "9223372036854775807";

/**
 * Kafka's metadata (inter-broker protocol) versions: a release ("0.10.0", "2.8", "3.0") with an
 * optional "-IVn" suffix. Like Kafka's MetadataVersion.fromVersionString, segments past the release
 * ("0.10.0.1", "2.8.1") are ignored.
 */
const METADATA_VERSION = /^(0\.8\.[0-2]|0\.9\.0|0\.10\.[0-2]|0\.11\.0|1\.[01]|2\.[0-8]|3\.\d)(-IV\d)?$/;

function validateMetadataVersion(value: string): string | undefined {
  const segments = value.split(".");
  const release = segments.slice(0, value.startsWith("0.") ? 3 : 2).join(".");
  return METADATA_VERSION.test(release) ? undefined : `Version \`${value}\` is not a valid version`;
}

/**
 * Topic-level configs (Kafka's TopicConfig) with their broker synonyms. `default` is Kafka's value
 * when no broker config sets it.
 */
export const TOPIC_CONFIG_DEFS: readonly TopicConfigDef[] = [
  {
    name: "cleanup.policy",
    type: "LIST",
    default: "delete",
    doc: "delete, compact, or both.",
    oneOf: ["delete", "compact"],
    brokerSynonyms: ["log.cleanup.policy"],
  },
  {
    name: "compression.type",
    type: "STRING",
    default: "producer",
    doc: "Final compression of the topic's data.",
    oneOf: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"],
    brokerSynonyms: ["compression.type"],
  },
  {
    name: "compression.gzip.level",
    type: "INT",
    default: "-1",
    doc: "Gzip level when compression.type is gzip (-1: codec default).",
    min: -1,
    max: 9,
    brokerSynonyms: ["compression.gzip.level"],
  },
  {
    name: "compression.lz4.level",
    type: "INT",
    default: "9",
    doc: "LZ4 level when compression.type is lz4.",
    min: 1,
    max: 17,
    brokerSynonyms: ["compression.lz4.level"],
  },
  {
    name: "compression.zstd.level",
    type: "INT",
    default: "3",
    doc: "Zstd level when compression.type is zstd.",
    min: -131072,
    max: 22,
    brokerSynonyms: ["compression.zstd.level"],
  },
  {
    name: "delete.retention.ms",
    type: "LONG",
    default: "86400000",
    doc: "How long tombstones are kept on a compacted topic.",
    min: 0,
    brokerSynonyms: ["log.cleaner.delete.retention.ms"],
  },
  {
    name: "file.delete.delay.ms",
    type: "LONG",
    default: "60000",
    doc: "Delay before a deleted segment's files are removed.",
    min: 0,
    brokerSynonyms: ["log.segment.delete.delay.ms"],
  },
  {
    name: "flush.messages",
    type: "LONG",
    default: LONG_MAX,
    doc: "Messages between two fsyncs of the log.",
    min: 1,
    brokerSynonyms: ["log.flush.interval.messages"],
  },
  {
    name: "flush.ms",
    type: "LONG",
    default: LONG_MAX,
    doc: "Longest time between two fsyncs of the log.",
    min: 0,
    brokerSynonyms: ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
  },
  {
    name: "follower.replication.throttled.replicas",
    type: "LIST",
    default: "",
    doc: "Replicas throttled on the follower side (accepted; a single node has no followers).",
    brokerSynonyms: [],
  },
  {
    name: "index.interval.bytes",
    type: "INT",
    default: "4096",
    doc: "Bytes between two offset index entries.",
    min: 0,
    brokerSynonyms: ["log.index.interval.bytes"],
  },
  {
    name: "leader.replication.throttled.replicas",
    type: "LIST",
    default: "",
    doc: "Replicas throttled on the leader side (accepted; a single node has no followers).",
    brokerSynonyms: [],
  },
  {
    name: "local.retention.bytes",
    type: "LONG",
    default: "-2",
    doc: "Local bytes kept with tiered storage (-2: retention.bytes); samsa has no tiered storage.",
    min: -2,
    brokerSynonyms: ["log.local.retention.bytes"],
  },
  {
    name: "local.retention.ms",
    type: "LONG",
    default: "-2",
    doc: "Local time kept with tiered storage (-2: retention.ms); samsa has no tiered storage.",
    min: -2,
    brokerSynonyms: ["log.local.retention.ms"],
  },
  {
    name: "max.compaction.lag.ms",
    type: "LONG",
    default: LONG_MAX,
    doc: "Maximum time a message stays ineligible for compaction.",
    min: 1,
    brokerSynonyms: ["log.cleaner.max.compaction.lag.ms"],
  },
  {
    name: "max.message.bytes",
    type: "INT",
    default: "1048588",
    doc: "Largest record batch size allowed.",
    min: 0,
    brokerSynonyms: ["message.max.bytes"],
  },
  {
    // Deprecated since Kafka 3.0 and ignored for v2 record batches (the only format written here);
    // accepted so that clients and tools that still set it keep working.
    name: "message.format.version",
    type: "STRING",
    default: "3.0-IV1",
    doc: "Deprecated: ignored; records are always written in the v2 format.",
    validate: validateMetadataVersion,
    brokerSynonyms: [],
  },
  {
    name: "message.timestamp.type",
    type: "STRING",
    default: "CreateTime",
    doc: "CreateTime or LogAppendTime.",
    oneOf: ["CreateTime", "LogAppendTime"],
    brokerSynonyms: ["log.message.timestamp.type"],
  },
  {
    name: "message.timestamp.before.max.ms",
    type: "LONG",
    default: LONG_MAX,
    doc: "Largest allowed age of a record timestamp.",
    min: 0,
    brokerSynonyms: ["log.message.timestamp.before.max.ms"],
  },
  {
    name: "message.timestamp.after.max.ms",
    type: "LONG",
    default: "3600000",
    doc: "Largest allowed distance of a record timestamp into the future.",
    min: 0,
    brokerSynonyms: ["log.message.timestamp.after.max.ms"],
  },
  {
    name: "min.cleanable.dirty.ratio",
    type: "DOUBLE",
    default: "0.5",
    doc: "Minimum dirty ratio before the log is cleaned.",
    min: 0,
    max: 1,
    brokerSynonyms: ["log.cleaner.min.cleanable.ratio"],
  },
  {
    name: "min.compaction.lag.ms",
    type: "LONG",
    default: "0",
    doc: "Minimum age of a message before it may be compacted.",
    min: 0,
    brokerSynonyms: ["log.cleaner.min.compaction.lag.ms"],
  },
  {
    name: "min.insync.replicas",
    type: "INT",
    default: "1",
    doc: "Minimum in-sync replicas for acks=all.",
    min: 1,
    brokerSynonyms: ["min.insync.replicas"],
  },
  {
    name: "preallocate",
    type: "BOOLEAN",
    default: "false",
    doc: "Preallocate segment files.",
    brokerSynonyms: ["log.preallocate"],
  },
  {
    name: "retention.bytes",
    type: "LONG",
    default: "-1",
    doc: "Largest partition size before old segments are deleted; -1 for no limit.",
    brokerSynonyms: ["log.retention.bytes"],
  },
  {
    name: "retention.ms",
    type: "LONG",
    default: "604800000",
    doc: "Time to keep a segment; -1 for no limit.",
    min: -1,
    brokerSynonyms: ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
  },
  {
    name: "segment.bytes",
    type: "INT",
    default: "1073741824",
    doc: "Largest size of a segment file.",
    min: 14,
    brokerSynonyms: ["log.segment.bytes"],
  },
  {
    name: "segment.index.bytes",
    type: "INT",
    default: "10485760",
    doc: "Largest size of an offset index file.",
    min: 4,
    brokerSynonyms: ["log.index.size.max.bytes"],
  },
  {
    name: "segment.jitter.ms",
    type: "LONG",
    default: "0",
    doc: "Maximum random jitter subtracted from the roll time.",
    min: 0,
    brokerSynonyms: ["log.roll.jitter.ms", "log.roll.jitter.hours"],
  },
  {
    name: "segment.ms",
    type: "LONG",
    default: "604800000",
    doc: "Longest time before a new segment is rolled.",
    min: 1,
    brokerSynonyms: ["log.roll.ms", "log.roll.hours"],
  },
  {
    name: "unclean.leader.election.enable",
    type: "BOOLEAN",
    default: "false",
    doc: "Allow out-of-sync replicas to become leader.",
    brokerSynonyms: ["unclean.leader.election.enable"],
  },
];

export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(
  TOPIC_CONFIG_DEFS.map((d) => [d.name, d]),
);
