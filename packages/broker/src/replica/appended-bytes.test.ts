import assert from "node:assert/strict";
import { test } from "node:test";
import { AppendedBytes } from "./appended-bytes.js";

test("bytes between offsets follow the appends; older offsets read as a lot", () => {
  const b = new AppendedBytes(10, 3);
  b.record(15, 100);
  b.record(20, 50);
  assert.equal(b.between(10, 20), 150);
  assert.equal(b.between(15, 20), 50);
  assert.equal(b.between(17, 20), 50, "mid-batch offsets count from the batch they fall in");
  assert.equal(b.between(20, 20), 0);
  assert.equal(b.between(20, 15), 0);
  b.record(25, 10);
  b.record(30, 10);
  assert.equal(b.between(20, 30), 20);
  assert.equal(b.between(10, 30), Number.POSITIVE_INFINITY, "beyond the window");
  assert.equal(b.between(5, 30), Number.POSITIVE_INFINITY);
});
