import {
  apiByKey,
  decodeRequestHeader,
  ErrorCode,
  encodeResponse,
  type RequestByApiKey,
  type RequestHeader,
} from "@samsa/protocol";
import type { ConnectionInfo, Dispatcher } from "../network/connection.js";
import { SaslAuthenticationError, type SaslServer } from "./sasl-errors.js";

const SASL_HANDSHAKE = 17;
const API_VERSIONS = 18;
const SASL_AUTHENTICATE = 36;
const HANDSHAKE_MAX_VERSION = 1;
const AUTHENTICATE_MAX_VERSION = 2;

/** What one SASL listener offers. */
export interface SaslListenerSettings {
  /** sasl.enabled.mechanisms, in the listener's order. */
  readonly mechanisms: readonly string[];
  /** A fresh server side of an enabled mechanism for one exchange. */
  readonly newServer: (mechanism: string) => SaslServer;
  /** sasl.server.max.receive.size: a larger frame before authentication closes the connection. */
  readonly maxReceiveBytes: number;
  /** connection.failed.authentication.delay.ms: how long a failure answer is held back. */
  readonly failedAuthenticationDelayMs: number;
}

/** Thrown to close the connection, as Kafka's authenticator does on a protocol violation. */
export class SaslStateError extends Error {
  readonly code = "ILLEGAL_SASL_STATE";
}

/**
 * Kafka's SaslServerAuthenticator states: ApiVersions and SaslHandshake first, then SaslAuthenticate
 * requests (handshake v1) or raw size-prefixed SASL tokens (handshake v0), then the Kafka protocol.
 */
type State = "handshakeOrVersions" | "handshake" | "rawTokens" | "authenticate" | "complete" | "failed";

function sizePrefixed(token: Buffer): Buffer[] {
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(token.length, 0);
  return [size, token];
}

/**
 * The SASL gate of one connection on a SASL listener. Until the client has authenticated, only
 * ApiVersions, SaslHandshake and SaslAuthenticate are served; anything else closes the connection.
 * Then the principal is set on the connection and every frame goes to the broker's dispatcher.
 */
export class SaslAuthenticator {
  readonly #settings: SaslListenerSettings;
  readonly #inner: Dispatcher;
  readonly #close: () => void;
  readonly #onFailure: (reason: string) => void;
  readonly #onAuthenticated: () => void;
  #state: State = "handshakeOrVersions";
  #server: SaslServer | undefined;

  /**
   * `onFailure` hears the real reason of a failed authentication (the client may get a generic one);
   * `onAuthenticated` runs once the client is authenticated, before the next frame is read.
   */
  constructor(
    settings: SaslListenerSettings,
    inner: Dispatcher,
    close: () => void,
    onFailure: (reason: string) => void = () => {},
    onAuthenticated: () => void = () => {},
  ) {
    this.#settings = settings;
    this.#inner = inner;
    this.#close = close;
    this.#onFailure = onFailure;
    this.#onAuthenticated = onAuthenticated;
  }

  get authenticated(): boolean {
    return this.#state === "complete";
  }

