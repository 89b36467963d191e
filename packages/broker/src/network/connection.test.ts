import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { silentLogger } from "../logger.js";
import type { ConnectionLimits, Dispatcher } from "./connection.js";
import { NetworkServer } from "./server.js";

const limits: ConnectionLimits = {
  maxFrameBytes: 1024,
  maxInFlightRequests: 4,
  maxInFlightBytes: 4096,
  idleTimeoutMs: 0,
};

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

async function withServer(
  dispatch: Dispatcher,
  fn: (port: number, server: NetworkServer) => Promise<void>,
  lim = limits,
): Promise<void> {
  const server = new NetworkServer({
    listeners: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" }],
    limits: lim,
    maxConnections: 10,
    dispatch,
    log: silentLogger(),
  });
  const [bound] = await server.start();
  try {
    await fn(bound.boundPort, server);
  } finally {
    await server.stop(1000);
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Collects frames from the socket until `count` arrived or it closed. */
function readFrames(s: Socket, count: number): Promise<{ frames: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const frames: Buffer[] = [];
    const done = (closed: boolean) => {
      s.removeAllListeners("data");
      resolve({ frames, closed });
    };
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        frames.push(buf.subarray(4, 4 + buf.readInt32BE(0)));
        buf = buf.subarray(4 + buf.readInt32BE(0));
      }
      if (frames.length >= count) done(false);
    });
    s.once("close", () => done(true));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Echo, answering later for higher first bytes; "q" (quiet) gets no response; "x" throws. */
const echo: Dispatcher = async (payload) => {
  if (payload.toString() === "x") throw new Error("boom");
  await sleep(payload[0] === 0x7a ? 0 : (10 - (payload[0] % 10)) * 5);
  if (payload.toString() === "q") return null;
  return [frame(payload)];
};

test("pipelined responses come back in request order, quiet requests skipped", async () => {
  await withServer(echo, async (port) => {
    const s = await open(port);
    const reqs = ["1", "2", "q", "3", "9", "0", "5", "z", "8"];
    const got = readFrames(s, reqs.length - 1);
    s.write(Buffer.concat(reqs.map((r) => frame(Buffer.from(r)))));
    const { frames } = await got;
    assert.deepEqual(
      frames.map((f) => f.toString()),
      reqs.filter((r) => r !== "q"),
    );
    s.destroy();
  });
});

test("a frame split across many writes is reassembled", async () => {
  await withServer(echo, async (port) => {
    const s = await open(port);
    const got = readFrames(s, 1);
    const bytes = frame(Buffer.from("hello"));
    for (const b of bytes) {
      s.write(Buffer.from([b]));
      await sleep(1);
    }
    assert.deepEqual((await got).frames.map(String), ["hello"]);
    s.destroy();
  });
});

test("an oversized frame closes only that connection", async () => {
  await withServer(echo, async (port, server) => {
    const good = await open(port);
    const bad = await open(port);
    const badResult = readFrames(bad, 1);
    const size = Buffer.alloc(4);
    size.writeInt32BE(limits.maxFrameBytes + 1);
    bad.write(size);
    assert.equal((await badResult).closed, true);
    const got = readFrames(good, 1);
    good.write(frame(Buffer.from("still here")));
    assert.deepEqual((await got).frames.map(String), ["still here"]);
    assert.equal(server.connectionCount, 1);
    good.destroy();
  });
});

test("a negative size or a throwing handler closes the connection, the server lives on", async () => {
  await withServer(echo, async (port) => {
    const neg = await open(port);
    const r1 = readFrames(neg, 1);
    neg.write(Buffer.from([0x80, 0, 0, 0]));
    assert.equal((await r1).closed, true);
    const thrower = await open(port);
    const r2 = readFrames(thrower, 5);
    thrower.write(Buffer.concat([frame(Buffer.from("1")), frame(Buffer.from("x")), frame(Buffer.from("2"))]));
    assert.equal((await r2).closed, true);
    const after = await open(port);
    const r3 = readFrames(after, 1);
    after.write(frame(Buffer.from("ok")));
    assert.deepEqual((await r3).frames.map(String), ["ok"]);
    after.destroy();
  });
});

