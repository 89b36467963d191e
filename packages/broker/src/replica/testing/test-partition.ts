import type { Log } from "@samsa/storage";
import type { ManualClock } from "@samsa/storage/testing";
import { silentLogger } from "../../logger.js";
import { Partition } from "../partition.js";
import type { TopicSettings } from "../topic-settings.js";

/** Topic settings that reject nothing for its timestamp and flush only when asked. */
export const TEST_TOPIC_SETTINGS: TopicSettings = {
  compact: false,
  delete: true,
  logAppendTime: false,
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  maxMessageBytes: 1_048_588,
  minInsyncReplicas: 1,
  flushMessages: Number.POSITIVE_INFINITY,
  compressionType: "producer",
};

/** Opens partition t-0 on `log` as the leader (broker 1) at `leaderEpoch`, with TEST_TOPIC_SETTINGS. */
export function openTestLeader(log: Log, clock: ManualClock, leaderEpoch: number): Promise<Partition> {
  return Partition.open({
    topic: "t",
    index: 0,
    topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
    leaderEpoch,
    localBrokerId: 1,
    log,
    settings: TEST_TOPIC_SETTINGS,
    clock,
    logger: silentLogger(),
    producerIdExpirationMs: 86_400_000,
    onChange: () => {},
  });
}
