import { placePartition } from "./controller/placement.js";
import { type MetadataError, MetadataErrorCode, metadataError } from "./errors.js";
import type { ClusterImage, PartitionImage, TopicImage } from "./image.js";
import { totalPartitions } from "./image.js";
import { collidingName, invalidTopicNameReason } from "./topic-name.js";

/** Bounds on the image so memory never grows without limit. */
export interface MetadataLimits {
  readonly maxTopics: number;
  readonly maxPartitions: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = { maxTopics: 10_000, maxPartitions: 100_000 };

/** Returns an error message when a topic config override is invalid, else undefined. */
export type TopicConfigValidator = (name: string, value: string) => string | undefined;

export interface CreateTopicOptions {
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly validateConfig: TopicConfigValidator;
  readonly newTopicId: () => string;
  readonly limits?: MetadataLimits;
}

export interface CreateTopicSpec {
  readonly name: string;
  /** -1 means the broker default (num.partitions). */
  readonly numPartitions: number;
  /** -1 means the broker default (default.replication.factor). */
  readonly replicationFactor: number;
  /** Manual assignment: partition index -> broker ids. Empty when not given. */
  readonly assignments: readonly { readonly partitionIndex: number; readonly brokerIds: readonly number[] }[];
  readonly configs: Readonly<Record<string, string>>;
}

export type ChangeResult<T> =
  | { readonly ok: true; readonly image: ClusterImage; readonly value: T }
  | { readonly ok: false; readonly error: MetadataError };

function fail<T>(errorCode: MetadataError["errorCode"], message: string): ChangeResult<T> {
  return { ok: false, error: metadataError(errorCode, message) };
}

function withTopics(
  image: ClusterImage,
  topics: Map<string, TopicImage>,
  topicIds: Map<string, string>,
  nextLeaderEpoch = image.nextLeaderEpoch,
): ClusterImage {
  return { ...image, topics, topicIds, nextLeaderEpoch, changeCount: image.changeCount + 1 };
}

function validateConfigs(
  configs: Readonly<Record<string, string>>,
  validate: TopicConfigValidator,
): MetadataError | undefined {
  for (const [name, value] of Object.entries(configs)) {
    const reason = validate(name, value);
    if (reason !== undefined) return metadataError(MetadataErrorCode.INVALID_CONFIG, reason);
  }
  return undefined;
}

function registeredIds(image: ClusterImage): Set<number> {
  return new Set(image.brokers.map((b) => b.nodeId));
}

/** Checks manual replica lists: non-empty, distinct, registered brokers, same size everywhere. */
function invalidAssignment(image: ClusterImage, lists: readonly (readonly number[])[]): string | undefined {
  const ids = registeredIds(image);
  let size = -1;
  for (const replicas of lists) {
    if (replicas.length === 0) return "The manual partition assignment includes an empty replica list.";
    if (new Set(replicas).size !== replicas.length)
      return "The manual partition assignment includes a duplicate replica.";
    for (const id of replicas) {
      if (!ids.has(id))
        return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    }
    if (size !== -1 && replicas.length !== size) {
      return "The manual partition assignment includes partitions with different replication factors.";
    }
    size = replicas.length;
  }
  return undefined;
}

function newPartition(partitionIndex: number, replicas: readonly number[], leaderEpoch: number): PartitionImage {
  return { partitionIndex, leaderId: replicas[0], leaderEpoch, partitionEpoch: 0, replicas, isr: replicas };
}

/** The controller's placement: leaders and replicas spread over the registered brokers, rack-aware. */
function assignReplicas(image: ClusterImage, partitionIndex: number, replicationFactor: number): number[] {
  return placePartition(image.brokers, partitionIndex, replicationFactor);
}

/** Kafka's CreateTopics validation and creation, as one pure step. */
export function createTopic(
  image: ClusterImage,
  spec: CreateTopicSpec,
  opts: CreateTopicOptions,
): ChangeResult<TopicImage> {
  const limits = opts.limits ?? DEFAULT_METADATA_LIMITS;
  const nameError = invalidTopicNameReason(spec.name);
  if (nameError !== undefined) return fail(MetadataErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
  if (image.topics.has(spec.name))
    return fail(MetadataErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
  const collision = collidingName(spec.name);
  for (const existing of image.topics.keys()) {
    if (collidingName(existing) === collision) {
      return fail(
        MetadataErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${spec.name}' collides with existing topic: ${existing}`,
      );
    }
  }
  const configError = validateConfigs(spec.configs, opts.validateConfig);
  if (configError !== undefined) return { ok: false, error: configError };

  let replicaLists: (readonly number[])[];
  if (spec.assignments.length > 0) {
    if (spec.numPartitions !== -1) {
      return fail(
        MetadataErrorCode.INVALID_REQUEST,
        "A manual partition assignment was specified, but numPartitions was not set to -1.",
      );
    }
    if (spec.replicationFactor !== -1) {
      return fail(
        MetadataErrorCode.INVALID_REQUEST,
        "A manual partition assignment was specified, but replicationFactor was not set to -1.",
      );
    }
    const sorted = [...spec.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    for (let i = 0; i < sorted.length; i++) {
      if (sorted[i].partitionIndex !== i) {
        return fail(
          MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Partitions should be a consecutive 0-based integer sequence, but ${sorted[i].partitionIndex} is not.`,
        );
      }
    }
    replicaLists = sorted.map((a) => [...a.brokerIds]);
    const reason = invalidAssignment(image, replicaLists);
    if (reason !== undefined) return fail(MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT, reason);
  } else {
    const numPartitions = spec.numPartitions === -1 ? opts.defaultPartitions : spec.numPartitions;
    const replicationFactor = spec.replicationFactor === -1 ? opts.defaultReplicationFactor : spec.replicationFactor;
    if (numPartitions <= 0)
      return fail(
        MetadataErrorCode.INVALID_PARTITIONS,
        "Number of partitions was set to an invalid non-positive value.",
      );
    if (replicationFactor <= 0) {
      return fail(
        MetadataErrorCode.INVALID_REPLICATION_FACTOR,
        "Replication factor must be larger than 0, or -1 to use the default value.",
      );
    }
    const brokers = image.brokers.length;
    if (replicationFactor > brokers) {
      return fail(
        MetadataErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokers} broker(s) are registered.`,
      );
    }
    if (numPartitions > limits.maxPartitions) {
      return fail(
        MetadataErrorCode.INVALID_PARTITIONS,
        `Number of partitions ${numPartitions} exceeds the limit ${limits.maxPartitions}.`,
      );
    }
    replicaLists = [];
    for (let p = 0; p < numPartitions; p++) replicaLists.push(assignReplicas(image, p, replicationFactor));
  }
  if (image.topics.size >= limits.maxTopics) {
    return fail(
      MetadataErrorCode.POLICY_VIOLATION,
      `The cluster already has the maximum of ${limits.maxTopics} topics.`,
    );
  }
  if (totalPartitions(image) + replicaLists.length > limits.maxPartitions) {
    return fail(
      MetadataErrorCode.POLICY_VIOLATION,
      `Creating ${replicaLists.length} partitions would exceed the limit of ${limits.maxPartitions} partitions.`,
    );
  }
  let topicId = opts.newTopicId();
  while (image.topicIds.has(topicId)) topicId = opts.newTopicId();
  const topic: TopicImage = {
    name: spec.name,
    topicId,
    partitions: replicaLists.map((replicas, i) => newPartition(i, replicas, image.nextLeaderEpoch)),
    configs: { ...spec.configs },
  };
  const topics = new Map(image.topics).set(topic.name, topic);
  const topicIds = new Map(image.topicIds).set(topicId, topic.name);
  return { ok: true, image: withTopics(image, topics, topicIds), value: topic };
}

export interface CreatePartitionsSpec {
  readonly name: string;
  readonly count: number;
  /** Replica lists for the new partitions only; null for automatic assignment. */
  readonly assignments: readonly (readonly number[])[] | null;
}

/** Kafka's CreatePartitions: only grows a topic. Returns the new partitions. */
export function createPartitions(
  image: ClusterImage,
  spec: CreatePartitionsSpec,
  limits = DEFAULT_METADATA_LIMITS,
): ChangeResult<readonly PartitionImage[]> {
  const topic = image.topics.get(spec.name);
  if (topic === undefined)
    return fail(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${spec.name}`);
  const current = topic.partitions.length;
  if (spec.count < current) {
    return fail(
      MetadataErrorCode.INVALID_PARTITIONS,
      `The topic ${spec.name} currently has ${current} partition(s); ${spec.count} would not be an increase.`,
    );
  }
  if (spec.count === current)
    return fail(MetadataErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  const added = spec.count - current;
  if (totalPartitions(image) + added > limits.maxPartitions) {
    return fail(
      MetadataErrorCode.POLICY_VIOLATION,
      `Adding ${added} partitions would exceed the limit of ${limits.maxPartitions} partitions.`,
    );
  }
  let lists: (readonly number[])[];
  if (spec.assignments !== null) {
    if (spec.assignments.length !== added) {
      return fail(
        MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${added} additional partition(s), but only ${spec.assignments.length} assignment(s) were specified.`,
      );
    }
    lists = spec.assignments.map((a) => [...a]);
    const reason = invalidAssignment(image, [topic.partitions[0].replicas, ...lists]);
    if (reason !== undefined) return fail(MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT, reason);
  } else {
    const rf = topic.partitions[0].replicas.length;
    lists = [];
    for (let p = current; p < spec.count; p++) lists.push(assignReplicas(image, p, rf));
  }
  const epoch = Math.max(image.nextLeaderEpoch, ...topic.partitions.map((p) => p.leaderEpoch));
  const fresh = lists.map((replicas, i) => newPartition(current + i, replicas, epoch));
  const updated: TopicImage = { ...topic, partitions: [...topic.partitions, ...fresh] };
  const topics = new Map(image.topics).set(topic.name, updated);
  return { ok: true, image: withTopics(image, topics, new Map(image.topicIds)), value: fresh };
}

/** Removes a topic; raises the epoch floor so a re-created topic's epochs are above the old ones. */
export function deleteTopic(image: ClusterImage, name: string): ChangeResult<TopicImage> {
  const topic = image.topics.get(name);
  if (topic === undefined)
    return fail(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
  const topics = new Map(image.topics);
  topics.delete(name);
  const topicIds = new Map(image.topicIds);
  topicIds.delete(topic.topicId);
  let floor = image.nextLeaderEpoch;
  for (const p of topic.partitions) floor = Math.max(floor, p.leaderEpoch + 1);
  return { ok: true, image: withTopics(image, topics, topicIds, floor), value: topic };
}

/** Replaces a topic's config overrides (the caller resolved SET/DELETE/APPEND/SUBTRACT). */
export function setTopicConfigs(
  image: ClusterImage,
  name: string,
  configs: Readonly<Record<string, string>>,
  validate: TopicConfigValidator,
): ChangeResult<TopicImage> {
  const topic = image.topics.get(name);
  if (topic === undefined)
    return fail(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
  const configError = validateConfigs(configs, validate);
  if (configError !== undefined) return { ok: false, error: configError };
  const updated: TopicImage = { ...topic, configs: { ...configs } };
  const topics = new Map(image.topics).set(name, updated);
  return { ok: true, image: withTopics(image, topics, new Map(image.topicIds)), value: updated };
}

/** A new leadership term for every partition (e.g. at start-up), so stale epochs are fenced. */
export function bumpLeaderEpochs(image: ClusterImage): ChangeResult<number> {
  if (image.topics.size === 0) return { ok: true, image, value: 0 };
  const topics = new Map<string, TopicImage>();
  let count = 0;
  for (const [name, t] of image.topics) {
    const partitions = t.partitions.map((p) => ({
      ...p,
      leaderEpoch: p.leaderEpoch + 1,
      partitionEpoch: p.partitionEpoch + 1,
    }));
    count += partitions.length;
    topics.set(name, { ...t, partitions });
  }
  return { ok: true, image: withTopics(image, topics, new Map(image.topicIds)), value: count };
}

/** The broker registrations are not persisted: they come from the config at every start. */
export function registerBrokers(image: ClusterImage, brokers: ClusterImage["brokers"]): ClusterImage {
  return { ...image, brokers };
}

/**
 * Applies `step` to each item in turn as ONE change (one snapshot write): failed items leave the image
 * as it was and report their error; the others build on each other.
 */
export function applyEach<S, T>(
  image: ClusterImage,
  items: readonly S[],
  step: (image: ClusterImage, item: S) => ChangeResult<T>,
): ChangeResult<ChangeResult<T>[]> {
  let current = image;
  const results: ChangeResult<T>[] = [];
  for (const item of items) {
    const r = step(current, item);
    if (r.ok) current = r.image;
    results.push(r);
  }
  return { ok: true, image: current, value: results };
}
