import { AclOperation } from "@samsa/metadata";
import { txnErrorCode } from "../txn/txn-errors.js";
import { transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/**
 * EndTxn v0-v4: answers once PrepareCommit/PrepareAbort is in `__transaction_state`; the markers
 * are written afterwards, and meanwhile the transactional id answers CONCURRENT_TRANSACTIONS.
 * (v5, KIP-890's epoch bump per transaction, is not offered.)
 */
export const endTxnHandler = defineHandler({
  apiKey: 26,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const ref = {
      transactionalId: req.transactionalId,
      producerId: Number(req.producerId),
      producerEpoch: req.producerEpoch,
    };
    const notServing = transactionalIdAllowed(ctx, req.transactionalId, AclOperation.WRITE)
      ? ctx.transactions.coordinatorError(req.transactionalId)
      : "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";
    const r =
      notServing !== "NONE"
        ? { error: notServing }
        : await ctx.transactions.run((nowMs) => ctx.transactions.coordinator.endTxn(ref, req.committed, nowMs));
    return {
      throttleTimeMs: 0,
      errorCode: txnErrorCode(r.error, ctx.apiVersion, 2),
      producerId: -1n,
      producerEpoch: -1,
    };
  },
});
