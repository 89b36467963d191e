import { metadataHandler } from "./03-metadata.js";
import { apiVersionsHandler } from "./18-api-versions.js";
import { createTopicsHandler } from "./19-create-topics.js";
import { deleteTopicsHandler } from "./20-delete-topics.js";
import { describeConfigsHandler } from "./32-describe-configs.js";
import { alterConfigsHandler } from "./33-alter-configs.js";
import { describeLogDirsHandler } from "./35-describe-log-dirs.js";
import { createPartitionsHandler } from "./37-create-partitions.js";
import { incrementalAlterConfigsHandler } from "./44-incremental-alter-configs.js";
import { describeClusterHandler } from "./60-describe-cluster.js";
import { describeTopicPartitionsHandler } from "./75-describe-topic-partitions.js";
import type { AnyHandler } from "./handler.js";

/** Every API this broker serves; ApiVersions advertises exactly these. Add data-path handlers here. */
export const HANDLERS: readonly AnyHandler[] = [
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  describeTopicPartitionsHandler,
];
