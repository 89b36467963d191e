import { AclOperation } from "@samsa/metadata";
import { type ErrorName, ErrorCode } from "@samsa/protocol";
import { idempotentWriteAllowed, transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

/**
 * InitProducerId v0-v5. Without a transactional id (idempotent producers) it always hands out a
 * fresh producer id with epoch 0, as Kafka's coordinator does. With one, the transaction
 * coordinator bumps the id's epoch (fencing older producers) or aborts its open transaction first.
 */
export const initProducerIdHandler = defineHandler({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const answer = (error: ErrorName, producerId = NO_PRODUCER_ID, producerEpoch = NO_PRODUCER_EPOCH) => ({
      throttleTimeMs: 0,
      errorCode: ErrorCode[error],
      producerId,
      producerEpoch,
    });
    const givenId = req.producerId !== NO_PRODUCER_ID;
    const givenEpoch = req.producerEpoch !== NO_PRODUCER_EPOCH;
    if (givenId !== givenEpoch) return answer("INVALID_REQUEST");
    if (
      req.transactionalId === null
        ? !idempotentWriteAllowed(ctx)
        : !transactionalIdAllowed(ctx, req.transactionalId, AclOperation.WRITE)
    ) {
      return answer(
        req.transactionalId === null ? "CLUSTER_AUTHORIZATION_FAILED" : "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
      );
    }
    if (req.transactionalId !== null) {
      if (req.transactionalId === "") return answer("INVALID_REQUEST");
      const maxTimeoutMs = ctx.config.int("transaction.max.timeout.ms");
      if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > maxTimeoutMs) {
        return answer("INVALID_TRANSACTION_TIMEOUT");
      }
      const notServing = ctx.transactions.coordinatorError(req.transactionalId);
      if (notServing !== "NONE") return answer(notServing);
      let fresh: number;
      try {
        fresh = await ctx.dataPath.producerIds.allocate();
      } catch (e) {
        ctx.log.error({ err: e }, "producer id allocation failed");
        return answer("UNKNOWN_SERVER_ERROR");
      }
      const input = {
        transactionalId: req.transactionalId,
        timeoutMs: req.transactionTimeoutMs,
        producerId: Number(req.producerId),
        producerEpoch: req.producerEpoch,
      };
      const r = await ctx.transactions.run(
        (nowMs) => ctx.transactions.coordinator.initProducerId(input, fresh, nowMs),
        req.transactionalId,
      );
      // PRODUCER_FENCED is known to clients from v4.
      const error = r.error === "PRODUCER_FENCED" && ctx.apiVersion < 4 ? "INVALID_PRODUCER_EPOCH" : r.error;
      return error === "NONE" ? answer("NONE", BigInt(r.producerId), r.producerEpoch) : answer(error);
    }
    try {
      const id = await ctx.dataPath.producerIds.allocate();
      return answer("NONE", BigInt(id), 0);
    } catch (e) {
      ctx.log.error({ err: e }, "producer id allocation failed");
      return answer("UNKNOWN_SERVER_ERROR");
    }
  },
});
