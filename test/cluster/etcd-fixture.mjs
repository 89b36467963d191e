// Shared set-up of the etcd metadata-store tests: one real etcd for the test file, stores opened under
// a key prefix of their own, and a polling wait for what the watches bring.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { EtcdConnection, EtcdMetadataStore } from "../../packages/metadata/dist/index.js";
import { startEtcd } from "./harness.mjs";

/**
 * Starts etcd before the file's tests and stops it after them; `openStore(nodeId)` connects a broker's
 * store under `/<name><now>/` and collects its reported errors.
 */
export function etcdFixture(name) {
  let etcd;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });
  const prefix = `/${name}${Date.now()}/`;
  return {
    async openStore(nodeId, sessionTimeoutMs = 2000) {
      const connection = await EtcdConnection.open([etcd.url], prefix);
      const errors = [];
      const store = await EtcdMetadataStore.connect({
        connection,
        registration: {
          nodeId,
          rack: null,
          listeners: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9000 + nodeId, securityProtocol: "PLAINTEXT" }],
        },
        sessionTimeoutMs,
        onError: (message, err) => errors.push(`${message}: ${err}`),
      });
      return { store, connection, errors };
    },
  };
}

/** Polls `predicate` every 50 ms until it holds, failing after `timeoutMs`. */
export async function until(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
