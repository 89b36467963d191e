import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { silentLogger } from "../logger.js";
import type { ConnectionLimits, Dispatcher } from "./connection.js";
import { countsAgainstBudget, RequestBudget } from "./request-budget.js";
import { NetworkServer } from "./server.js";

const limits: ConnectionLimits = {
  maxFrameBytes: 1 << 16,
  maxInFlightRequests: 5,
  maxInFlightBytes: 1 << 20,
  idleTimeoutMs: 0,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request frame (size prefix included): api key, then a request index, then padding. */
function request(apiKey: number, index: number, padBytes = 0): Buffer {
  const f = Buffer.alloc(4 + 6 + padBytes);
  f.writeInt32BE(6 + padBytes, 0);
  f.writeInt16BE(apiKey, 4);
  f.writeInt32BE(index, 6);
  return f;
}

function response(index: number): Buffer {
  const f = Buffer.alloc(8);
  f.writeInt32BE(4, 0);
  f.writeInt32BE(index, 4);
  return f;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
}

/** The request indexes answered on `s`, once `count` arrived. */
function answers(s: Socket, count: number): Promise<number[]> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const got: number[] = [];
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        got.push(buf.readInt32BE(4));
        buf = buf.subarray(8);
      }
      if (got.length >= count) resolve(got);
    });
  });
}

