#!/usr/bin/env node
// Time of one CreateTopics request creating N single-partition topics (in-memory partition logs).
// Usage: node packages/broker/scripts/create-topics-load.mjs [topics]
import { rm } from "node:fs/promises";
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from "@samsa/protocol";
import { startTestBroker } from "../dist/testing/test-broker.js";
import { TestClient } from "../dist/testing/test-client.js";

const n = Number(process.argv[2] ?? 1000);
const b = await startTestBroker();
const c = await TestClient.connect(b.port);
const topics = Array.from({ length: n }, (_, i) => ({
  ...defaultCreateTopicsRequestCreatableTopic(),
  name: `t${i}`,
  numPartitions: 1,
  replicationFactor: 1,
}));
const t0 = performance.now();
const r = await c.send(19, 7, { ...defaultCreateTopicsRequest(), timeoutMs: 60000, topics });
const ms = performance.now() - t0;
console.log(
  `CreateTopics with ${n} topics: ${ms.toFixed(0)} ms, errors ${r.topics.filter((t) => t.errorCode !== 0).length}`,
);
console.log(`command: node packages/broker/scripts/create-topics-load.mjs ${n}`);
c.close();
await b.stop();
await rm(b.dataDir, { recursive: true, force: true });
