import type { ScramUserCredentials } from "./scram.js";
import type { AclBinding } from "./acl.js";
import type { BrokerConfigsImage } from "./broker-configs.js";

/** One partition of a topic as the controller sees it. A single node leads every partition. */
export interface PartitionImage {
  readonly partitionIndex: number;
  readonly leaderId: number;
  /** Bumped on every leadership change; never goes backwards, also across restarts and re-creation. */
  readonly leaderEpoch: number;
  /** Bumped on every change of the partition's state (replicas, ISR, leader). */
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /**
   * A reassignment in progress (Kafka's PartitionRecord): `replicas` is the target followed by the
   * removing replicas; adding ones join the ISR by follower fetch before the switch to the target.
   * Absent or empty when no reassignment is in progress.
   */
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
}

export interface TopicImage {
  readonly name: string;
  /** Kafka's display form: 22-char base64url. */
  readonly topicId: string;
  readonly partitions: readonly PartitionImage[];
  /** Topic-level overrides only (DYNAMIC_TOPIC_CONFIG); defaults come from the broker config. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface ListenerInfo {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export interface BrokerRegistration {
  readonly nodeId: number;
  /** Advertised listeners: what clients are told to connect to. */
  readonly listeners: readonly ListenerInfo[];
  readonly rack: string | null;
}

/** The whole single-node cluster state. Immutable: changes produce a new image. */
export interface ClusterImage {
  readonly clusterId: string;
  readonly controllerId: number;
  readonly brokers: readonly BrokerRegistration[];
  readonly topics: ReadonlyMap<string, TopicImage>;
  /** topic id -> topic name. */
  readonly topicIds: ReadonlyMap<string, string>;
  /** Floor for the leader epoch of new partitions: above every epoch a deleted topic ever had. */
  readonly nextLeaderEpoch: number;
  /** Counts applied changes; persisted, so it also orders snapshots. */
  readonly changeCount: number;
  /** SCRAM credentials: user -> mechanism -> credential. Absent means none. */
  readonly scramCredentials?: ReadonlyMap<string, ScramUserCredentials>;
  /** The authorizer's ACL bindings (at most MAX_ACLS). */
  readonly acls: readonly AclBinding[];
  /** Dynamic broker configs: "" for the cluster-wide defaults, else by broker id. Absent means none. */
  readonly brokerConfigs?: BrokerConfigsImage;
}

export function emptyImage(
  clusterId: string,
  controllerId: number,
  brokers: readonly BrokerRegistration[],
): ClusterImage {
  return {
    clusterId,
    controllerId,
    brokers,
    topics: new Map(),
    topicIds: new Map(),
    nextLeaderEpoch: 0,
    changeCount: 0,
    acls: [],
  };
}

export function topicById(image: ClusterImage, topicId: string): TopicImage | undefined {
  const name = image.topicIds.get(topicId);
  return name === undefined ? undefined : image.topics.get(name);
}

export function totalPartitions(image: ClusterImage): number {
  let n = 0;
  for (const t of image.topics.values()) n += t.partitions.length;
  return n;
}
