import { AclOperation } from "@samsa/metadata";
import type { TopicPartition } from "@samsa/coordinator";
import {
  type AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
  ErrorCode,
  type ErrorName,
} from "@samsa/protocol";
import { txnErrorCode } from "../txn/txn-errors.js";
import { clusterAllowed, topicAllowed, transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

/** PRODUCER_FENCED is known to clients from v2. */
const FENCED_SINCE = 2;

interface Txn {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly verifyOnly: boolean;
  readonly topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

function results(
  topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[],
  codeOf: (topic: string, partition: number, i: number) => number,
): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  let i = 0;
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p, i++) })),
  }));
}

async function addOne(
  ctx: RequestContext,
  txn: Txn,
): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> {
  const version = ctx.apiVersion;
  const all = (error: ErrorName) => results(txn.topics, () => txnErrorCode(error, version, FENCED_SINCE));
  // v4+ comes from brokers (checked for CLUSTER_ACTION); clients' v0-v3 need WRITE on the id.
  if (version < 4 && !transactionalIdAllowed(ctx, txn.transactionalId, AclOperation.WRITE))
    return all("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
  // Topics the producer may not write fail alone; the others are not attempted, as Kafka answers.
  const writable = (topic: string) => topicAllowed(ctx, topic, AclOperation.WRITE);
  if (txn.topics.some((t) => !writable(t.name))) {
    return results(txn.topics, (topic) =>
      writable(topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
  }
  const notServing = ctx.transactions.coordinatorError(txn.transactionalId);
  if (notServing !== "NONE") return all(notServing);
  // Unknown partitions fail alone; the others are not attempted, as Kafka answers.
  const image = ctx.metadata.image;
  const unknown = (topic: string, p: number) => {
    const t = image.topics.get(topic);
    return t === undefined || p < 0 || p >= t.partitions.length;
  };
  if (txn.topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
    return results(txn.topics, (topic, p) =>
      unknown(topic, p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
    );
  }
  const partitions: TopicPartition[] = txn.topics.flatMap((t) =>
    t.partitions.map((partition) => ({ topic: t.name, partition })),
  );
  const ref = {
    transactionalId: txn.transactionalId,
    producerId: Number(txn.producerId),
    producerEpoch: txn.producerEpoch,
  };
  if (txn.verifyOnly) {
    const errors = ctx.transactions.coordinator.verifyPartitions(ref, partitions);
    return results(txn.topics, (_t, _p, i) => txnErrorCode(errors[i], version, FENCED_SINCE));
  }
  const r = await ctx.transactions.run(
    (nowMs) => ctx.transactions.coordinator.addPartitions(ref, partitions, nowMs),
    txn.transactionalId,
  );
  return all(r.error);
}

/**
 * AddPartitionsToTxn: v0-v3 from producers (one transaction), v4+ batched from brokers, with
 * verify_only to check partitions are already in the transaction.
 */
export const addPartitionsToTxnHandler = defineHandler({
  apiKey: 24,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (ctx.apiVersion < 4) {
      const topics = await addOne(ctx, {
        transactionalId: req.v3AndBelowTransactionalId,
        producerId: req.v3AndBelowProducerId,
        producerEpoch: req.v3AndBelowProducerEpoch,
        verifyOnly: false,
        topics: req.v3AndBelowTopics,
      });
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: topics };
    }
    if (!clusterAllowed(ctx, AclOperation.CLUSTER_ACTION)) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return { throttleTimeMs: 0, errorCode, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    const resultsByTransaction = await Promise.all(
      req.transactions.map(async (t) => ({ transactionalId: t.transactionalId, topicResults: await addOne(ctx, t) })),
    );
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },
});