async function withServer(
  queue: { maxRequests: number; maxBytes: number },
  dispatch: Dispatcher,
  fn: (port: number, server: NetworkServer) => Promise<void>,
): Promise<void> {
  const server = new NetworkServer({
    listeners: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" }],
    limits,
    queue,
    maxConnections: 20,
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

/** Counts requests and request bytes inside the handler at once. */
function tracking(delayMs: number) {
  const t = { requests: 0, bytes: 0, maxRequests: 0, maxBytes: 0, dispatch: undefined as unknown as Dispatcher };
  t.dispatch = async (frame) => {
    t.requests++;
    t.bytes += frame.length;
    t.maxRequests = Math.max(t.maxRequests, t.requests);
    t.maxBytes = Math.max(t.maxBytes, t.bytes);
    await sleep(delayMs);
    t.requests--;
    t.bytes -= frame.length;
    return [response(frame.readInt32BE(2))];
  };
  return t;
}

test("budget: counts requests and bytes; a lone oversized request is admitted", () => {
  const b = new RequestBudget(2, 100);
  assert.equal(b.tryAcquire(500), true, "nothing held: admitted although larger than the bound");
  assert.equal(b.tryAcquire(1), false, "bytes spent");
  b.release(500);
  assert.equal(b.tryAcquire(60), true);
  assert.equal(b.tryAcquire(40), true);
  assert.equal(b.tryAcquire(0), false, "request count spent");
  assert.deepEqual([b.requests, b.bytes], [2, 100]);
  b.release(60);
  b.release(40);
  assert.deepEqual([b.requests, b.bytes], [0, 0]);
});

test("budget: a release wakes waiters in the order they began waiting, each once", () => {
  const b = new RequestBudget(1, 1000);
  assert.equal(b.tryAcquire(10), true);
  const woken: string[] = [];
  const waiter = (name: string) => {
    const wake = () => {
      woken.push(name);
      if (!b.tryAcquire(10)) b.wait(wake);
    };
    return wake;
  };
  const a = waiter("a");
  b.wait(a);
  b.wait(waiter("b"));
  b.wait(a);
  assert.equal(b.waiting, 2);
  b.release(10);
  assert.deepEqual(woken, ["a"], "a took the only slot; b keeps waiting");
  b.release(10);
  assert.deepEqual(woken, ["a", "b"]);
  assert.equal(b.waiting, 0);
});

test("budget: Fetch, JoinGroup and SyncGroup are not counted, Produce is", () => {
  assert.equal(countsAgainstBudget(request(0, 0).subarray(4)), true);
  assert.equal(countsAgainstBudget(request(3, 0).subarray(4)), true);
  for (const key of [1, 11, 14]) assert.equal(countsAgainstBudget(request(key, 0).subarray(4)), false);
});

test("queued.max.requests bounds requests in processing across all connections", async () => {
  const t = tracking(5);
  await withServer({ maxRequests: 3, maxBytes: 1 << 20 }, t.dispatch, async (port, server) => {
    const sockets = await Promise.all(Array.from({ length: 6 }, () => open(port)));
    const n = 15;
    const all = sockets.map((s) => {
      const got = answers(s, n);
      s.write(Buffer.concat(Array.from({ length: n }, (_, i) => request(0, i))));
      return got;
    });
    for (const got of await Promise.all(all)) {
      assert.deepEqual(
        got,
        Array.from({ length: n }, (_, i) => i),
      );
    }
    assert.equal(t.maxRequests, 3);
    assert.deepEqual(server.queued, { requests: 0, bytes: 0, waitingConnections: 0 });
    for (const s of sockets) s.destroy();
  });
});

test("queued.max.request.bytes bounds request bytes in processing across all connections", async () => {
  const t = tracking(5);
  const pad = 394; // 400-byte frames: two fit in 1000 bytes, a third does not
  await withServer({ maxRequests: 100, maxBytes: 1000 }, t.dispatch, async (port) => {
    const sockets = await Promise.all(Array.from({ length: 4 }, () => open(port)));
    const n = 10;
    const all = sockets.map((s) => {
      const got = answers(s, n);
      s.write(Buffer.concat(Array.from({ length: n }, (_, i) => request(0, i, pad))));
      return got;
    });
    for (const got of await Promise.all(all)) assert.equal(got.length, n);
    assert.equal(t.maxBytes, 800);
    assert.equal(t.maxRequests, 2);
    for (const s of sockets) s.destroy();
  });
});

test("parked fetches do not hold the queue; produces still get through", { timeout: 5000 }, async () => {
  let releaseFetches: () => void = () => {};
  const fetchesReleased = new Promise<void>((r) => {
    releaseFetches = r;
  });
  const dispatch: Dispatcher = async (frame) => {
    if (frame.readInt16BE(0) === 1) await fetchesReleased;
    return [response(frame.readInt32BE(2))];
  };
  await withServer({ maxRequests: 1, maxBytes: 1 << 20 }, dispatch, async (port) => {
    const consumers = await Promise.all(Array.from({ length: 3 }, () => open(port)));
    const fetched = consumers.map((s, i) => {
      const got = answers(s, 1);
      s.write(request(1, 100 + i));
      return got;
    });
    await sleep(20);
    const producer = await open(port);
    const produced = answers(producer, 4);
    producer.write(Buffer.concat([0, 1, 2, 3].map((i) => request(0, i))));
    assert.deepEqual(await produced, [0, 1, 2, 3]);
    releaseFetches();
    assert.deepEqual(await Promise.all(fetched), [[100], [101], [102]]);
    for (const s of [...consumers, producer]) s.destroy();
  });
});

test("a connection closed with requests in processing gives their budget back when they finish", async () => {
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let started = 0;
  const dispatch: Dispatcher = async (frame) => {
    started++;
    await finished;
    return [response(frame.readInt32BE(2))];
  };
  await withServer({ maxRequests: 4, maxBytes: 1 << 20 }, dispatch, async (port, server) => {
    const s = await open(port);
    s.write(Buffer.concat([0, 1, 2].map((i) => request(0, i))));
    for (let i = 0; i < 100 && started < 3; i++) await sleep(2);
    assert.equal(server.queued.requests, 3);
    s.destroy();
    for (let i = 0; i < 100 && server.connectionCount > 0; i++) await sleep(2);
    finish();
    await sleep(10);
    assert.deepEqual(server.queued, { requests: 0, bytes: 0, waitingConnections: 0 });
    const again = await open(port);
    const got = answers(again, 4);
    again.write(Buffer.concat([0, 1, 2, 3].map((i) => request(0, i))));
    assert.deepEqual(await got, [0, 1, 2, 3]);
    again.destroy();
  });
});

test("a connection waiting for the queue is served before a busy one takes the room again", async () => {
  const order: string[] = [];
  const dispatch: Dispatcher = async (frame) => {
    await sleep(3);
    order.push(`${frame.readInt16BE(0) === 0 ? "a" : "b"}${frame.readInt32BE(2)}`);
    return [response(frame.readInt32BE(2))];
  };
  await withServer({ maxRequests: 1, maxBytes: 1 << 20 }, dispatch, async (port) => {
    const a = await open(port);
    const b = await open(port);
    const n = 20;
    const aDone = answers(a, n);
    a.write(Buffer.concat(Array.from({ length: n }, (_, i) => request(0, i))));
    await sleep(10);
    const bDone = answers(b, 1);
    b.write(request(3, 0));
    await Promise.all([aDone, bDone]);
    const bAt = order.indexOf("b0");
    assert.ok(bAt >= 0 && bAt < 10, `b answered at position ${bAt} of ${order.join(",")}`);
    a.destroy();
    b.destroy();
  });
});
