import { AclOperation } from "@samsa/metadata";
import { type TxnState, txnStateFromName } from "@samsa/coordinator";
import { ErrorCode } from "@samsa/protocol";
import { transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/** ListTransactions: the transactional ids this coordinator serves, filtered by state, producer and age (v1). */
export const listTransactionsHandler = defineHandler({
  apiKey: 66,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const states: TxnState[] = [];
    const unknownStateFilters: string[] = [];
    for (const name of req.stateFilters) {
      const s = txnStateFromName(name);
      if (s === undefined) unknownStateFilters.push(name);
      else states.push(s);
    }
    // Only unknown states asked for: nothing can match.
    const none = req.stateFilters.length > 0 && states.length === 0;
    const listed = none
      ? []
      : ctx.transactions.coordinator.list(
          {
            states,
            producerIds: req.producerIdFilters.map(Number),
            minDurationMs: ctx.apiVersion >= 1 ? Number(req.durationFilter) : -1,
          },
          ctx.clock.nowMs(),
        );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters,
      // Only the transactional ids the caller may describe are listed.
      transactionStates: listed
        .filter((t) => transactionalIdAllowed(ctx, t.transactionalId, AclOperation.DESCRIBE))
        .map((t) => ({
          transactionalId: t.transactionalId,
          producerId: BigInt(t.producerId),
          transactionState: t.state,
        })),
    };
  },
});
