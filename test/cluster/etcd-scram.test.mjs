// SCRAM credentials in the etcd metadata backend: a credential one broker writes reaches the others by
// the watch and survives a fresh connection; two brokers altering different users at once both land
// (compare-and-swap on the credentials key, the loser retries on fresh state).
import assert from "node:assert/strict";
import { test } from "node:test";
import { alterScramCredentials, scramCredentialsOf } from "../../packages/metadata/dist/index.js";
import { etcdFixture, until } from "./etcd-fixture.mjs";

const { openStore } = etcdFixture("scram");

const credential = (n) => ({
  salt: `c2FsdA${n}`,
  storedKey: `c3RvcmVk${n}`,
  serverKey: `c2VydmVy${n}`,
  iterations: 4096 + n,
});

test("etcd store: SCRAM credentials are shared, survive reconnects, and concurrent alters both land", async () => {
  const a = await openStore(1);
  const b = await openStore(2);
  try {
    const put = (store, user, n) =>
      store.apply((image) =>
        alterScramCredentials(image, [{ user, mechanism: "SCRAM-SHA-256", credential: credential(n) }]),
      );
    assert.equal((await put(a.store, "alice", 1)).ok, true);
    await until(() => scramCredentialsOf(b.store.image).has("alice"), "b to see alice");
    assert.deepEqual(scramCredentialsOf(b.store.image).get("alice"), { "SCRAM-SHA-256": credential(1) });

    const [ra, rb] = await Promise.all([put(a.store, "bob", 2), put(b.store, "carol", 3)]);
    assert.equal(ra.ok && rb.ok, true);
    await until(
      () => scramCredentialsOf(a.store.image).size === 3 && scramCredentialsOf(b.store.image).size === 3,
      "both to see three users",
    );

    const deleted = await b.store.apply((image) =>
      alterScramCredentials(image, [{ user: "alice", mechanism: "SCRAM-SHA-256", credential: null }]),
    );
    assert.equal(deleted.ok, true);
    await until(() => !scramCredentialsOf(a.store.image).has("alice"), "a to see alice deleted");

    const c = await openStore(3);
    try {
      assert.deepEqual([...scramCredentialsOf(c.store.image).keys()].sort(), ["bob", "carol"]);
      assert.deepEqual(scramCredentialsOf(c.store.image).get("carol"), { "SCRAM-SHA-256": credential(3) });
    } finally {
      await c.store.close();
    }
    assert.deepEqual([...a.errors, ...b.errors], []);
  } finally {
    await a.store.close();
    await b.store.close();
  }
});