test("in-flight requests are bounded per connection", async () => {
  let inFlight = 0;
  let maxSeen = 0;
  const slow: Dispatcher = async (payload) => {
    inFlight++;
    maxSeen = Math.max(maxSeen, inFlight);
    await sleep(5);
    inFlight--;
    return [frame(payload)];
  };
  await withServer(slow, async (port) => {
    const s = await open(port);
    const n = 40;
    const got = readFrames(s, n);
    s.write(Buffer.concat(Array.from({ length: n }, (_, i) => frame(Buffer.from(String(i))))));
    const { frames } = await got;
    assert.deepEqual(
      frames.map(String),
      Array.from({ length: n }, (_, i) => String(i)),
    );
    assert.equal(maxSeen, limits.maxInFlightRequests);
    s.destroy();
  });
});

test("stop lets in-flight requests answer before closing", async () => {
  const server = new NetworkServer({
    listeners: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" }],
    limits,
    maxConnections: 10,
    dispatch: async (p) => {
      await sleep(50);
      return [frame(p)];
    },
    log: silentLogger(),
  });
  const [bound] = await server.start();
  const s = await open(bound.boundPort);
  const got = readFrames(s, 2);
  s.write(frame(Buffer.from("last")));
  await sleep(10);
  await server.stop(2000);
  const { frames, closed } = await got;
  assert.deepEqual(frames.map(String), ["last"]);
  assert.equal(closed, true);
});

test("a client that doesn't read stops the broker from reading its requests", async () => {
  let dispatched = 0;
  const big = Buffer.alloc(1 << 20, 7);
  const heavy: Dispatcher = (payload) => {
    dispatched++;
    return [frame(Buffer.concat([payload, big]))];
  };
  await withServer(heavy, async (port) => {
    const s = await open(port);
    s.pause();
    const n = 50;
    s.write(Buffer.concat(Array.from({ length: n }, (_, i) => frame(Buffer.from([i])))));
    await sleep(300);
    assert.ok(dispatched < 20, `dispatched ${dispatched} of ${n} while the client read nothing`);
    const got = readFrames(s, n);
    s.resume();
    const { frames } = await got;
    assert.equal(frames.length, n);
    assert.deepEqual(
      frames.map((f) => f[0]),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.equal(dispatched, n);
    s.destroy();
  });
});

test("idle connections are closed after connections.max.idle.ms", async () => {
  await withServer(
    echo,
    async (port, server) => {
      const s = await open(port);
      const got = readFrames(s, 1);
      s.write(frame(Buffer.from("1")));
      assert.deepEqual((await got).frames.map(String), ["1"]);
      const closed = await readFrames(s, 1);
      assert.equal(closed.closed, true);
      for (let i = 0; i < 50 && server.connectionCount > 0; i++) await sleep(5);
      assert.equal(server.connectionCount, 0);
    },
    { ...limits, idleTimeoutMs: 100 },
  );
});

test("large frames arriving in pieces, pipelined with small ones, come through intact (reads in place)", async () => {
  const seen: { size: number; sum: number }[] = [];
  const sizes: Dispatcher = (payload) => {
    let sum = 0;
    for (const b of payload) sum = (sum + b) % 65_521;
    seen.push({ size: payload.length, sum });
    return [frame(Buffer.from(`${payload.length}:${sum}`))];
  };
  const big = { ...limits, maxFrameBytes: 1 << 20, maxInFlightBytes: 4 << 20 };
  await withServer(
    sizes,
    async (port) => {
      const s = await open(port);
      const payloads = [300_000, 5, 200_000, 70_000, 1].map((n, k) => {
        const p = Buffer.alloc(n);
        for (let i = 0; i < n; i++) p[i] = (i * 7 + k) % 251;
        return p;
      });
      const stream = Buffer.concat(payloads.map(frame));
      const got = readFrames(s, payloads.length);
      // Uneven pieces with pauses, so frames start and end in the middle of socket reads.
      for (let pos = 0, i = 0; pos < stream.length; i++) {
        const n = [100_000, 3, 150_001, 64_000, 7][i % 5];
        s.write(stream.subarray(pos, pos + n));
        pos += n;
        await sleep(5);
      }
      const expected = payloads.map((p) => {
        let sum = 0;
        for (const b of p) sum = (sum + b) % 65_521;
        return `${p.length}:${sum}`;
      });
      assert.deepEqual((await got).frames.map(String), expected);
      s.destroy();
    },
    big,
  );
});
