import { type ErrorName, ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

/**
 * InitProducerId v0-v5. Without a transactional id (idempotent producers) it always hands out a
 * fresh producer id with epoch 0, as Kafka's coordinator does. A transactional id needs the
 * transaction coordinator, which this broker does not run yet: after Kafka's request checks it
 * answers COORDINATOR_NOT_AVAILABLE.
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
    if (req.transactionalId !== null) {
      if (req.transactionalId === "") return answer("INVALID_REQUEST");
      const maxTimeoutMs = ctx.config.int("transaction.max.timeout.ms");
      if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > maxTimeoutMs) {
        return answer("INVALID_TRANSACTION_TIMEOUT");
      }
      return answer("COORDINATOR_NOT_AVAILABLE");
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
