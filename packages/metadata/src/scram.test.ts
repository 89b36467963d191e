import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyImage } from "./image.js";
import { alterScramCredentials, MAX_SCRAM_USERS, scramCredentialsOf } from "./scram.js";
import { decodeSnapshot, encodeSnapshot, MetadataCorruptError } from "./snapshot.js";

const cred = (n: number) => ({ salt: `s${n}`, storedKey: `k${n}`, serverKey: `v${n}`, iterations: 4096 + n });
const base = emptyImage("cluster", 1, []);

test("SCRAM credentials: upsert, per-user missing deletions left out, persisted in the snapshot", () => {
  const r1 = alterScramCredentials(base, [
    { user: "alice", mechanism: "SCRAM-SHA-256", credential: cred(1) },
    { user: "alice", mechanism: "SCRAM-SHA-512", credential: cred(2) },
    { user: "bob", mechanism: "SCRAM-SHA-256", credential: cred(3) },
  ]);
  assert.ok(r1.ok);
  assert.equal(r1.image.changeCount, 1);
  const r2 = alterScramCredentials(r1.image, [
    { user: "alice", mechanism: "SCRAM-SHA-512", credential: null },
    { user: "bob", mechanism: "SCRAM-SHA-512", credential: null },
    { user: "bob", mechanism: "SCRAM-SHA-256", credential: cred(9) },
  ]);
  assert.ok(r2.ok);
  assert.deepEqual([...r2.value], ["bob"], "bob had no SCRAM-SHA-512: none of bob's changes apply");
  const creds = scramCredentialsOf(r2.image);
  assert.deepEqual(creds.get("alice"), { "SCRAM-SHA-256": cred(1) });
  assert.deepEqual(creds.get("bob"), { "SCRAM-SHA-256": cred(3) });
  const r3 = alterScramCredentials(r2.image, [{ user: "alice", mechanism: "SCRAM-SHA-256", credential: null }]);
  assert.ok(r3.ok);
  assert.equal(scramCredentialsOf(r3.image).has("alice"), false, "a user without credentials is gone");

  const restored = decodeSnapshot(encodeSnapshot(r2.image), base);
  assert.deepEqual(restored.scramCredentials, creds);
  assert.equal(scramCredentialsOf(decodeSnapshot(encodeSnapshot(base), base)).size, 0);
});

test("SCRAM credentials: a corrupt snapshot entry is refused; the user count is bounded", () => {
  const text = encodeSnapshot(base).replace(/\}\n$/, ',"scram":{"u":{"SCRAM-SHA-256":{"salt":1}}}}\n');
  assert.throws(() => decodeSnapshot(text, base), MetadataCorruptError);
  let image = base;
  const ops = Array.from({ length: MAX_SCRAM_USERS }, (_, i) => ({
    user: `u${i}`,
    mechanism: "SCRAM-SHA-256",
    credential: cred(i),
  }));
  const full = alterScramCredentials(image, ops);
  assert.ok(full.ok);
  image = full.image;
  const over = alterScramCredentials(image, [{ user: "one-more", mechanism: "SCRAM-SHA-256", credential: cred(0) }]);
  assert.equal(over.ok, false);
});
