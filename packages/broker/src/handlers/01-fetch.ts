import {
  ErrorCode,
  type FetchRequest,
  type FetchRequestFetchPartition,
  type FetchResponse,
  type FetchResponseFetchableTopicResponse,
  type FetchResponsePartitionData,
} from "@samsa/protocol";
import type { CompletionReason, FetchPartitionRequest, FetchPartitionSummary } from "@samsa/replication";
import { followerLog, readFromFollower } from "../cluster/follower-read.js";
import { preferredReadReplica, RACK_AWARE_REPLICA_SELECTOR } from "../cluster/read-replica-selector.js";
import { answerAtEnd } from "../fetch/at-end.js";
import { DelayedFetch } from "../fetch/delayed-fetch.js";
import { FetchTrace, fetchTraceEnabled } from "../fetch/fetch-trace.js";
import {
  type FetchParams,
  type FetchTarget,
  type PartitionReadResult,
  readPartitions,
  releaseAll,
} from "../fetch/read-partitions.js";
import { AFTER_WRITE } from "../network/connection.js";
import type { FetchIsolation } from "../replica/partition.js";
import { fetchAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";
const EMPTY = Buffer.alloc(0);
/** How often a long poll served by a follower looks for data its replica fetcher appended. */
const FOLLOWER_POLL_MS = 25;

/** Leader reads that tell the consumer to read from another replica instead (KIP-392), with its id. */
type PreferredReplicas = ReadonlyMap<PartitionReadResult, number>;
const NO_PREFERRED: PreferredReplicas = new Map();
/** Answer fields every partition without them shares (the encoder only reads them). */
const NO_DIVERGENCE = Object.freeze({ epoch: -1, endOffset: -1n });
const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 });
const NO_SNAPSHOT = Object.freeze({ endOffset: -1n, epoch: -1 });
const NOTHING_FORGOTTEN: readonly { topic: string; partition: number }[] = [];
/**
 * Added to an empty long poll's max wait: Node's ms timers fire up to 1 ms early, and clients
 * truncate their deadlines to whole ms (kafka-go takes an empty answer for a timeout only once its
 * own deadline, max wait plus a fraction, has passed), so an expired poll answers 1-2 ms after its
 * max wait, never before it.
 */
const EXPIRY_MARGIN_MS = 2;
/** Node runs a longer timer after 1 ms: a client's max wait of 2^31-1 ms (kafka-go without a deadline) must not wrap. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function params(ctx: RequestContext, req: FetchRequest): FetchParams {
  const version = ctx.apiVersion;
  const replicaId = version >= 15 ? req.replicaState.replicaId : req.replicaId;
  const isolation: FetchIsolation =
    replicaId >= 0 ? "logEnd" : req.isolationLevel === 1 ? "committed" : "highWatermark";
  const maxBytes = Math.min(version >= 3 ? req.maxBytes : 0x7fffffff, ctx.config.int("fetch.max.bytes"));
  return {
    apiVersion: version,
    replicaId,
    isolation,
    maxBytes,
    minBytes: Math.min(req.minBytes, maxBytes),
    maxWaitMs: req.maxWaitMs,
  };
}

/**
 * The request's partitions keyed as sessions key them: by topic name before v13, by topic id from
 * v13. A partition named twice counts once, with its last mention's fields at its first's place
 * (Kafka collects them in a LinkedHashMap).
 */
function requestedPartitions(req: FetchRequest, usesTopicIds: boolean): FetchPartitionRequest[] {
  // One partition (a consumer of one partition, an incremental fetch) needs no de-duplication.
  if (req.topics.length === 1 && req.topics[0].partitions.length === 1) {
    const t = req.topics[0];
    return [partitionRequest(usesTopicIds ? t.topicId : t.topic, t.partitions[0])];
  }
  const out = new Map<string, FetchPartitionRequest>();
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const topic = usesTopicIds ? t.topicId : t.topic;
      out.set(`${p.partition}:${topic}`, partitionRequest(topic, p));
    }
  }
  return [...out.values()];
}

function partitionRequest(topic: string, p: FetchRequestFetchPartition): FetchPartitionRequest {
  return {
    topic,
    partition: p.partition,
    fetchOffset: Number(p.fetchOffset),
    partitionMaxBytes: p.partitionMaxBytes,
    currentLeaderEpoch: p.currentLeaderEpoch,
    lastFetchedEpoch: p.lastFetchedEpoch,
    logStartOffset: Number(p.logStartOffset),
  };
}

function resolve(
  ctx: RequestContext,
  p: FetchPartitionRequest,
  usesTopicIds: boolean,
  fromFollower: boolean,
): FetchTarget {
  const target = resolveTopic(ctx, p, usesTopicIds);
  if (ctx.authorizer === null || target.topicName === undefined) return target;
  return fetchAllowed(ctx, target.topicName, fromFollower)
    ? target
    : { ...target, unresolved: "TOPIC_AUTHORIZATION_FAILED" };
}

