import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { crc32 } from "./crc32.js";
import { crc32c } from "./crc32c.js";

const check = Buffer.from("123456789");

test("crc32c matches the standard check value", () => {
  assert.equal(crc32c(check), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
});

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(check), 0xcbf43926);
});

test("crc32 agrees with node:zlib on random buffers and ranges", async () => {
  const zlib = await import("node:zlib");
  const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), (bytes, cut) => {
      const buf = Buffer.from(bytes);
      const start = Math.min(cut, buf.length);
      const whole = crc32(buf.subarray(start));
      assert.equal(crc32(buf, start, buf.length), whole);
      if (zcrc) assert.equal(whole, zcrc(buf.subarray(start)));
    }),
  );
});
