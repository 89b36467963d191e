import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import { apiByKey, encodeRequest, type RequestByApiKey } from "@samsa/protocol";
import { pino } from "pino";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { InMemoryPartitionLogs } from "./partition-logs.js";
import { removeDir } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

const ADMIN_KEYS = [3, 18, 19, 20, 32, 33, 35, 37, 44, 60, 75];
const PROTOCOL_CODES = new Set(["TRUNCATED", "MALFORMED", "TOO_LARGE", "UNSUPPORTED_VERSION"]);

test("mutated admin requests get an answer or a closed connection, and only decode errors close it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-fuzz-"));
  const failures: { code?: unknown; err?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) {
        if (line.includes("closing connection after request failure")) failures.push(JSON.parse(line));
      }
      done();
    },
  });
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
  ]);
  const broker = new Broker({
    config,
    log: pino({ level: "warn" }, sink),
    openLogs: async () => new InMemoryPartitionLogs(),
  });
  await broker.start();
  const port = broker.identity.endpoints[0].port;
  try {
    const frames = ADMIN_KEYS.flatMap((k) => {
      const d = apiByKey(k)!;
      const versions = [
        d.minVersion,
        Math.min(d.maxVersion, d.latestVersionUnstable ? d.maxVersion - 1 : d.maxVersion),
      ];
      return versions.map((v) =>
        Buffer.concat(encodeRequest(k as 18, v, 7, "fuzz", d.request.defaults() as RequestByApiKey[18])),
      );
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...frames),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (frame, flips, cut) => {
          const m = Buffer.from(frame);
          // Keep the size prefix consistent with a possibly truncated body.
          const len = 8 + (cut % (m.length - 7));
          for (const [pos, byte] of flips) m[4 + (pos % (len - 4))] = byte;
          m.writeInt32BE(len - 4, 0);
          const c = await TestClient.connect(port);
          c.writeRaw(m.subarray(0, len));
          await c.nextFrame();
          c.close();
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    const healthy = await TestClient.connect(port);
    const res = await healthy.send(18, 0, apiByKey(18)!.request.defaults() as RequestByApiKey[18]);
    assert.equal(res.errorCode, 0);
    healthy.close();
    assert.ok(failures.length > 10, `only ${failures.length} closed connections: the mutations are too weak`);
    const unexpected = failures.filter((f) => !PROTOCOL_CODES.has(String(f.code)));
    assert.deepEqual(unexpected, [], "only decode errors may close a connection");
  } finally {
    await broker.stop();
    await removeDir(dir);
  }
});
