import assert from "node:assert/strict";
import { test } from "node:test";
import type { TopicImage } from "../image.js";
import { MetadataCorruptError } from "../snapshot.js";
import { decodeTopic, encodeTopic } from "./codec.js";

const topic: TopicImage = {
  name: "t",
  topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
  configs: { "cleanup.policy": "compact" },
  partitions: [
    { partitionIndex: 0, leaderId: 1, leaderEpoch: 3, partitionEpoch: 5, replicas: [1, 2, 3], isr: [1, 2] },
    {
      partitionIndex: 1,
      leaderId: 2,
      leaderEpoch: 1,
      partitionEpoch: 9,
      replicas: [4, 2, 3, 1],
      isr: [2, 3, 1],
      addingReplicas: [4],
      removingReplicas: [1],
    },
  ],
};

test("etcd codec: a topic with a reassignment in progress round-trips; without one no fields are written", () => {
  const text = encodeTopic(topic);
  assert.deepEqual(decodeTopic(text, "k"), topic);
  const json = JSON.parse(text);
  assert.equal("adding" in json.partitions[0], false);
  assert.deepEqual(json.partitions[1].adding, [4]);
});

test("etcd codec: a malformed reassignment is MetadataCorruptError", () => {
  const json = JSON.parse(encodeTopic(topic));
  json.partitions[1].removing = "1";
  assert.throws(() => decodeTopic(JSON.stringify(json), "k"), MetadataCorruptError);
});
