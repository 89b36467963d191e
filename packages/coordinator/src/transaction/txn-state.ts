/**
 * A transactional id's state, with the byte values Kafka writes in `__transaction_state`
 * (TransactionLogValue.transactionStatus) and the names DescribeTransactions/ListTransactions use.
 */
export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

const NAMES: readonly string[] = [
  "Empty",
  "Ongoing",
  "PrepareCommit",
  "PrepareAbort",
  "CompleteCommit",
  "CompleteAbort",
  "Dead",
  "PrepareEpochFence",
];

export function txnStateName(state: TxnState): string {
  return NAMES[state];
}

/** The state for a name given in ListTransactions' filter, or undefined for names Kafka doesn't know. */
export function txnStateFromName(name: string): TxnState | undefined {
  const i = NAMES.indexOf(name);
  return i < 0 ? undefined : (i as TxnState);
}

export function isTxnState(value: number): value is TxnState {
  return Number.isInteger(value) && value >= 0 && value < NAMES.length;
}

/** States from which a transactional id may move to `next` (Kafka's TransactionState.validPreviousStates). */
const VALID_PREVIOUS: Record<TxnState, readonly TxnState[]> = {
  [TxnState.Empty]: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.Ongoing]: [TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.PrepareCommit]: [TxnState.Ongoing],
  [TxnState.PrepareAbort]: [TxnState.Ongoing, TxnState.PrepareEpochFence],
  [TxnState.CompleteCommit]: [TxnState.PrepareCommit],
  [TxnState.CompleteAbort]: [TxnState.PrepareAbort],
  [TxnState.Dead]: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.PrepareEpochFence]: [TxnState.Ongoing],
};

export function isValidTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS[to].includes(from);
}
