#!/usr/bin/env node
/**
 * samsa-capture: records real clients' request frames into golden fixtures.
 *   node tools/capture/dist/main.js [--out test/fixtures/captures] [--only kcat,kcat-gzip,kafkajs]
 * Needs kcat on PATH and kafkajs installed (scripts/install-test-deps.sh).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CaptureServer } from "./capture-server.js";
import {
  COMPRESSION_CODECS,
  captureConfluentJavascript,
  captureKafkajs,
  captureKcat,
  captureKcatCompressed,
} from "./scenarios.js";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "test/fixtures/captures" },
    only: { type: "string" },
  },
});

const server = new CaptureServer();
const port = await server.listen(0);
const bootstrap = `127.0.0.1:${port}`;
const scenarios: [string, (dir: string) => Promise<void>][] = [
  ["kcat", (dir) => captureKcat(server, bootstrap, dir)],
  ...COMPRESSION_CODECS.map((codec): [string, (dir: string) => Promise<void>] => [
    `kcat-${codec}`,
    (dir) => captureKcatCompressed(server, bootstrap, dir, codec),
  ]),
  ["kafkajs", (dir) => captureKafkajs(server, bootstrap, dir)],
  ["confluent-javascript", (dir) => captureConfluentJavascript(server, bootstrap, dir)],
];
const only = values.only?.split(",");
let failed = false;
for (const [name, run] of scenarios) {
  if (only && !only.includes(name)) continue;
  const dir = join(values.out, name);
  try {
    await run(dir);
    const files = server.captured().map((c) => c.file);
    console.log(`${name}: ${files.sort().join(" ")}`);
  } catch (e) {
    failed = true;
    console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
for (const e of server.errors) console.error(`server: ${e}`);
await server.close();
process.exit(failed || server.errors.length > 0 ? 1 : 0);
