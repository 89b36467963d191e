import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { silentLogger } from "../logger.js";
import { AFTER_WRITE, type Dispatcher, type ResponseChunks } from "./connection.js";
import { NetworkServer } from "./server.js";

const PAYLOAD_BYTES = 8 << 20;
const GOOD = 0x5a;
const POISON = 0xee;

/** A response whose payload is poisoned as soon as AFTER_WRITE says it may be reused, as a pool would. */
function poisonedResponse(released: number[], id: number): ResponseChunks {
  const size = Buffer.alloc(4);
  size.writeInt32BE(PAYLOAD_BYTES);
  const payload = Buffer.alloc(PAYLOAD_BYTES, GOOD);
  return Object.assign([size, payload], {
    [AFTER_WRITE]: () => {
      released.push(id);
      payload.fill(POISON);
    },
  });
}

function sizePrefixed(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(4);
  b.writeInt32BE(n, 4);
  return b;
}

/** Reads `count` frames of PAYLOAD_BYTES and counts bytes that are not GOOD. */
function readPayloads(s: Socket, count: number): Promise<{ frames: number; bad: number }> {
  return new Promise((resolve, reject) => {
    let need = 4 + PAYLOAD_BYTES;
    let frames = 0;
    let bad = 0;
    let header = Buffer.alloc(0);
    s.on("error", reject);
    s.on("data", (d: Buffer) => {
      let pos = 0;
      while (pos < d.length) {
        const take = Math.min(need, d.length - pos);
        const headerBytes = Math.max(0, Math.min(take, need - PAYLOAD_BYTES));
        header = Buffer.concat([header, d.subarray(pos, pos + headerBytes)]);
        for (let i = pos + headerBytes; i < pos + take; i++) if (d[i] !== GOOD) bad++;
        pos += take;
        need -= take;
        if (need === 0) {
          assert.equal(header.readInt32BE(0), PAYLOAD_BYTES);
          header = Buffer.alloc(0);
          need = 4 + PAYLOAD_BYTES;
          if (++frames === count) resolve({ frames, bad });
        }
      }
    });
  });
}

test("AFTER_WRITE runs only once the response left the socket, so a reused buffer never corrupts it", async () => {
  const released: number[] = [];
  const dispatch: Dispatcher = (frame) => poisonedResponse(released, frame.readInt32BE(0));
  const server = new NetworkServer({
    listeners: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" }],
    limits: { maxFrameBytes: 1024, maxInFlightRequests: 4, maxInFlightBytes: 4096, idleTimeoutMs: 0 },
    maxConnections: 10,
    dispatch,
    log: silentLogger(),
  });
  const [bound] = await server.start();
  try {
    const s = await new Promise<Socket>((resolve, reject) => {
      const c = connect({ port: bound.boundPort, host: "127.0.0.1" }, () => resolve(c));
      c.once("error", reject);
    });
    s.pause();
    // Two pipelined requests: 16 MiB of responses cannot all fit in the kernel's buffers.
    s.write(Buffer.concat([sizePrefixed(1), sizePrefixed(2)]));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(released.length < 2, `released ${released} while the client had not read`);
    const got = readPayloads(s, 2);
    s.resume();
    const { frames, bad } = await got;
    assert.equal(frames, 2);
    assert.equal(bad, 0);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(released, [1, 2]);
    s.destroy();
  } finally {
    await server.stop(1000);
  }
});
