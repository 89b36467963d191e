import { ConfigError } from "./config-error.js";

export interface Listener {
  readonly name: string;
  /** Empty means all interfaces. */
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

/** Protocols this broker serves; the others are refused at start-up rather than half-working. */
export const SUPPORTED_SECURITY_PROTOCOLS: readonly string[] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

export function isSaslProtocol(securityProtocol: string): boolean {
  return securityProtocol === "SASL_PLAINTEXT" || securityProtocol === "SASL_SSL";
}

export function isTlsProtocol(securityProtocol: string): boolean {
  return securityProtocol === "SSL" || securityProtocol === "SASL_SSL";
}

const LISTENER = /^([A-Za-z0-9_]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d+)$/;

/** Parses Kafka's `NAME://host:port,...` listener lists. */
export function parseListeners(value: string, protocolMap: ReadonlyMap<string, string>, key: string): Listener[] {
  const out: Listener[] = [];
  for (const raw of value.split(",")) {
    const s = raw.trim();
    if (s === "") continue;
    const m = LISTENER.exec(s);
    if (m === null) throw new ConfigError(`${key}: '${s}' is not a listener of the form NAME://host:port`);
    const name = m[1].toUpperCase();
    const host = m[2].startsWith("[") ? m[2].slice(1, -1) : m[2];
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${key}: port ${port} of ${s} is out of range`);
    const securityProtocol = protocolMap.get(name);
    if (securityProtocol === undefined) {
      throw new ConfigError(
        `${key}: no security protocol is defined for listener ${name} in listener.security.protocol.map`,
      );
    }
    if (!SUPPORTED_SECURITY_PROTOCOLS.includes(securityProtocol)) {
      throw new ConfigError(
        `${key}: security protocol ${securityProtocol} of listener ${name} is not supported (${SUPPORTED_SECURITY_PROTOCOLS.join(", ")})`,
      );
    }
    if (out.some((l) => l.name === name)) throw new ConfigError(`${key}: listener name ${name} appears more than once`);
    out.push({ name, host, port, securityProtocol });
  }
  if (out.length === 0) throw new ConfigError(`${key}: at least one listener is required`);
  return out;
}

export function formatListener(l: Listener): string {
  const host = l.host.includes(":") ? `[${l.host}]` : l.host;
  return `${l.name}://${host}:${l.port}`;
}
