// Asks a running broker which API versions it serves (ApiVersions v0, which every broker answers)
// and renders the table for COMPATIBILITY.md: every API key in Kafka's protocol specs, with the
// versions Samsa advertises beside the versions the specs define.
import { createConnection } from "node:net";
import { API_KEYS, decodeResponse, encodeRequest } from "@samsa/protocol";

const API_VERSIONS_KEY = 18;
const TIMEOUT_MS = 10_000;
/** An ApiVersions answer lists at most a few hundred keys; anything larger is not one. */
const MAX_RESPONSE_BYTES = 1 << 20;

/** Resolves with `[{ apiKey, minVersion, maxVersion }]` from the broker at host:port. */
export function queryApiVersions(host, port) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no ApiVersions answer within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    let buffered = Buffer.alloc(0);
    socket.on("connect", () => {
      const frame = encodeRequest(API_VERSIONS_KEY, 0, 1, "samsa-compat", {
        clientSoftwareName: "",
        clientSoftwareVersion: "",
      });
      socket.write(Buffer.concat(frame));
    });
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const size = buffered.readInt32BE(0);
      if (size < 0 || size > MAX_RESPONSE_BYTES) {
        socket.destroy(new Error(`ApiVersions response of ${size} bytes`));
        return;
      }
      if (buffered.length < 4 + size) return;
      clearTimeout(timer);
      socket.end();
      try {
        const { body } = decodeResponse(API_VERSIONS_KEY, 0, buffered.subarray(4, 4 + size));
        if (body.errorCode !== 0) throw new Error(`ApiVersions error code ${body.errorCode}`);
        resolve(body.apiKeys.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })));
      } catch (e) {
        reject(e);
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Markdown table: one row per API key of the specs, Samsa's advertised range or "not implemented". */
export function apiVersionsTable(served) {
  const byKey = new Map(served.map((a) => [a.apiKey, a]));
  const rows = ["| key | API | Samsa | Kafka specs | Kafka serves it to |", "| --: | --- | --- | --- | --- |"];
  const keys = [...API_KEYS].sort((a, b) => a.apiKey - b.apiKey);
  for (const api of keys) {
    const s = byKey.get(api.apiKey);
    const samsa = s ? `${s.minVersion}-${s.maxVersion}` : "not implemented";
    // "broker" means clients; "controller" and "zkBroker" alone mean inter-broker or KRaft traffic.
    const listeners = api.listeners.includes("broker") ? "clients" : api.listeners.join(", ");
    rows.push(`| ${api.apiKey} | ${api.name} | ${samsa} | ${api.minVersion}-${api.maxVersion} | ${listeners} |`);
  }
  for (const s of served) {
    if (!keys.some((k) => k.apiKey === s.apiKey))
      rows.push(`| ${s.apiKey} | (not in the specs) | ${s.minVersion}-${s.maxVersion} | - | - |`);
  }
  return rows.join("\n");
}
