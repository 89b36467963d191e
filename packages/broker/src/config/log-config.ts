import type { LogConfig } from "@samsa/storage";
import type { BrokerConfig } from "./broker-config.js";
import { effectiveTopicConfig } from "./topic-config.js";

function cleanupPolicy(value: string): LogConfig["cleanupPolicy"] {
  const parts = new Set(value.split(",").map((s) => s.trim()));
  if (parts.has("compact") && parts.has("delete")) return "compact,delete";
  return parts.has("compact") ? "compact" : "delete";
}

/** flush.messages at or above this is Kafka's Long.MAX_VALUE default ("never"). */
export const FLUSH_MESSAGES_NEVER = 2 ** 52;

/**
 * Zeros kept ahead of the active segment where each group-commit round fsyncs before the high
 * watermark moves (flush.messages left at "never": Samsa's default durability), so that small
 * rounds need no journal commit (storage's Preallocation).
 */
const PREALLOCATE_BYTES = 1024 * 1024;

/** Storage's per-log settings from the topic's overrides over the broker's defaults. */
export function logConfigFor(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): LogConfig {
  const t = effectiveTopicConfig(broker, overrides);
  return {
    segmentBytes: t.long("segment.bytes"),
    segmentMs: t.long("segment.ms"),
    segmentIndexBytes: t.long("segment.index.bytes"),
    indexIntervalBytes: t.long("index.interval.bytes"),
    maxMessageBytes: t.long("max.message.bytes"),
    retentionMs: t.long("retention.ms"),
    retentionBytes: t.long("retention.bytes"),
    cleanupPolicy: cleanupPolicy(t.get("cleanup.policy")),
    deleteRetentionMs: t.long("delete.retention.ms"),
    minCleanableDirtyRatio: Number(t.get("min.cleanable.dirty.ratio")),
    preallocateBytes: t.long("flush.messages") >= FLUSH_MESSAGES_NEVER ? PREALLOCATE_BYTES : 0,
  };
}
