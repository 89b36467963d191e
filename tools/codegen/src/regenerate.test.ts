import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { generate } from "./generate.js";
import { DEFAULT_SPEC_DIR, GENERATED_DIR } from "./paths.js";
import { loadSpecs } from "./spec.js";

function listFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, out);
    else out.push(relative(GENERATED_DIR, p));
  }
  return out;
}

test("committed generated code equals a fresh generation from the specs", () => {
  const fresh = generate(loadSpecs(DEFAULT_SPEC_DIR));
  const committed = listFiles(GENERATED_DIR).sort();
  assert.deepEqual(committed, [...fresh.keys()].sort(), "generated file set differs: run `npm run codegen`");
  for (const [path, content] of fresh) {
    const onDisk = readFileSync(join(GENERATED_DIR, path), "utf8");
    assert.ok(onDisk === content, `${path} differs from a fresh generation: run \`npm run codegen\``);
  }
});

test("generation is deterministic", () => {
  const a = generate(loadSpecs(DEFAULT_SPEC_DIR));
  const b = generate(loadSpecs(DEFAULT_SPEC_DIR));
  assert.deepEqual([...a], [...b]);
});
