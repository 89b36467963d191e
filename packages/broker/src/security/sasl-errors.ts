import { SamsaError } from "@samsa/common";

/**
 * Authentication failed with a message the client may see (Kafka's SaslAuthenticationException):
 * answered with SASL_AUTHENTICATION_FAILED and this message, then the connection closes.
 */
export class SaslAuthenticationError extends SamsaError {
  constructor(message: string) {
    super("SASL_AUTHENTICATION_FAILED", message);
  }
}

/**
 * The exchange failed for a reason not shown to the client (Kafka's SaslException): the client gets
 * Kafka's generic "invalid credentials" message.
 */
export class SaslExchangeError extends SamsaError {
  constructor(message: string) {
    super("SASL_EXCHANGE_FAILED", message);
  }
}

/** One server side of a SASL mechanism for one connection. */
export interface SaslServer {
  readonly mechanism: string;
  /** Takes the client's token and returns the challenge or final message (may be empty). */
  evaluate(token: Buffer): Buffer;
  /** True once the client is authenticated. */
  readonly complete: boolean;
  /** The authenticated user; valid once complete. */
  readonly authorizationId: string;
}
