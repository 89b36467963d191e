import { produceHandler } from "./00-produce.js";
import { fetchHandler } from "./01-fetch.js";
import { listOffsetsHandler } from "./02-list-offsets.js";
import { metadataHandler } from "./03-metadata.js";
import { offsetCommitHandler } from "./08-offset-commit.js";
import { offsetFetchHandler } from "./09-offset-fetch.js";
import { findCoordinatorHandler } from "./10-find-coordinator.js";
import { joinGroupHandler } from "./11-join-group.js";
import { heartbeatHandler } from "./12-heartbeat.js";
import { leaveGroupHandler } from "./13-leave-group.js";
import { syncGroupHandler } from "./14-sync-group.js";
import { describeGroupsHandler } from "./15-describe-groups.js";
import { listGroupsHandler } from "./16-list-groups.js";
import { deleteGroupsHandler } from "./42-delete-groups.js";
import { offsetDeleteHandler } from "./47-offset-delete.js";
import { apiVersionsHandler } from "./18-api-versions.js";
import { createTopicsHandler } from "./19-create-topics.js";
import { deleteTopicsHandler } from "./20-delete-topics.js";
import { deleteRecordsHandler } from "./21-delete-records.js";
import { initProducerIdHandler } from "./22-init-producer-id.js";
import { offsetForLeaderEpochHandler } from "./23-offset-for-leader-epoch.js";
import { addPartitionsToTxnHandler } from "./24-add-partitions-to-txn.js";
import { addOffsetsToTxnHandler } from "./25-add-offsets-to-txn.js";
import { endTxnHandler } from "./26-end-txn.js";
import { writeTxnMarkersHandler } from "./27-write-txn-markers.js";
import { txnOffsetCommitHandler } from "./28-txn-offset-commit.js";
import { describeAclsHandler } from "./29-describe-acls.js";
import { createAclsHandler } from "./30-create-acls.js";
import { deleteAclsHandler } from "./31-delete-acls.js";
import { describeTransactionsHandler } from "./65-describe-transactions.js";
import { listTransactionsHandler } from "./66-list-transactions.js";
import { describeConfigsHandler } from "./32-describe-configs.js";
import { alterConfigsHandler } from "./33-alter-configs.js";
import { describeLogDirsHandler } from "./35-describe-log-dirs.js";
import { createPartitionsHandler } from "./37-create-partitions.js";
import { electLeadersHandler } from "./43-elect-leaders.js";
import { incrementalAlterConfigsHandler } from "./44-incremental-alter-configs.js";
import { alterPartitionReassignmentsHandler } from "./45-alter-partition-reassignments.js";
import { listPartitionReassignmentsHandler } from "./46-list-partition-reassignments.js";
import { describeClusterHandler } from "./60-describe-cluster.js";
import { consumerGroupHeartbeatHandler } from "./68-consumer-group-heartbeat.js";
import { consumerGroupDescribeHandler } from "./69-consumer-group-describe.js";
import { describeTopicPartitionsHandler } from "./75-describe-topic-partitions.js";
import { saslHandshakeHandler } from "./17-sasl-handshake.js";
import { saslAuthenticateHandler } from "./36-sasl-authenticate.js";
import { describeUserScramCredentialsHandler } from "./50-describe-user-scram-credentials.js";
import { alterUserScramCredentialsHandler } from "./51-alter-user-scram-credentials.js";
import type { AnyHandler } from "./handler.js";

/** Every API this broker serves; ApiVersions advertises exactly these. Add data-path handlers here. */
export const HANDLERS: readonly AnyHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  offsetForLeaderEpochHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  writeTxnMarkersHandler,
  txnOffsetCommitHandler,
  describeAclsHandler,
  createAclsHandler,
  deleteAclsHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  describeClusterHandler,
  describeTopicPartitionsHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
  saslHandshakeHandler,
  saslAuthenticateHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
];
