import type { BrokerIdentity, Endpoint } from "../handlers/handler.js";

/**
 * The endpoints clients on `listenerName` should use: Kafka answers Metadata with the brokers'
 * endpoints of the listener the request arrived on.
 */
export function endpointFor(identity: BrokerIdentity, listenerName: string): Endpoint | undefined {
  return identity.endpoints.find((e) => e.listenerName === listenerName) ?? identity.endpoints[0];
}
