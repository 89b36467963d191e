import assert from "node:assert/strict";
import { test } from "node:test";
import { type FollowerLog, followerAction, type LeaderFetchAnswer } from "./follower-fetch.js";

/** A log with leader epochs [epoch, startOffset] and a log end offset. */
function log(epochs: [number, number][], logEndOffset: number, logStartOffset = 0): FollowerLog {
  return {
    logStartOffset,
    logEndOffset,
    endOffsetForEpoch(epoch) {
      const i = epochs.findLastIndex(([e]) => e <= epoch);
      if (i < 0) return { epoch: -1, endOffset: -1 };
      return { epoch: epochs[i][0], endOffset: i + 1 < epochs.length ? epochs[i + 1][1] : logEndOffset };
    },
  };
}

const ok: LeaderFetchAnswer = {
  errorName: "NONE",
  fetchOffset: 10,
  highWatermark: 8,
  logStartOffset: 0,
  recordsBytes: 0,
};

test("records are appended; without records the HW follows the leader's up to the local log end", () => {
  assert.deepEqual(followerAction(log([[1, 0]], 10), { ...ok, recordsBytes: 100, highWatermark: 12 }), {
    kind: "append",
    highWatermark: 12,
  });
  assert.deepEqual(followerAction(log([[1, 0]], 10), { ...ok, highWatermark: 12 }), {
    kind: "advance",
    highWatermark: 10,
  });
});

test("a diverging epoch truncates to where both logs agree for that epoch", () => {
  // The follower wrote offsets 5..9 in epoch 2, which the leader never had; the leader ended epoch 1 at 7.
  const follower = log(
    [
      [1, 0],
      [2, 5],
    ],
    10,
  );
  assert.deepEqual(followerAction(follower, { ...ok, divergingEpoch: { epoch: 1, endOffset: 7 } }), {
    kind: "truncate",
    offset: 5,
  });
  assert.deepEqual(followerAction(log([[1, 0]], 10), { ...ok, divergingEpoch: { epoch: 1, endOffset: 7 } }), {
    kind: "truncate",
    offset: 7,
  });
});

test("out of range: below the leader's log start restarts there; beyond the leader's end truncates to its HW", () => {
  const answer = { ...ok, errorName: "OFFSET_OUT_OF_RANGE", fetchOffset: 3, logStartOffset: 20, highWatermark: 25 };
  assert.deepEqual(followerAction(log([], 3), answer), { kind: "truncateFully", offset: 20 });
  const ahead = { ...answer, fetchOffset: 30, logStartOffset: 0, highWatermark: 25 };
  assert.deepEqual(followerAction(log([], 30), ahead), { kind: "truncate", offset: 25 });
});

test("leadership errors back off until the metadata moves on", () => {
  for (const errorName of ["NOT_LEADER_OR_FOLLOWER", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH"]) {
    assert.deepEqual(followerAction(log([], 0), { ...ok, errorName }), { kind: "backoff", reason: errorName });
  }
});
