import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { decodeResponse, encodeRequest, type RequestByApiKey } from "@samsa/protocol";
import { silentLogger } from "../logger.js";
import type { Dispatcher } from "../network/connection.js";
import { NetworkServer } from "../network/server.js";
import { PlainServer } from "./sasl-plain.js";

const MAX_FRAME = 64 * 1024;
const SASL_MAX_RECEIVE = 512;

async function withSaslServer(fn: (port: number, seen: number[]) => Promise<void>): Promise<void> {
  const seen: number[] = [];
  const dispatch: Dispatcher = (frame) => {
    seen.push(frame.length);
    return [Buffer.from([0, 0, 0, 1, 7])];
  };
  const server = new NetworkServer({
    listeners: [{ name: "SASL_PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "SASL_PLAINTEXT" }],
    limits: { maxFrameBytes: MAX_FRAME, maxInFlightRequests: 4, maxInFlightBytes: 1 << 20, idleTimeoutMs: 0 },
    maxConnections: 10,
    dispatch,
    log: silentLogger(),
    security: new Map([
      [
        "SASL_PLAINTEXT",
        {
          sasl: {
            mechanisms: ["PLAIN"],
            newServer: () => new PlainServer(new Map([["alice", "pw"]])),
            maxReceiveBytes: SASL_MAX_RECEIVE,
            failedAuthenticationDelayMs: 0,
          },
        },
      ],
    ]),
  });
  const [bound] = await server.start();
  try {
    await fn(bound.boundPort, seen);
  } finally {
    await server.stop(1000);
  }
}

/** A client reading size-prefixed responses in order. */
function client(port: number) {
  const socket: Socket = connect({ host: "127.0.0.1", port });
  let buf = Buffer.alloc(0);
  const waiters: ((b: Buffer | null) => void)[] = [];
  const drain = () => {
    while (waiters.length > 0 && buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const n = buf.readInt32BE(0);
      const frame = buf.subarray(4, 4 + n);
      buf = buf.subarray(4 + n);
      waiters.shift()!(frame);
    }
  };
  socket.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    drain();
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  void closed.then(() => {
    for (const w of waiters.splice(0)) w(null);
  });
  return {
    closed,
    write: (chunks: readonly Buffer[]) => socket.write(Buffer.concat(chunks)),
    next: () =>
      new Promise<Buffer | null>((resolve) => {
        waiters.push(resolve);
        drain();
      }),
    end: () => socket.destroy(),
  };
}

function sized(payload: Buffer): Buffer[] {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return [size, payload];
}

test("SASL listener: a frame header beyond sasl.server.max.receive.size closes before authentication", async () => {
  await withSaslServer(async (port, seen) => {
    const c = client(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_FRAME);
    c.write([size]);
    await c.closed;
    assert.deepEqual(seen, []);
  });
});

test("SASL listener: once authenticated, frames up to socket.request.max.bytes reach the broker", async () => {
  await withSaslServer(async (port, seen) => {
    const c = client(port);
    const request = <K extends keyof RequestByApiKey>(k: K, v: number, body: RequestByApiKey[K]) =>
      encodeRequest(k, v, 1, "t", body);
    c.write(request(17, 1, { mechanism: "PLAIN" }));
    assert.equal(decodeResponse(17, 1, (await c.next())!).body.errorCode, 0);
    c.write(request(36, 2, { authBytes: Buffer.from("\u0000alice\u0000pw") }));
    assert.equal(decodeResponse(36, 2, (await c.next())!).body.errorCode, 0);
    c.write(sized(Buffer.alloc(SASL_MAX_RECEIVE * 4, 1)));
    assert.deepEqual(await c.next(), Buffer.from([7]));
    assert.deepEqual(seen, [SASL_MAX_RECEIVE * 4]);
    c.end();
  });
});