  readonly dispatch: Dispatcher = (frame, conn) => {
    if (this.#state === "complete") return this.#inner(frame, conn);
    if (this.#state === "failed") return null;
    if (frame.length > this.#settings.maxReceiveBytes) {
      return this.#violation(`SASL frame of ${frame.length} bytes exceeds sasl.server.max.receive.size`);
    }
    if (this.#state === "rawTokens") return this.#rawToken(frame, conn);
    const { header, body } = decodeRequestHeader(frame);
    const apiKey = header.requestApiKey;
    const version = header.requestApiVersion;
    if (this.#state === "authenticate") {
      if (apiKey !== SASL_AUTHENTICATE)
        return this.#violation(`Unexpected Kafka request of type ${apiKey} during SASL authentication.`);
      if (version < 0 || version > AUTHENTICATE_MAX_VERSION)
        return this.#violation(`Version ${version} is not supported for SaslAuthenticate`);
      const request = apiByKey(SASL_AUTHENTICATE)!.request.decode(body, version) as RequestByApiKey[36];
      return this.#authenticate(request.authBytes, header, conn);
    }
    if (apiKey === API_VERSIONS) {
      if (this.#state !== "handshakeOrVersions")
        return this.#violation("Unexpected ApiVersions request received during SASL authentication");
      this.#state = "handshake";
      return this.#inner(frame, conn);
    }
    if (apiKey !== SASL_HANDSHAKE)
      return this.#violation(`Unexpected Kafka request of type ${apiKey} during SASL handshake.`);
    if (version < 0 || version > HANDSHAKE_MAX_VERSION)
      return this.#violation(`Version ${version} is not supported for SaslHandshake`);
    const request = apiByKey(SASL_HANDSHAKE)!.request.decode(body, version) as RequestByApiKey[17];
    return this.#handshake(request.mechanism, header);
  };

  #violation(message: string): never {
    this.#state = "failed";
    this.#onFailure(message);
    throw new SaslStateError(message);
  }

  #handshake(mechanism: string, header: RequestHeader): Buffer[] | Promise<Buffer[]> {
    const mechanisms = [...this.#settings.mechanisms];
    const respond = (errorCode: number): Buffer[] =>
      encodeResponse(SASL_HANDSHAKE, header.requestApiVersion, header.correlationId, { errorCode, mechanisms });
    if (!mechanisms.includes(mechanism)) {
      this.#onFailure(`Unsupported SASL mechanism ${mechanism}`);
      return this.#fail(respond(ErrorCode.UNSUPPORTED_SASL_MECHANISM));
    }
    this.#server = this.#settings.newServer(mechanism);
    this.#state = header.requestApiVersion >= 1 ? "authenticate" : "rawTokens";
    return respond(ErrorCode.NONE);
  }

  /** Answers, then closes the connection once the answer is written (after Kafka's failure delay). */
  #fail(response: Buffer[]): Promise<Buffer[]> {
    this.#state = "failed";
    this.#close();
    const delayMs = this.#settings.failedAuthenticationDelayMs;
    return new Promise((resolve) => setTimeout(() => resolve(response), delayMs));
  }

  #authenticate(token: Buffer, header: RequestHeader, conn: ConnectionInfo): Buffer[] | Promise<Buffer[]> {
    const server = this.#server!;
    const version = header.requestApiVersion;
    const respond = (errorCode: number, errorMessage: string | null, authBytes: Buffer): Buffer[] =>
      encodeResponse(SASL_AUTHENTICATE, version, header.correlationId, {
        errorCode,
        errorMessage,
        authBytes,
        // connections.max.reauth.ms is 0: the session never expires, so no re-authentication.
        sessionLifetimeMs: 0n,
      });
    let challenge: Buffer;
    try {
      challenge = server.evaluate(token);
    } catch (e) {
      this.#onFailure(`${server.mechanism}: ${(e as Error).message}`);
      const message =
        e instanceof SaslAuthenticationError
          ? e.message
          : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${server.mechanism}`;
      return this.#fail(respond(ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0)));
    }
    if (server.complete) this.#authenticated(conn, server);
    return respond(ErrorCode.NONE, null, challenge);
  }

  /** Handshake v0: the client sends bare SASL tokens and gets bare tokens back; a failure just closes. */
  #rawToken(token: Buffer, conn: ConnectionInfo): Buffer[] {
    const server = this.#server!;
    let challenge: Buffer;
    try {
      challenge = server.evaluate(token);
    } catch (e) {
      return this.#violation(`SASL authentication failed: ${(e as Error).message}`);
    }
    if (server.complete) this.#authenticated(conn, server);
    return sizePrefixed(challenge);
  }

  #authenticated(conn: ConnectionInfo, server: SaslServer): void {
    this.#state = "complete";
    conn.principal = `User:${server.authorizationId}`;
    this.#onAuthenticated();
  }
}
