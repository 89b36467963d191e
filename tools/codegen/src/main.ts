#!/usr/bin/env node
/**
 * CLI: node tools/codegen/dist/main.js [--specs DIR] [--out DIR]
 * Defaults: specs in ../shared/kafka-protocol and output in packages/protocol/src/generated, both
 * relative to the repository root. The output directory is replaced wholesale.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generate } from "./generate.js";
import { DEFAULT_SPEC_DIR, GENERATED_DIR } from "./paths.js";
import { loadSpecs } from "./spec.js";

const { values, positionals } = parseArgs({
  options: { specs: { type: "string" }, out: { type: "string" } },
  allowPositionals: true,
});
const specDir = resolve(values.specs ?? positionals[0] ?? DEFAULT_SPEC_DIR);
const outDir = resolve(values.out ?? GENERATED_DIR);

const files = generate(loadSpecs(specDir));
rmSync(outDir, { recursive: true, force: true });
for (const [path, content] of files) {
  const full = join(outDir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}
console.log(`wrote ${files.size} files to ${outDir} from ${specDir}`);
