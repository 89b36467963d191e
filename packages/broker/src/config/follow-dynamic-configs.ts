import type { ClusterImage, MetadataStore } from "@samsa/metadata";
import type { Logger } from "../logger.js";
import type { PartitionLogs } from "../partition-logs.js";
import type { BrokerConfig } from "./broker-config.js";
import { applyDynamicBrokerConfigs } from "./dynamic-broker-config.js";

/**
 * Applies the image's dynamic broker configs to this broker; when they changed, every topic's log
 * config is computed again, so dynamic defaults (log.retention.ms, ...) reach topics without an override.
 */
export async function refreshDynamicConfigs(
  config: BrokerConfig,
  image: ClusterImage,
  logs: PartitionLogs,
  log: Logger,
): Promise<void> {
  if (!applyDynamicBrokerConfigs(config, image)) return;
  for (const t of image.topics.values()) await logs.updateConfigs(t.name, t.configs);
  log.info("dynamic broker configs applied");
}

interface ObservableStore {
  onChange(listener: () => void): () => void;
}

function observable(store: MetadataStore): store is MetadataStore & ObservableStore {
  return typeof (store as Partial<ObservableStore>).onChange === "function";
}

/**
 * Follows dynamic broker config changes other brokers write (cluster mode: the etcd store reports
 * changes); the local store only changes through this broker's own requests, which refresh directly.
 * Returns the unsubscribe function.
 */
export function followDynamicConfigs(
  config: BrokerConfig,
  metadata: MetadataStore,
  logs: PartitionLogs,
  log: Logger,
): () => void {
  if (!observable(metadata)) return () => undefined;
  let seen: ClusterImage["brokerConfigs"] | null = null;
  const check = (): void => {
    const image = metadata.image;
    if (image.brokerConfigs === seen) return;
    seen = image.brokerConfigs;
    refreshDynamicConfigs(config, image, logs, log).catch((e: unknown) =>
      log.error({ err: (e as Error).message }, "applying dynamic broker configs failed"),
    );
  };
  const unsubscribe = metadata.onChange(check);
  // Changes that landed before the subscription (while the logs opened) are applied now.
  check();
  return unsubscribe;
}
