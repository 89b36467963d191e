import { type AclBinding, isStoredAcl } from "../acl.js";
import type { AlterPartitionRequest } from "../controller/alter-partition.js";
import type { BrokerRegistration, PartitionImage, TopicImage } from "../image.js";
import { type BrokerConfigsImage, decodeBrokerConfigs, encodeBrokerConfigs } from "../broker-configs.js";
import { decodeScramCredentials, encodeScramCredentials, type ScramUserCredentials } from "../scram.js";
import { MetadataCorruptError } from "../snapshot.js";

interface TopicJson {
  name: string;
  topicId: string;
  configs: Record<string, string>;
  partitions: {
    p: number;
    leader: number;
    leaderEpoch: number;
    partitionEpoch: number;
    replicas: number[];
    isr: number[];
    adding?: number[];
    removing?: number[];
  }[];
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isInt);
}

function check(cond: unknown, key: string, what: string): asserts cond {
  if (!cond) throw new MetadataCorruptError(`etcd key ${key} is corrupt: ${what}`);
}

function parse(text: string, key: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MetadataCorruptError(`etcd key ${key} is not valid JSON`);
  }
  check(typeof raw === "object" && raw !== null, key, "not an object");
  return raw as Record<string, unknown>;
}

export function encodeTopic(t: TopicImage): string {
  const json: TopicJson = {
    name: t.name,
    topicId: t.topicId,
    configs: { ...t.configs },
    partitions: t.partitions.map((p) => ({
      p: p.partitionIndex,
      leader: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      replicas: [...p.replicas],
      isr: [...p.isr],
      ...((p.addingReplicas?.length ?? 0) > 0 || (p.removingReplicas?.length ?? 0) > 0
        ? { adding: [...(p.addingReplicas ?? [])], removing: [...(p.removingReplicas ?? [])] }
        : {}),
    })),
  };
  return JSON.stringify(json);
}

/** Parses and checks a topic value; anything unexpected is a MetadataCorruptError, never served. */
export function decodeTopic(text: string, key: string): TopicImage {
  const t = parse(text, key);
  check(typeof t.name === "string" && typeof t.topicId === "string", key, "name or topicId");
  check(typeof t.configs === "object" && t.configs !== null, key, "configs");
  for (const v of Object.values(t.configs)) check(typeof v === "string", key, "config value");
  check(Array.isArray(t.partitions), key, "partitions");
  const partitions: PartitionImage[] = (t.partitions as TopicJson["partitions"]).map((p, i) => {
    check(typeof p === "object" && p !== null && p.p === i, key, `partition ${i}`);
    check(isInt(p.leader) && isInt(p.leaderEpoch) && isInt(p.partitionEpoch), key, `epochs of ${i}`);
    check(isIntArray(p.replicas) && isIntArray(p.isr) && p.replicas.length > 0, key, `replicas of ${i}`);
    const partition: PartitionImage = {
      partitionIndex: i,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      replicas: p.replicas,
      isr: p.isr,
    };
    if (p.adding === undefined && p.removing === undefined) return partition;
    check(isIntArray(p.adding) && isIntArray(p.removing), key, `reassignment of ${i}`);
    return { ...partition, addingReplicas: p.adding, removingReplicas: p.removing };
  });
  return { name: t.name, topicId: t.topicId, configs: t.configs as Record<string, string>, partitions };
}

export function encodeBroker(b: BrokerRegistration): string {
  return JSON.stringify({ nodeId: b.nodeId, rack: b.rack, listeners: b.listeners });
}

export function decodeBroker(text: string, key: string): BrokerRegistration {
  const b = parse(text, key);
  check(isInt(b.nodeId), key, "nodeId");
  check(b.rack === null || typeof b.rack === "string", key, "rack");
  check(Array.isArray(b.listeners), key, "listeners");
  const listeners = (b.listeners as Record<string, unknown>[]).map((l) => {
    check(typeof l.name === "string" && typeof l.host === "string", key, "listener");
    check(isInt(l.port) && typeof l.securityProtocol === "string", key, "listener");
    return { name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol };
  });
  return { nodeId: b.nodeId, rack: b.rack, listeners };
}

export function encodeAlterPartition(r: AlterPartitionRequest): string {
  return JSON.stringify(r);
}

export function decodeAlterPartition(text: string, key: string): AlterPartitionRequest {
  const r = parse(text, key);
  check(typeof r.topic === "string" && isInt(r.partition) && isInt(r.leaderId), key, "partition or leader");
  check(isInt(r.leaderEpoch) && isInt(r.partitionEpoch) && isIntArray(r.isr), key, "epochs or isr");
  return {
    topic: r.topic,
    partition: r.partition,
    leaderId: r.leaderId,
    leaderEpoch: r.leaderEpoch,
    partitionEpoch: r.partitionEpoch,
    isr: r.isr,
  };
}

export function encodeScram(creds: ReadonlyMap<string, ScramUserCredentials>): string {
  return JSON.stringify(encodeScramCredentials(creds));
}

export function decodeScram(text: string, key: string): Map<string, ScramUserCredentials> {
  const creds = decodeScramCredentials(parse(text, key));
  check(creds !== undefined, key, "scram credentials");
  return creds;
}

export function encodeBrokerConfigsValue(configs: BrokerConfigsImage): string {
  return JSON.stringify(encodeBrokerConfigs(configs));
}

export function decodeBrokerConfigsValue(text: string, key: string): Map<string, Readonly<Record<string, string>>> {
  const configs = decodeBrokerConfigs(parse(text, key));
  check(configs !== undefined, key, "broker configs");
  return configs;
}

export function encodeAcls(acls: readonly AclBinding[]): string {
  return JSON.stringify(acls);
}

export function decodeAcls(text: string, key: string): AclBinding[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MetadataCorruptError(`etcd key ${key} is not valid JSON`);
  }
  check(Array.isArray(raw) && raw.every(isStoredAcl), key, "acls");
  return raw;
}
