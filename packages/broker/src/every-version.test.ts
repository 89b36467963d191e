import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  apiByKey,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  type RequestByApiKey,
} from "@samsa/protocol";
import { HANDLERS } from "./handlers/index.js";
import { advertisedVersions } from "./router.js";
import { type RunningBroker, removeDir, startTestBroker } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

/** The admin APIs this package implements (the data-path handlers have their own tests). */
const ADMIN_KEYS = [3, 18, 19, 20, 32, 33, 35, 37, 44, 60, 75];

let b: RunningBroker;
before(async () => {
  b = await startTestBroker();
});
after(async () => {
  await b.stop();
  await removeDir(b.dataDir);
});

test("every advertised version of every admin API answers a default request", async () => {
  const ranges = advertisedVersions(HANDLERS).filter((r) => ADMIN_KEYS.includes(r.apiKey));
  assert.equal(ranges.length, ADMIN_KEYS.length);
  const c = await TestClient.connect(b.port);
  // A topic, so "all topics" answers carry non-default fields in every version's shape.
  const created = await c.send(19, 7, {
    ...defaultCreateTopicsRequest(),
    topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 2, replicationFactor: 1 }],
  });
  assert.equal(created.topics[0].errorCode, 0);
  let pairs = 0;
  for (const r of ranges) {
    const codec = apiByKey(r.apiKey)!.request;
    for (let v = r.minVersion; v <= r.maxVersion; v++) {
      const body = codec.defaults() as RequestByApiKey[18];
      // A default (all-topics/empty) request: the broker must answer it in this version's shape.
      await assert.doesNotReject(c.send(r.apiKey as 18, v, body), `api ${r.apiKey} v${v}`);
      pairs++;
    }
  }
  assert.ok(pairs > 50, `only ${pairs} pairs`);
  c.close();
});