function resolveTopic(ctx: RequestContext, p: FetchPartitionRequest, usesTopicIds: boolean): FetchTarget {
  const image = ctx.dataPath.replicas.image;
  if (!usesTopicIds) {
    const t = image.topics.get(p.topic);
    return { request: p, topicName: p.topic, topicId: t?.topicId ?? ZERO_UUID };
  }
  const name = image.topicIds.get(p.topic);
  return name === undefined
    ? { request: p, topicName: undefined, topicId: p.topic, unresolved: "UNKNOWN_TOPIC_ID" }
    : { request: p, topicName: name, topicId: p.topic };
}

interface Answer extends FetchPartitionSummary {
  readonly result: PartitionReadResult;
}

function summarize(r: PartitionReadResult, usesTopicIds: boolean, preferred: PreferredReplicas): Answer {
  return {
    hasPreferredReadReplica: preferred.has(r),
    topic: usesTopicIds ? r.target.topicId : r.target.request.topic,
    partition: r.target.request.partition,
    errorCode: ErrorCode[r.error],
    recordsBytes: r.records.length,
    highWatermark: r.highWatermark,
    logStartOffset: r.logStartOffset,
    hasDivergingEpoch: r.divergingEpoch !== undefined,
    result: r,
  };
}

/** Before v6 clients do not know KAFKA_STORAGE_ERROR; Kafka tells them NOT_LEADER_OR_FOLLOWER so they retry. */
function errorCodeFor(r: PartitionReadResult, version: number): number {
  return version < 6 && r.error === "KAFKA_STORAGE_ERROR" ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode[r.error];
}

function encodePartition(
  r: PartitionReadResult,
  version: number,
  preferred: PreferredReplicas,
): FetchResponsePartitionData {
  return {
    partitionIndex: r.target.request.partition,
    errorCode: errorCodeFor(r, version),
    highWatermark: BigInt(r.highWatermark),
    lastStableOffset: BigInt(r.lastStableOffset),
    logStartOffset: BigInt(r.logStartOffset),
    divergingEpoch:
      r.divergingEpoch === undefined
        ? NO_DIVERGENCE
        : { epoch: r.divergingEpoch.epoch, endOffset: BigInt(r.divergingEpoch.endOffset) },
    currentLeader: NO_LEADER,
    snapshotId: NO_SNAPSHOT,
    abortedTransactions:
      r.abortedTransactions === null
        ? null
        : r.abortedTransactions.map((a) => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset) })),
    preferredReadReplica: preferred.get(r) ?? -1,
    records: r.records,
  };
}

/** Consecutive partitions of one topic share a topic entry, keeping the partitions' order (as Kafka). */
function groupByTopic(
  answers: readonly Answer[],
  version: number,
  preferred: PreferredReplicas,
): FetchResponseFetchableTopicResponse[] {
  const usesTopicIds = version >= 13;
  const topics: FetchResponseFetchableTopicResponse[] = [];
  for (const a of answers) {
    const last = topics[topics.length - 1];
    const name = a.result.target.topicName ?? "";
    const id = a.result.target.topicId;
    if (last !== undefined && (usesTopicIds ? last.topicId === id : last.topic === name)) {
      last.partitions.push(encodePartition(a.result, version, preferred));
    } else {
      topics.push({
        topic: usesTopicIds ? "" : name,
        topicId: usesTopicIds ? id : ZERO_UUID,
        partitions: [encodePartition(a.result, version, preferred)],
      });
    }
  }
  return topics;
}

/**
 * Reads the targets; a consumer's Fetch v11+ (KIP-392) for a partition this broker follows is
 * served from the follower's log, the rest by the leader replicas.
 */
function readAll(ctx: RequestContext, targets: readonly FetchTarget[], p: FetchParams): Promise<PartitionReadResult[]> {
  if (!mayReadFollowers(ctx, p)) return readPartitions(ctx.dataPath.replicas, targets, p);
  return readWithFollowers(ctx, targets, p);
}

/** A consumer's Fetch v11+ in cluster mode may be served from a log this broker follows (KIP-392). */
function mayReadFollowers(ctx: RequestContext, p: FetchParams): boolean {
  return p.replicaId < 0 && p.apiVersion >= 11 && ctx.controllerAdmin !== undefined;
}

