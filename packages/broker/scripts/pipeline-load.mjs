#!/usr/bin/env node
// Pipelined request throughput against an in-process broker (client in the same process).
// Usage: node packages/broker/scripts/pipeline-load.mjs [apiversions|metadata] [requests] [depth]
import { rm } from "node:fs/promises";
import { connect } from "node:net";
import { defaultApiVersionsRequest, defaultMetadataRequest, encodeRequest } from "@samsa/protocol";
import { startTestBroker } from "../dist/testing/test-broker.js";

const api = process.argv[2] ?? "apiversions";
const total = Number(process.argv[3] ?? 100000);
const depth = Number(process.argv[4] ?? 64);
const b = await startTestBroker();
const s = connect({ port: b.port, host: "127.0.0.1" });
await new Promise((r) => s.once("connect", r));
const req = (id) =>
  Buffer.concat(
    api === "metadata"
      ? encodeRequest(3, 12, id, "load", { ...defaultMetadataRequest(), topics: null })
      : encodeRequest(18, 3, id, "load", {
          ...defaultApiVersionsRequest(),
          clientSoftwareName: "load",
          clientSoftwareVersion: "1",
        }),
  );
let sent = 0;
let received = 0;
let buf = Buffer.alloc(0);
const t0 = performance.now();
const done = new Promise((resolve) => {
  s.on("data", (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let off = 0;
    while (buf.length - off >= 4 && buf.length - off >= 4 + buf.readInt32BE(off)) {
      off += 4 + buf.readInt32BE(off);
      received++;
    }
    buf = buf.subarray(off);
    const batch = [];
    while (sent < total && sent - received < depth) batch.push(req(sent++));
    if (batch.length) s.write(Buffer.concat(batch));
    if (received === total) resolve();
  });
});
const first = [];
while (sent < Math.min(depth, total)) first.push(req(sent++));
s.write(Buffer.concat(first));
await done;
const ms = performance.now() - t0;
console.log(
  `${api}: ${total} requests, depth ${depth}: ${Math.round((total / ms) * 1000)} req/s (${ms.toFixed(0)} ms)`,
);
console.log(`command: node packages/broker/scripts/pipeline-load.mjs ${api} ${total} ${depth}`);
s.destroy();
await b.stop();
await rm(b.dataDir, { recursive: true, force: true });
