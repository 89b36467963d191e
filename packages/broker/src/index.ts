export { Broker, type BrokerOptions } from "./broker.js";
export { parseCommandLine, type StartCommand, USAGE } from "./cli.js";
export {
  BROKER_CONFIG_BY_NAME,
  BrokerConfig,
  type BrokerConfigEntry,
  type BrokerConfigSource,
} from "./config/broker-config.js";
export { BROKER_CONFIG_DEFS } from "./config/broker-defs.js";
export { type ConfigDef, ConfigType, type ConfigTypeName, longValue, normalizeValue } from "./config/config-def.js";
export { ConfigError } from "./config/config-error.js";
export { formatListener, type Listener, parseListeners } from "./config/listeners.js";
export { logConfigFor } from "./config/log-config.js";
export { parseAssignment, parseProperties } from "./config/properties.js";
export {
  type ConfigSynonym,
  describeTopicConfig,
  describeTopicConfigs,
  type EffectiveTopicConfig,
  effectiveTopicConfig,
  normalizeTopicConfig,
  type TopicConfigEntry,
  type TopicConfigSource,
  validateTopicConfig,
} from "./config/topic-config.js";
export { TOPIC_CONFIG_BY_NAME, TOPIC_CONFIG_DEFS, type TopicConfigDef } from "./config/topic-defs.js";
export {
  type AnyHandler,
  type ApiVersionRange,
  type BrokerIdentity,
  type BrokerServices,
  defineHandler,
  type Endpoint,
  type HandledApiKey,
  type Handler,
  type RequestContext,
} from "./handlers/handler.js";
export { HANDLERS } from "./handlers/index.js";
export { createLogger, type Logger, silentLogger } from "./logger.js";
export { ensureMetaProperties, type MetaProperties, MetaPropertiesError } from "./meta-properties.js";
export {
  ANONYMOUS_PRINCIPAL,
  type ConnectionInfo,
  type ConnectionLimits,
  type Dispatcher,
} from "./network/connection.js";
export { NetworkServer } from "./network/server.js";
export { InMemoryPartitionLogs, type PartitionLogs } from "./partition-logs.js";
export { advertisedVersions, createRouter } from "./router.js";
