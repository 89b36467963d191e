import type { MetadataStore } from "@samsa/metadata";
import type { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";
import { isSaslProtocol, isTlsProtocol } from "../config/listeners.js";
import type { ListenerSecurity } from "../network/server.js";
import { saslListenerSettings } from "./sasl-config.js";
import { tlsServerOptions } from "./tls-context.js";

/** TLS and SASL settings of every non-PLAINTEXT listener; a misconfigured one is a ConfigError at start-up. */
export function listenerSecurity(config: BrokerConfig, metadata: () => MetadataStore): Map<string, ListenerSecurity> {
  const out = new Map<string, ListenerSecurity>();
  const first = config.advertisedListeners[0];
  if (config.get("etcd.endpoints") !== null && first.securityProtocol !== "PLAINTEXT") {
    // Followers fetch from a leader's first advertised listener as plain clients.
    throw new ConfigError(
      `advertised.listeners: in cluster mode the first listener carries replication and must be PLAINTEXT, not ${first.securityProtocol} (${first.name})`,
    );
  }
  for (const l of config.listeners) {
    const tls = isTlsProtocol(l.securityProtocol) ? tlsServerOptions(config, l.name) : undefined;
    const sasl = isSaslProtocol(l.securityProtocol) ? saslListenerSettings(config, l.name, metadata) : undefined;
    if (tls !== undefined || sasl !== undefined) out.set(l.name, { tls, sasl });
  }
  return out;
}
