import { AclOperation } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** DescribeTransactions: state, producer and partitions of each transactional id. */
export const describeTransactionsHandler = defineHandler({
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((transactionalId) => {
        const empty = {
          transactionalId,
          transactionState: "",
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1n,
          producerId: -1n,
          producerEpoch: -1,
          topics: [],
        };
        if (!transactionalIdAllowed(ctx, transactionalId, AclOperation.DESCRIBE))
          return { ...empty, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
        const notServing = ctx.transactions.coordinatorError(transactionalId);
        if (notServing !== "NONE") return { ...empty, errorCode: ErrorCode[notServing] };
        const d = ctx.transactions.coordinator.describe(transactionalId);
        if (d === undefined) return { ...empty, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
        const byTopic = new Map<string, number[]>();
        for (const p of d.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
        return {
          errorCode: ErrorCode.NONE,
          transactionalId,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: BigInt(d.startMs),
          producerId: BigInt(d.producerId),
          producerEpoch: d.producerEpoch,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        };
      }),
    };
  },
});
