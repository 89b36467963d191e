import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FrameError, FrameReader } from "./frame-reader.js";

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

test("property: frames survive any split of the stream", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }),
      (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
        const r = new FrameReader(1000);
        const out: Buffer[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length];
          r.push(stream.subarray(pos, pos + n));
          pos += n;
          for (let f = r.next(); f !== undefined; f = r.next()) out.push(Buffer.from(f));
        }
        assert.deepEqual(
          out,
          payloads.map((p) => Buffer.from(p)),
        );
        assert.equal(r.bufferedBytes, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test("oversized and negative sizes are frame errors, detected from the size alone", () => {
  const r = new FrameReader(10);
  r.push(Buffer.from([0, 0, 0, 11]));
  assert.throws(() => r.next(), FrameError);
  const n = new FrameReader(10);
  n.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.throws(() => n.next(), FrameError);
  const ok = new FrameReader(10);
  ok.push(Buffer.from([0, 0, 0, 10, 1]));
  assert.equal(ok.next(), undefined);
});

test("a frame spanning reads is filled as they arrive, then the next frame follows", () => {
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const stream = Buffer.concat([frame(big), frame(Buffer.from("next"))]);
  const r = new FrameReader(1 << 20);
  const out: Buffer[] = [];
  for (let pos = 0; pos < stream.length; pos += 65_536) {
    r.push(stream.subarray(pos, pos + 65_536));
    assert.ok(r.bufferedBytes <= Math.min(pos + 65_536, stream.length) - 4 * out.length);
    for (let f = r.next(); f !== undefined; f = r.next()) out.push(f);
  }
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], big);
  assert.equal(out[1].toString(), "next");
  assert.equal(r.bufferedBytes, 0);
});

test("property: reads into readTarget or a reused scratch buffer give the same frames", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
      fc.integer({ min: 1, max: 3 }),
      (payloads, cuts, nextEvery) => {
        const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
        const r = new FrameReader(1000);
        const scratch = Buffer.alloc(64);
        const out: Buffer[] = [];
        let direct = 0;
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          // As a socket does: fill the target the reader gave (or scratch) with what has arrived.
          const target = r.readTarget() ?? scratch;
          if (target !== scratch) direct++;
          const n = Math.min(cuts[i % cuts.length], target.length, stream.length - pos);
          stream.copy(target, 0, pos, pos + n);
          r.pushRead(target, n);
          pos += n;
          scratch.fill(0xee); // reused by the next read: nothing may still point into it
          // A paused connection asks for frames less often than reads arrive.
          if (i % nextEvery === 0) for (let f = r.next(); f !== undefined; f = r.next()) out.push(Buffer.from(f));
        }
        for (let f = r.next(); f !== undefined; f = r.next()) out.push(Buffer.from(f));
        assert.deepEqual(
          out,
          payloads.map((p) => Buffer.from(p)),
        );
        assert.equal(r.bufferedBytes, 0);
        if (payloads.some((p) => p.length > 128) && nextEvery === 1) assert.ok(direct > 0);
      },
    ),
    { numRuns: 300 },
  );
});

test("a large frame is read in place: its payload lands in the frame buffer without passing through scratch", () => {
  const big = Buffer.alloc(200_000, 7);
  const stream = frame(big);
  const r = new FrameReader(1 << 20);
  const scratch = Buffer.alloc(65_536);
  let viaScratch = 0;
  let pos = 0;
  let f: Buffer | undefined;
  while (pos < stream.length) {
    const target = r.readTarget() ?? scratch;
    const n = Math.min(target.length, stream.length - pos);
    if (target === scratch) viaScratch += n;
    stream.copy(target, 0, pos, pos + n);
    r.pushRead(target, n);
    pos += n;
    f = r.next() ?? f;
  }
  assert.deepEqual(f, big);
  assert.equal(viaScratch, 65_536);
});
