import { SamsaError } from "@samsa/common";
import { AclOperation } from "@samsa/metadata";
import {
  ErrorCode,
  type ErrorName,
  isTransactional,
  magicAt,
  type ProduceRequest,
  type ProduceRequestPartitionProduceData,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from "@samsa/protocol";
import {
  type AppendRequest,
  appendPartition,
  failed,
  type PartitionProduceResult,
} from "../produce/append-partition.js";
import { DelayedProduce, type PendingAck } from "../produce/delayed-produce.js";
import { topicAllowed, transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

/** acks=0 gets no response; on an error Kafka closes the connection so the producer notices. */
export class AcksZeroFailure extends SamsaError {
  constructor(errors: string) {
    super("ACKS_ZERO_PRODUCE_FAILED", `acks=0 produce failed (${errors}); closing the connection`);
  }
}

/**
 * Kafka collects a produce's partitions in a map: a partition named twice is appended once, with
 * the records of its last mention, and a topic named twice is answered as one.
 */
function uniquePartitions(req: ProduceRequest): ProduceRequest {
  // The common request, one topic and one partition, has nothing to merge.
  if (req.topicData.length === 1 && req.topicData[0].partitionData.length <= 1) return req;
  const topics = new Map<string, Map<number, ProduceRequestPartitionProduceData>>();
  let repeated = false;
  for (const t of req.topicData) {
    let partitions = topics.get(t.name);
    if (partitions === undefined) {
      partitions = new Map();
      topics.set(t.name, partitions);
    } else {
      repeated = true;
    }
    for (const p of t.partitionData) {
      if (partitions.has(p.index)) repeated = true;
      partitions.set(p.index, p);
    }
  }
  if (!repeated) return req;
  return {
    ...req,
    topicData: [...topics].map(([name, partitions]) => ({ name, partitionData: [...partitions.values()] })),
  };
}

/** Whether any partition's first batch is transactional (Kafka's hasTransactionalRecords). */
function hasTransactionalRecords(req: ProduceRequest): boolean {
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      const r = p.records;
      if (r === null || !Buffer.isBuffer(r) || r.length < 23) continue;
      if (magicAt(r, 0) === 2 && isTransactional(r.readInt16BE(21))) return true;
    }
  }
  return false;
}

/**
 * KIP-890 part 1 where the transaction coordinator is local (a single node, or a cluster broker
 * that coordinates the id): a transactional batch is checked against it directly. Fenced producers
 * get INVALID_PRODUCER_EPOCH; a coordinator still loading NOT_ENOUGH_REPLICAS (retriable), as
 * Kafka maps them.
 */
function verifyTransaction(
  ctx: RequestContext,
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
  topic: string,
  partition: number,
): ErrorName {
  const notServing = ctx.transactions.coordinatorError(transactionalId);
  // With no coordinator state at all no transaction can have added the partition.
  if (notServing === "COORDINATOR_NOT_AVAILABLE") return "INVALID_TXN_STATE";
  // Cluster mode, the coordinator is another broker: Kafka's leader would ask it (AddPartitionsToTxn
  // verifyOnly), which Samsa does not yet; it appends unverified, as Kafka before 3.6 did, rather
  // than refuse every such batch NOT_ENOUGH_REPLICAS (librdkafka 0103 saw no delivery).
  if (notServing === "NOT_COORDINATOR") return "NONE";
  if (notServing !== "NONE") return "NOT_ENOUGH_REPLICAS";
  const [error] = ctx.transactions.coordinator.verifyPartitions({ transactionalId, producerId, producerEpoch }, [
    { topic, partition },
  ]);
  if (error === "NONE") return "NONE";
  return error === "PRODUCER_FENCED" ? "INVALID_PRODUCER_EPOCH" : "INVALID_TXN_STATE";
}