async function readWithFollowers(
  ctx: RequestContext,
  targets: readonly FetchTarget[],
  p: FetchParams,
): Promise<PartitionReadResult[]> {
  const { replicas } = ctx.dataPath;
  const image = ctx.metadata.image;
  const logs = targets.map((t) => followerLog(image, ctx.logs, ctx.identity.nodeId, t));
  if (logs.every((l) => l === undefined)) return readPartitions(replicas, targets, p);
  const fromLeader = await readPartitions(
    replicas,
    targets.filter((_, i) => logs[i] === undefined),
    p,
  );
  const out: PartitionReadResult[] = [];
  let next = 0;
  for (let i = 0; i < targets.length; i++) {
    const log = logs[i];
    const t = targets[i];
    out.push(
      log === undefined
        ? fromLeader[next++]
        : await readFromFollower(image, log, t, p, Math.min(t.request.partitionMaxBytes, p.maxBytes)),
    );
  }
  return out;
}

/**
 * Kafka's RackAwareReplicaSelector (replica.selector.class): a consumer with a rack (Fetch v11+
 * rack_id) reading from this leader is pointed at an in-sync replica in its rack; that partition's
 * answer carries no records, only the preferred read replica.
 */
function withPreferredReplicas(
  ctx: RequestContext,
  req: FetchRequest,
  p: FetchParams,
  results: readonly PartitionReadResult[],
): { results: readonly PartitionReadResult[]; preferred: PreferredReplicas } {
  if (!redirectsToReplicas(ctx, req, p)) return { results, preferred: NO_PREFERRED };
  const preferred = new Map<PartitionReadResult, number>();
  const image = ctx.metadata.image;
  const out = results.map((r) => {
    if (r.error !== "NONE" || r.partition === undefined || r.target.topicName === undefined) return r;
    const part = image.topics.get(r.target.topicName)?.partitions[r.target.request.partition];
    if (part === undefined || part.leaderId !== ctx.identity.nodeId) return r;
    const id = preferredReadReplica(part, image.brokers, req.rackId);
    if (id < 0) return r;
    const redirected: PartitionReadResult = {
      ...r,
      records: EMPTY,
      abortedTransactions: r.abortedTransactions === null ? null : [],
    };
    preferred.set(redirected, id);
    return redirected;
  });
  return { results: out, preferred };
}

/** Whether a consumer may be pointed at another replica (KIP-392's rack-aware selector). */
function redirectsToReplicas(ctx: RequestContext, req: FetchRequest, p: FetchParams): boolean {
  return (
    p.apiVersion >= 11 &&
    p.replicaId < 0 &&
    req.rackId !== "" &&
    ctx.config.get("replica.selector.class") === RACK_AWARE_REPLICA_SELECTOR
  );
}

/**
 * Whether every target is read from this broker's leader replicas and answered as read, with no
 * replica redirect: then a Fetch at the fetchable end can be answered from the offsets alone.
 */
function leaderReadsOnly(
  ctx: RequestContext,
  req: FetchRequest,
  p: FetchParams,
  targets: readonly FetchTarget[],
): boolean {
  if (redirectsToReplicas(ctx, req, p)) return false;
  if (!mayReadFollowers(ctx, p)) return true;
  const image = ctx.metadata.image;
  return targets.every((t) => followerLog(image, ctx.logs, ctx.identity.nodeId, t) === undefined);
}

/** A long poll over follower reads (no purgatory there): waits until one has data past its fetch offset. */
async function waitForFollowerData(
  ctx: RequestContext,
  results: readonly PartitionReadResult[],
  p: FetchParams,
): Promise<void> {
  const deadline = Date.now() + p.maxWaitMs;
  const image = ctx.metadata.image;
  const logs = results.map((r) => followerLog(image, ctx.logs, ctx.identity.nodeId, r.target));
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(FOLLOWER_POLL_MS, Math.max(1, deadline - Date.now()))));
    const ready = results.some((r, i) => {
      const offset = r.target.request.fetchOffset;
      const log = logs[i];
      if (log !== undefined) return log.highWatermark > offset;
      return r.partition !== undefined && r.partition.fetchableEnd(p.isolation) > offset;
    });
    if (ready) return;
  }
}

/** Unknown topics are refused before the read, as KafkaApis does: they neither end a long poll nor wait. */
function isRefused(r: PartitionReadResult): boolean {
  return (
    r.error === "UNKNOWN_TOPIC_ID" ||
    r.error === "UNKNOWN_TOPIC_OR_PARTITION" ||
    r.error === "TOPIC_AUTHORIZATION_FAILED"
  );
}

/** Parks a long poll on its partitions in the fetch purgatory until min_bytes are readable or max wait passes. */
function park(ctx: RequestContext, results: readonly PartitionReadResult[], p: FetchParams): Promise<CompletionReason> {
  const { replicas } = ctx.dataPath;
  return new Promise((done) => {
    const watches = results.map((r) => ({
      partition: r.partition!,
      fetchOffset: r.target.request.fetchOffset,
      maxBytes: r.target.request.partitionMaxBytes,
      currentLeaderEpoch: r.target.request.currentLeaderEpoch,
    }));
    const op = new DelayedFetch(watches, p.minBytes, p.isolation, (x) => replicas.isCurrent(x), done);
    replicas.fetchPurgatory.watch(
      op,
      watches.map((w) => w.partition.key),
      Math.min(p.maxWaitMs + EXPIRY_MARGIN_MS, MAX_TIMER_MS),
    );
  });
}

