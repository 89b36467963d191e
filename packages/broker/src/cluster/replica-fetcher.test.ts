import assert from "node:assert/strict";
import { test } from "node:test";
import type { Log } from "@samsa/storage";
import { silentLogger } from "../logger.js";
import type { BrokerChannel } from "./broker-channel.js";
import { ReplicaFetcher } from "./replica-fetcher.js";

/** A fetch the test answers by hand; the fetcher's long poll stays out until then. */
function heldChannel() {
  let answer: ((response: unknown) => void) | undefined;
  let sent: () => void = () => {};
  const firstSend = new Promise<void>((resolve) => {
    sent = resolve;
  });
  const channel = {
    send: () =>
      new Promise((resolve) => {
        answer = resolve;
        sent();
      }),
    close: () => {},
  } as unknown as BrokerChannel;
  return { channel, firstSend, answer: () => answer?.({ errorCode: 0, responses: [] }) };
}

const emptyLog = { logEndOffset: 0, logStartOffset: 0, leaderEpochCache: { latest: undefined } } as unknown as Log;

async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([p.then(() => true as const), late]);
  clearTimeout(timer);
  return done;
}

test("release waits only for a fetch in flight that carries the partition (a leader opening is not held up by another's long poll)", async () => {
  const held = heldChannel();
  const fetcher = new ReplicaFetcher({
    nodeId: 2,
    leaderId: 1,
    channel: held.channel,
    logs: { getLog: (topic) => (topic === "followed" ? emptyLog : undefined) },
    logger: silentLogger(),
    maxWaitMs: 500,
    partitionMaxBytes: 1 << 20,
    responseMaxBytes: 1 << 20,
    backoffMs: 50,
    socketTimeoutMs: 1000,
  });
  fetcher.follow({ topic: "followed", index: 0, leaderEpoch: 0 });
  fetcher.start();
  try {
    await held.firstSend;
    assert.equal(await settlesWithin(fetcher.release("other", 0), 100), true, "not in the fetch: no wait");
    const releasing = fetcher.release("followed", 0);
    assert.equal(await settlesWithin(releasing, 100), false, "in the fetch: waits for it");
    held.answer();
    assert.equal(await settlesWithin(releasing, 1000), true);
    assert.equal(fetcher.has("followed", 0), false);
  } finally {
    fetcher.stop();
  }
});
