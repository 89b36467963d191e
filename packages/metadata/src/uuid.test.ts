import assert from "node:assert/strict";
import { test } from "node:test";
import { isUuid, METADATA_TOPIC_UUID, randomUuid, ZERO_UUID } from "./uuid.js";

test("random uuids are 22-char base64url, never reserved, never starting with '-'", () => {
  for (let i = 0; i < 1000; i++) {
    const u = randomUuid();
    assert.ok(isUuid(u), u);
    assert.ok(!u.startsWith("-"));
  }
  let calls = 0;
  const rigged = (n: number) => (calls++ === 0 ? Buffer.alloc(n, 0xf8) : Buffer.alloc(n, 1));
  const u = randomUuid(rigged);
  assert.equal(calls, 2, "a uuid starting with '-' is drawn again");
  assert.ok(!u.startsWith("-"));
  assert.ok(isUuid(ZERO_UUID) && isUuid(METADATA_TOPIC_UUID));
  assert.ok(!isUuid("short"));
});