/**
 * Fetch v0-v17: incremental fetch sessions (KIP-227), long poll (max_wait_ms / min_bytes through the
 * fetch purgatory), isolation levels, KIP-74 byte limits, topic ids from v13, epoch checks and
 * divergence (v12+), down-conversion to message format v0/v1 for v0-v3. Records are the segment
 * bytes as read, passed to the encoder without copying.
 */
export const fetchHandler = defineHandler({
  apiKey: 1,
  minVersion: 0,
  maxVersion: 17,
  async handle(ctx, req): Promise<FetchResponse> {
    const { replicas, fetchSessions } = ctx.dataPath;
    const version = ctx.apiVersion;
    const usesTopicIds = version >= 13;
    const p = params(ctx, req);
    const forgotten =
      req.forgottenTopicsData.length === 0
        ? NOTHING_FORGOTTEN
        : req.forgottenTopicsData.flatMap((t) =>
            t.partitions.map((partition) => ({ topic: usesTopicIds ? t.topicId : t.topic, partition })),
          );
    const context = fetchSessions.newContext(
      {
        sessionId: version >= 7 ? req.sessionId : 0,
        sessionEpoch: version >= 7 ? req.sessionEpoch : -1,
        usesTopicIds,
        fromFollower: p.replicaId >= 0,
        partitions: requestedPartitions(req, usesTopicIds),
        forgotten: version >= 7 ? forgotten : [],
      },
      replicas.clock.monotonicMs(),
    );
    if (context.kind === "error") {
      return { throttleTimeMs: 0, errorCode: ErrorCode[context.error], sessionId: 0, responses: [], nodeEndpoints: [] };
    }
    const trace = fetchTraceEnabled && p.replicaId < 0 ? new FetchTrace() : undefined;
    const targets = context.partitions.map((part) => resolve(ctx, part, usesTopicIds, p.replicaId >= 0));
    const skipsReads = leaderReadsOnly(ctx, req, p, targets);
    const atEnd = skipsReads ? await answerAtEnd(replicas, targets, p) : undefined;
    let { results, preferred } =
      atEnd !== undefined
        ? { results: atEnd as readonly PartitionReadResult[], preferred: NO_PREFERRED }
        : withPreferredReplicas(ctx, req, p, await readAll(ctx, targets, p));
    trace?.readsDone();
    const interesting = results.some(isRefused) ? results.filter((r) => !isRefused(r)) : results;
    let bytes = 0;
    for (const r of interesting) bytes += r.records.length;
    const respondNow =
      p.maxWaitMs <= 0 ||
      interesting.length === 0 ||
      bytes >= p.minBytes ||
      preferred.size > 0 ||
      interesting.some((r) => r.error !== "NONE" || r.divergingEpoch !== undefined);
    // A long poll reads again when it wakes: nothing will send the first read's bytes.
    if (!respondNow) releaseAll(results);
    if (!respondNow && interesting.some((r) => r.partition === undefined)) {
      await waitForFollowerData(ctx, interesting, p);
      ({ results, preferred } = withPreferredReplicas(ctx, req, p, await readAll(ctx, targets, p)));
    } else if (!respondNow) {
      const reason = await park(ctx, interesting, p);
      // Woken by data (or a change) it reads; at the deadline, usually still at the end, it need not.
      const still = skipsReads && reason !== "satisfied" ? await answerAtEnd(replicas, targets, p) : undefined;
      ({ results, preferred } =
        still !== undefined
          ? { results: still, preferred: NO_PREFERRED }
          : withPreferredReplicas(ctx, req, p, await readAll(ctx, targets, p)));
    }
    // Kafka lists the partitions it read before those it refused outright.
    const ordered = results.some(isRefused)
      ? [...results.filter((r) => !isRefused(r)), ...results.filter(isRefused)]
      : results;
    const answers = ordered.map((r) => summarize(r, usesTopicIds, preferred));
    const completion = context.complete(answers, replicas.clock.monotonicMs());
    const response: FetchResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: completion.sessionId,
      responses: groupByTopic(completion.partitions, version, preferred),
      nodeEndpoints: [],
    };
    // The response references the read buffers until the socket has written it.
    const written = results;
    trace?.returned();
    return Object.assign(response, {
      [AFTER_WRITE]: () => {
        trace?.written(written.map((r) => r.records.length));
        releaseAll(written);
      },
    });
  },
});
