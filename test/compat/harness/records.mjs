// Expected records for the round-trip tests and the comparison every client test makes: each key,
// value, header, offset and timestamp read back must be the one written.
import assert from "node:assert/strict";

/** A unique topic name per test run, so reruns against a kept data dir never collide. */
export function uniqueTopic(prefix) {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * `count` records with distinct keys, values and headers and explicit CreateTime timestamps
 * (1 s apart, in the recent past, so a broker's timestamp checks accept them).
 */
export function makeRecords(prefix, count, { baseTimestampMs = Date.now() - 60_000 } = {}) {
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({
      key: `${prefix}-key-${i}`,
      value: `${prefix}-value-${i}-${"x".repeat(i % 7)}`,
      headers: [
        ["trace", `t-${i}`],
        ["seq", String(i)],
      ],
      timestampMs: baseTimestampMs + i * 1000,
    });
  }
  return records;
}

/**
 * Asserts `actual` (records read back, each {offset, key, value, headers, timestampMs}) equals
 * `expected` written at offsets `baseOffset`, `baseOffset + 1`, ... in order.
 * `timestamps` is "exact" (the CreateTime written), "none" (a protocol version without timestamps)
 * or a function (actualMs, expectedRecord, index) => void for clients that stamp their own times.
 */
export function assertRecordsRoundTrip(
  actual,
  expected,
  { baseOffset = 0, headers = true, timestamps = "exact" } = {},
) {
  assert.equal(actual.length, expected.length, `read ${actual.length} records, wrote ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const where = `record ${i}`;
    assert.equal(Number(a.offset), baseOffset + i, `${where}: offset`);
    assert.equal(a.key, e.key, `${where}: key`);
    assert.equal(a.value, e.value, `${where}: value`);
    if (headers) assert.deepEqual(a.headers, e.headers, `${where}: headers`);
    if (typeof timestamps === "function") timestamps(Number(a.timestampMs), e, i);
    else if (timestamps === "exact") assert.equal(Number(a.timestampMs), e.timestampMs, `${where}: timestamp`);
  }
}
