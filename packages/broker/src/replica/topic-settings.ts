import type { BrokerConfig } from "../config/broker-config.js";
import { FLUSH_MESSAGES_NEVER } from "../config/log-config.js";
import { effectiveTopicConfig } from "../config/topic-config.js";

/** The topic configs the data path consults on every produce, typed once per config change. */
export interface TopicSettings {
  readonly compact: boolean;
  readonly delete: boolean;
  readonly logAppendTime: boolean;
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
  readonly maxMessageBytes: number;
  readonly minInsyncReplicas: number;
  /** flush.messages; Infinity when left at Long.MAX_VALUE (no forced flush). */
  readonly flushMessages: number;
  /** compression.type: "producer" keeps the producer's codec, anything else is what the log holds. */
  readonly compressionType: "producer" | "uncompressed" | "gzip" | "snappy" | "lz4" | "zstd";
}

export function topicSettings(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): TopicSettings {
  const c = effectiveTopicConfig(broker, overrides);
  const policy = c.get("cleanup.policy").split(",");
  const flushMessages = c.long("flush.messages");
  return {
    compact: policy.includes("compact"),
    delete: policy.includes("delete"),
    logAppendTime: c.get("message.timestamp.type") === "LogAppendTime",
    timestampBeforeMaxMs: c.long("message.timestamp.before.max.ms"),
    timestampAfterMaxMs: c.long("message.timestamp.after.max.ms"),
    maxMessageBytes: c.long("max.message.bytes"),
    minInsyncReplicas: c.long("min.insync.replicas"),
    flushMessages: flushMessages >= FLUSH_MESSAGES_NEVER ? Number.POSITIVE_INFINITY : flushMessages,
    compressionType: c.get("compression.type") as TopicSettings["compressionType"],
  };
}

/**
 * Caches settings per topic. Metadata images are immutable, so a changed overrides object means
 * changed configs, and a changed dynamic generation changed broker defaults; the cache is bounded by
 * the number of topics it is asked about.
 */
export class TopicSettingsCache {
  readonly #entries = new Map<
    string,
    { overrides: Readonly<Record<string, string>>; generation: number; settings: TopicSettings }
  >();

  constructor(
    private readonly broker: BrokerConfig,
    private readonly maxEntries = 100_000,
  ) {}

  get(topic: string, overrides: Readonly<Record<string, string>>): TopicSettings {
    const hit = this.#entries.get(topic);
    const generation = this.broker.dynamicGeneration;
    if (hit !== undefined && hit.overrides === overrides && hit.generation === generation) return hit.settings;
    const settings = topicSettings(this.broker, overrides);
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(topic, { overrides, generation, settings });
    return settings;
  }
}
