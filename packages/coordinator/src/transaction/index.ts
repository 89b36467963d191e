export {
  type AppendOutcome,
  DEFAULT_TRANSACTION_COORDINATOR_CONFIG,
  type DescribedTransaction,
  type InitProducerIdInput,
  type ListTransactionsFilter,
  type MarkerJob,
  type ProducerRef,
  TransactionCoordinator,
  type TransactionCoordinatorConfig,
  type TxnStep,
} from "./transaction-coordinator.js";
export type { TopicPartition, TxnAppend, TxnAppendPurpose } from "./txn-metadata.js";
export { decodeTxnLogRecord, encodeTxnLogRecord, type TxnLogRecord, type TxnLogValue } from "./txn-records.js";
export { TxnState, txnStateFromName, txnStateName } from "./txn-state.js";
