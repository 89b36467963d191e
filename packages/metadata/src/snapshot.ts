import { SamsaError } from "@samsa/common";
import { type AclBinding, isStoredAcl } from "./acl.js";
import { decodeScramCredentials, encodeScramCredentials } from "./scram.js";
import { decodeBrokerConfigs, encodeBrokerConfigs } from "./broker-configs.js";
import type { ClusterImage, PartitionImage, TopicImage } from "./image.js";

export const SNAPSHOT_VERSION = 1;

/** The persisted part of the image: the brokers come from the config at every start. */
interface SnapshotJson {
  version: number;
  clusterId: string;
  changeCount: number;
  nextLeaderEpoch: number;
  topics: {
    name: string;
    topicId: string;
    configs: Record<string, string>;
    partitions: { p: number; leaderEpoch: number; partitionEpoch: number; replicas: number[]; isr: number[] }[];
  }[];
  /** Absent in snapshots written before ACLs existed. */
  acls?: AclBinding[];
  /** SCRAM credentials by user and mechanism; absent when there are none. */
  scram?: ReturnType<typeof encodeScramCredentials>;
  /** Dynamic broker configs by resource name ("" the cluster default); absent when there are none. */
  brokerConfigs?: ReturnType<typeof encodeBrokerConfigs>;
}

export class MetadataCorruptError extends SamsaError {
  constructor(message: string) {
    super("METADATA_CORRUPT", message);
  }
}

export function encodeSnapshot(image: ClusterImage): string {
  const json: SnapshotJson = {
    version: SNAPSHOT_VERSION,
    clusterId: image.clusterId,
    changeCount: image.changeCount,
    nextLeaderEpoch: image.nextLeaderEpoch,
    topics: [...image.topics.values()].map((t) => ({
      name: t.name,
      topicId: t.topicId,
      configs: { ...t.configs },
      partitions: t.partitions.map((p) => ({
        p: p.partitionIndex,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
      })),
    })),
    acls: [...image.acls],
    ...(image.scramCredentials !== undefined && image.scramCredentials.size > 0
      ? { scram: encodeScramCredentials(image.scramCredentials) }
      : {}),
    ...(image.brokerConfigs !== undefined && image.brokerConfigs.size > 0
      ? { brokerConfigs: encodeBrokerConfigs(image.brokerConfigs) }
      : {}),
  };
  return `${JSON.stringify(json)}\n`;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isInt);
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new MetadataCorruptError(`metadata snapshot is corrupt: ${what}`);
}

/** Parses and checks a snapshot; anything unexpected is a MetadataCorruptError, never served. */
export function decodeSnapshot(text: string, base: ClusterImage): ClusterImage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MetadataCorruptError(`metadata snapshot is not valid JSON: ${(e as Error).message}`);
  }
  const s = raw as Partial<SnapshotJson>;
  check(typeof s === "object" && s !== null, "not an object");
  check(s.version === SNAPSHOT_VERSION, `unsupported version ${String(s.version)}`);
  check(typeof s.clusterId === "string", "clusterId");
  check(isInt(s.changeCount) && s.changeCount >= 0, "changeCount");
  check(isInt(s.nextLeaderEpoch) && s.nextLeaderEpoch >= 0, "nextLeaderEpoch");
  check(Array.isArray(s.topics), "topics");
  const topics = new Map<string, TopicImage>();
  const topicIds = new Map<string, string>();
  for (const t of s.topics) {
    check(typeof t === "object" && t !== null && typeof t.name === "string" && typeof t.topicId === "string", "topic");
    check(!topics.has(t.name) && !topicIds.has(t.topicId), `duplicate topic ${t.name}`);
    check(typeof t.configs === "object" && t.configs !== null, `configs of ${t.name}`);
    for (const v of Object.values(t.configs)) check(typeof v === "string", `config of ${t.name}`);
    check(Array.isArray(t.partitions) && t.partitions.length > 0, `partitions of ${t.name}`);
    const partitions: PartitionImage[] = t.partitions.map((p, i) => {
      check(p.p === i && isInt(p.leaderEpoch) && isInt(p.partitionEpoch), `partition ${i} of ${t.name}`);
      check(isIntArray(p.replicas) && p.replicas.length > 0 && isIntArray(p.isr), `replicas of ${t.name}-${i}`);
      return {
        partitionIndex: i,
        leaderId: p.replicas[0],
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        replicas: p.replicas,
        isr: p.isr,
      };
    });
    topics.set(t.name, { name: t.name, topicId: t.topicId, configs: { ...t.configs }, partitions });
    topicIds.set(t.topicId, t.name);
  }
  const acls = s.acls ?? [];
  check(Array.isArray(acls) && acls.every(isStoredAcl), "acls");
  const scramCredentials = decodeScramCredentials(s.scram);
  check(scramCredentials !== undefined, "scram");
  const brokerConfigs = decodeBrokerConfigs(s.brokerConfigs);
  check(brokerConfigs !== undefined, "brokerConfigs");
  return {
    ...base,
    acls,
    scramCredentials,
    brokerConfigs,
    clusterId: s.clusterId,
    changeCount: s.changeCount,
    nextLeaderEpoch: s.nextLeaderEpoch,
    topics,
    topicIds,
  };
}
