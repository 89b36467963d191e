import { ConfigType, type ConfigTypeName } from "../config/config-def.js";

/** DescribeConfigs' config_source codes (Kafka's ConfigSource ids). */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

export function configTypeCode(type: ConfigTypeName): number {
  return ConfigType[type];
}

/** ConfigResource types (DescribeConfigs, AlterConfigs). */
export const ResourceType = {
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
} as const;