/** Before v4 clients do not know KAFKA_STORAGE_ERROR; Kafka tells them NOT_LEADER_OR_FOLLOWER so they retry. */
function encodePartition(r: PartitionProduceResult, version: number): ProduceResponsePartitionProduceResponse {
  return {
    index: r.index,
    errorCode: version < 4 && r.error === "KAFKA_STORAGE_ERROR" ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode[r.error],
    baseOffset: BigInt(r.baseOffset),
    logAppendTimeMs: BigInt(r.logAppendTimeMs),
    logStartOffset: BigInt(r.logStartOffset),
    recordErrors: r.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
    errorMessage: r.errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

function respond(
  req: ProduceRequest,
  version: number,
  results: readonly (readonly PartitionProduceResult[])[],
): ProduceResponse {
  return {
    responses: req.topicData.map((t, i) => ({
      name: t.name,
      partitionResponses: results[i].map((r) => encodePartition(r, version)),
    })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}

/**
 * Produce v0-v11: validates and appends each partition's records as leader, then answers per acks:
 * 0 nothing (closing the connection on any error), 1 after the append, -1 once the high
 * watermark covers every appended partition (on a single node: after the fsync) or at timeout_ms.
 * A one-partition request whose append needs no await is answered in the turn it arrived in.
 */
export const produceHandler = defineHandler({
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  handle(ctx, request) {
    const req = uniquePartitions(request);
    if (hasTransactionalRecords(req) && req.transactionalId === null) {
      return everyPartition(req, ctx.apiVersion, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    }
    if (req.transactionalId !== null && !transactionalIdAllowed(ctx, req.transactionalId, AclOperation.WRITE)) {
      return everyPartition(req, ctx.apiVersion, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    }
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      return everyPartition(req, ctx.apiVersion, "INVALID_REQUIRED_ACKS");
    }
    // The common request names one partition: no Promise.all, and no promise at all if its append needs none.
    const only = req.topicData.length === 1 && req.topicData[0].partitionData.length === 1 ? req.topicData[0] : null;
    if (only !== null) {
      const writable = topicAllowed(ctx, only.name, AclOperation.WRITE);
      const result = appendOne(ctx, req, only, only.partitionData[0], writable);
      if (result instanceof Promise) return result.then((r) => answer(ctx, req, [[r]]));
      return answer(ctx, req, [[result]]);
    }
    return Promise.all(
      req.topicData.map((t) => {
        const writable = topicAllowed(ctx, t.name, AclOperation.WRITE);
        return Promise.all(t.partitionData.map((p) => appendOne(ctx, req, t, p, writable)));
      }),
    ).then((results) => answer(ctx, req, results));
  },
});

function everyPartition(
  req: ProduceRequest,
  version: number,
  error: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED" | "INVALID_REQUIRED_ACKS",
): ProduceResponse {
  return respond(
    req,
    version,
    req.topicData.map((t) => t.partitionData.map((p) => failed(p.index, error))),
  );
}

function appendOne(
  ctx: RequestContext,
  req: ProduceRequest,
  t: ProduceRequest["topicData"][number],
  p: ProduceRequestPartitionProduceData,
  writable: boolean,
): PartitionProduceResult | Promise<PartitionProduceResult> {
  if (!writable) return failed(p.index, "TOPIC_AUTHORIZATION_FAILED");
  const { transactionalId } = req;
  const append: AppendRequest = {
    topic: t.name,
    index: p.index,
    records: p.records,
    apiVersion: ctx.apiVersion,
    acks: req.acks,
    transactionalId,
    // Without a transactional id a transactional batch is refused (the default), so no closure is needed.
    verifyTransaction:
      transactionalId === null
        ? undefined
        : (producerId, producerEpoch) =>
            verifyTransaction(ctx, transactionalId, producerId, producerEpoch, t.name, p.index),
  };
  return appendPartition(ctx.dataPath.replicas, append);
}

/** The answer once every partition is appended (or refused), per acks. */
function answer(
  ctx: RequestContext,
  req: ProduceRequest,
  results: readonly (readonly PartitionProduceResult[])[],
): ProduceResponse | null | Promise<ProduceResponse> {
  if (req.acks === 0) {
    const errors = results.flat().filter((r) => r.error !== "NONE");
    if (errors.length > 0) throw new AcksZeroFailure(errors.map((e) => e.error).join(", "));
    return null;
  }
  if (req.acks === 1) return respond(req, ctx.apiVersion, results);
  return whenAcked(ctx, req, results);
}

/** acks=-1: waits until the high watermark covers every appended partition, or timeout_ms. */
async function whenAcked(
  ctx: RequestContext,
  req: ProduceRequest,
  results: readonly (readonly PartitionProduceResult[])[],
): Promise<ProduceResponse> {
  const { replicas } = ctx.dataPath;
  const pendingByResult = new Map<PartitionProduceResult, PendingAck>();
  for (const r of results.flat()) {
    // Fields listed, not spread: adding one to a spread object costs V8 ~0.4 us.
    if (r.ack !== undefined)
      pendingByResult.set(r, { partition: r.ack.partition, requiredOffset: r.ack.requiredOffset, acked: false });
  }
  const pending = [...pendingByResult.values()];
  if (pending.length === 0) return respond(req, ctx.apiVersion, results);
  await new Promise<void>((resolve) => {
    const op = new DelayedProduce(pending, () => resolve());
    replicas.producePurgatory.watch(
      op,
      pending.map((p) => p.partition.key),
      req.timeoutMs,
    );
  });
  const final = results.map((topic) =>
    topic.map((r): PartitionProduceResult => {
      const ack = pendingByResult.get(r);
      if (ack?.error !== undefined) return { ...r, error: ack.error };
      return ack === undefined || ack.acked ? r : { ...r, error: "REQUEST_TIMED_OUT" };
    }),
  );
  return respond(req, ctx.apiVersion, final);
}
