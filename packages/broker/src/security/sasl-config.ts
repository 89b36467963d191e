import { type MetadataStore, scramCredentialsOf } from "@samsa/metadata";
import type { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";
import type { SaslListenerSettings } from "./sasl-authenticator.js";
import { parseJaasConfig, plainUsersOf } from "./sasl-jaas.js";
import { PlainServer } from "./sasl-plain.js";
import { scramMechanismByName } from "./scram-mechanism.js";
import { ScramServer } from "./scram-server.js";

export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

/** The JAAS config of a listener's mechanism, looked up as Kafka does (listener and mechanism prefixed first). */
function jaasConfig(config: BrokerConfig, listenerName: string, mechanism: string): string | null {
  return (
    config.listenerValue(listenerName, `${mechanism.toLowerCase()}.sasl.jaas.config`) ??
    config.listenerValue(listenerName, "sasl.jaas.config")
  );
}

/**
 * What a SASL listener offers: its enabled mechanisms, PLAIN users from its JAAS config, SCRAM
 * credentials from the cluster metadata (read at each authentication, so changes apply at once).
 * Refuses at start-up what the listener could not serve.
 */
export function saslListenerSettings(
  config: BrokerConfig,
  listenerName: string,
  metadata: () => MetadataStore,
): SaslListenerSettings {
  const mechanisms = (config.listenerValue(listenerName, "sasl.enabled.mechanisms") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (mechanisms.length === 0) throw new ConfigError(`sasl.enabled.mechanisms: listener ${listenerName} has none`);
  for (const m of mechanisms) {
    if (!SUPPORTED_SASL_MECHANISMS.includes(m)) {
      throw new ConfigError(
        `sasl.enabled.mechanisms: ${m} of listener ${listenerName} is not supported (${SUPPORTED_SASL_MECHANISMS.join(", ")})`,
      );
    }
  }
  let plainUsers: ReadonlyMap<string, string> = new Map();
  if (mechanisms.includes("PLAIN")) {
    const jaas = jaasConfig(config, listenerName, "PLAIN");
    if (jaas === null) {
      throw new ConfigError(
        `listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config: PLAIN on listener ${listenerName} needs a JAAS config with user_<name>="<password>" entries`,
      );
    }
    plainUsers = plainUsersOf(parseJaasConfig(jaas, "sasl.jaas.config"));
  }
  const lookup = (user: string, mechanism: string) => scramCredentialsOf(metadata().image).get(user)?.[mechanism];
  return {
    mechanisms,
    newServer: (mechanism) => {
      const scram = scramMechanismByName(mechanism);
      return scram === undefined ? new PlainServer(plainUsers) : new ScramServer(scram, lookup);
    },
    maxReceiveBytes: config.int("sasl.server.max.receive.size"),
    failedAuthenticationDelayMs: config.int("connection.failed.authentication.delay.ms"),
  };
}
