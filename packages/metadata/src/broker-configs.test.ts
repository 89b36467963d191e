import assert from "node:assert/strict";
import { test } from "node:test";
import { brokerConfigsFor, MAX_DYNAMIC_CONFIGS_PER_ENTITY, setBrokerConfigs } from "./broker-configs.js";
import { emptyImage } from "./image.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";

test("setBrokerConfigs: replaces one entity, no-op when unchanged, empty removes, bounded", () => {
  const base = emptyImage("c", 1, []);
  const a = setBrokerConfigs(base, "", { "log.retention.ms": "1000" });
  assert.ok(a.ok);
  assert.equal(a.image.changeCount, 1);
  const same = setBrokerConfigs(a.image, "", { "log.retention.ms": "1000" });
  assert.ok(same.ok);
  assert.equal(same.image, a.image);
  const b = setBrokerConfigs(a.image, "1", { "num.io.threads": "4" });
  assert.ok(b.ok);
  assert.deepEqual(brokerConfigsFor(b.image, ""), { "log.retention.ms": "1000" });
  assert.deepEqual(brokerConfigsFor(b.image, "1"), { "num.io.threads": "4" });
  const cleared = setBrokerConfigs(b.image, "", {});
  assert.ok(cleared.ok);
  assert.equal(cleared.image.brokerConfigs?.has(""), false);
  const many = Object.fromEntries(Array.from({ length: MAX_DYNAMIC_CONFIGS_PER_ENTITY + 1 }, (_, i) => [`k${i}`, "v"]));
  assert.equal(setBrokerConfigs(base, "1", many).ok, false);
});

test("snapshot round trip keeps dynamic broker configs; a malformed value is corruption", () => {
  const r = setBrokerConfigs(emptyImage("c", 1, []), "", { "message.max.bytes": "2000000" });
  assert.ok(r.ok);
  const text = encodeSnapshot(r.image);
  const back = decodeSnapshot(text, emptyImage("c", 1, []));
  assert.deepEqual(brokerConfigsFor(back, ""), { "message.max.bytes": "2000000" });
  const bad = text.replace('"2000000"', "2000000");
  assert.throws(() => decodeSnapshot(bad, emptyImage("c", 1, [])), /brokerConfigs/);
});
