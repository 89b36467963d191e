#!/usr/bin/env node
// Broker process RSS with N idle connections (each sent one ApiVersions).
// Usage: node packages/broker/scripts/connections-rss.mjs [connections]   (raise ulimit -n first)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultApiVersionsRequest } from "@samsa/protocol";
import { TestClient } from "../dist/testing/test-client.js";

const n = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "samsa-conns-"));
const main = new URL("../dist/main.js", import.meta.url).pathname;
const child = spawn(process.execPath, [main, "start", "--data-dir", dir, "--listeners", "PLAINTEXT://127.0.0.1:0"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise((resolve) =>
  child.stdout.on("data", (d) => {
    const m = /:(\d+) \(/.exec(String(d));
    if (m) resolve(Number(m[1]));
  }),
);
const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]);
const before = rssKiB();
const clients = [];
for (let i = 0; i < n; i++) {
  const c = await TestClient.connect(port);
  await c.send(18, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: "x", clientSoftwareVersion: "1" });
  clients.push(c);
}
await new Promise((r) => setTimeout(r, 500));
const after = rssKiB();
console.log(
  `broker RSS ${before} KiB idle -> ${after} KiB with ${n} connections (${((after - before) / n).toFixed(1)} KiB/connection)`,
);
console.log(`command: node packages/broker/scripts/connections-rss.mjs ${n}`);
for (const c of clients) c.close();
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
rmSync(dir, { recursive: true, force: true });
