#!/usr/bin/env node
// Decode fuzzing at scale: feeds random bytes and mutated/truncated valid encodings to the generated
// decoder of every (message, version) pair. Every input must decode or throw ProtocolError; anything
// else is a bug (exit 1, with the seed and input to reproduce). Prints inputs/s.
//
//   npx tsc -b && node bench/fuzz-decode.mjs [--inputs 1000000] [--seed 1]
import { parseArgs } from "node:util";
import { ProtocolError, Reader, Writer } from "../packages/protocol/dist/index.js";
import { codecFor, messageArbitrary, messageVersions } from "../tools/codegen/dist/arbitraries.js";
import { DEFAULT_SPEC_DIR } from "../tools/codegen/dist/paths.js";
import { loadSpecs } from "../tools/codegen/dist/spec.js";
import fc from "fast-check";

const { values } = parseArgs({
  options: { inputs: { type: "string", default: "1000000" }, seed: { type: "string", default: "1" } },
});
const total = Number(values.inputs);
const seed = Number(values.seed) >>> 0 || 1;

// xorshift32: fast, seedable, good enough to pick bytes.
let state = seed;
function next() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}

const pairs = messageVersions(loadSpecs(DEFAULT_SPEC_DIR)).map(({ message, version }) => {
  const codec = codecFor(message);
  const samples = fc.sample(messageArbitrary(message, version), { numRuns: 3, seed });
  const valid = [codec.defaults(), ...samples].map((msg) => {
    const w = new Writer();
    codec.encode(w, msg, version);
    return w.toBuffer();
  });
  return { name: message.name, version, codec, valid };
});

const scratch = Buffer.alloc(256);
let ok = 0;
const errors = new Map();
const start = process.hrtime.bigint();
for (let i = 0; i < total; i++) {
  const pair = pairs[next() % pairs.length];
  let input;
  const mode = next() & 3;
  if (mode === 0) {
    const n = next() % 64;
    for (let j = 0; j < n; j++) scratch[j] = next() & 0xff;
    input = scratch.subarray(0, n);
  } else {
    const base = pair.valid[next() % pair.valid.length];
    const copy = Buffer.from(base);
    if (mode === 1 && copy.length > 0) {
      input = copy.subarray(0, next() % copy.length);
    } else {
      const flips = 1 + (next() % 3);
      for (let j = 0; j < flips && copy.length > 0; j++) copy[next() % copy.length] = next() & 0xff;
      input = copy;
    }
  }
  try {
    pair.codec.decode(new Reader(input), pair.version);
    ok++;
  } catch (e) {
    if (!(e instanceof ProtocolError)) {
      console.error(`CRASH on input ${i} (seed ${seed}): ${pair.name} v${pair.version} bytes=${input.toString("hex")}`);
      console.error(e);
      process.exit(1);
    }
    errors.set(e.code, (errors.get(e.code) ?? 0) + 1);
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`command: node bench/fuzz-decode.mjs --inputs ${total} --seed ${seed}`);
console.log(`pairs: ${pairs.length}, inputs: ${total}, seconds: ${seconds.toFixed(2)}`);
console.log(`inputs/s: ${Math.round(total / seconds)}`);
console.log(`decoded: ${ok}, ProtocolError: ${JSON.stringify(Object.fromEntries(errors))}, other exceptions: 0`);
