import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from "node:tls";
import type { Logger } from "pino";
import type { Listener } from "../config/listeners.js";
import { SaslAuthenticator, type SaslListenerSettings } from "../security/sasl-authenticator.js";
import { certificatePrincipal } from "../security/tls-context.js";
import {
  ANONYMOUS_PRINCIPAL,
  Connection,
  type ConnectionInfo,
  type ConnectionLimits,
  type Dispatcher,
} from "./connection.js";
import { RequestBudget } from "./request-budget.js";

export interface BoundListener extends Listener {
  /** The port actually bound (differs from `port` when it was 0). */
  readonly boundPort: number;
}

/** TLS and SASL of one listener; a PLAINTEXT listener has neither. */
export interface ListenerSecurity {
  readonly tls?: TlsOptions;
  readonly sasl?: SaslListenerSettings;
}

export interface NetworkServerOptions {
  readonly listeners: readonly Listener[];
  readonly limits: ConnectionLimits;
  /**
   * Broker-wide bound on requests being processed (queued.max.requests, queued.max.request.bytes),
   * on top of the per-connection limits; absent: per-connection limits only.
   */
  readonly queue?: { readonly maxRequests: number; readonly maxBytes: number };
  /** max.connections across all listeners; new connections beyond it are closed at once. */
  readonly maxConnections: number;
  /** SO_SNDBUF/SO_RCVBUF are left to the OS: Node exposes no portable setter for server sockets. */
  readonly dispatch: Dispatcher;
  readonly log: Logger;
  /** By listener name; listeners not in it are PLAINTEXT. */
  readonly security?: ReadonlyMap<string, ListenerSecurity>;
}

/**
 * Requests one connection may have in processing at once. Kafka reads one at a time; more let a
 * producer pipeline: an acks=-1 request waits for its group-commit fsync, and 16 rather than 5 in
 * flight raised 1 KiB acks=-1 throughput from 645-673 k to 682-756 k msgs/s
 * (bench/optimisations-throughput.md). The per-connection byte bound and the broker-wide queue
 * bound keep memory bounded.
 */
export const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = 16;

/** One net.Server per listener and the set of live connections. */
export class NetworkServer {
  readonly #opts: NetworkServerOptions;
  readonly #servers: Server[] = [];
  readonly #connections = new Set<Connection>();
  readonly #budget: RequestBudget | undefined;
  #nextId = 1;
  #stopping = false;

  constructor(opts: NetworkServerOptions) {
    this.#opts = opts;
    this.#budget =
      opts.queue === undefined ? undefined : new RequestBudget(opts.queue.maxRequests, opts.queue.maxBytes);
  }

  /** Requests being processed broker-wide, and connections waiting for room (0 without a queue bound). */
  get queued(): { requests: number; bytes: number; waitingConnections: number } {
    const b = this.#budget;
    return { requests: b?.requests ?? 0, bytes: b?.bytes ?? 0, waitingConnections: b?.waiting ?? 0 };
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    for (const listener of this.#opts.listeners) {
      const security = this.#opts.security?.get(listener.name);
      const server =
        security?.tls === undefined
          ? createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.#accept(socket, listener, security))
          : this.#tlsServer(security.tls, listener, security);
      this.#servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: listener.host === "" ? undefined : listener.host, port: listener.port }, () => {
          server.off("error", reject);
          resolve();
        });
      });
      server.on("error", (err) =>
        this.#opts.log.error({ err: err.message, listener: listener.name }, "listener error"),
      );
      const address = server.address();
      const boundPort = typeof address === "object" && address !== null ? address.port : listener.port;
      bound.push({ ...listener, boundPort });
    }
    return bound;
  }

  #tlsServer(tls: TlsOptions, listener: Listener, security: ListenerSecurity): Server {
    const server = createTlsServer({ ...tls, noDelay: true }, (socket: TLSSocket) =>
      this.#accept(socket, listener, security, certificatePrincipal(socket) ?? ANONYMOUS_PRINCIPAL),
    );
    server.on("tlsClientError", (err, socket) =>
      this.#opts.log.debug(
        { listener: listener.name, remote: socket.remoteAddress, err: err.message },
        "TLS handshake failed",
      ),
    );
    // Sockets still in their TLS handshake are not connections yet: bound them too.
    server.maxConnections = this.#opts.maxConnections;
    return server;
  }

  #accept(
    socket: Socket,
    listener: Listener,
    security: ListenerSecurity | undefined,
    principal: string = ANONYMOUS_PRINCIPAL,
  ): void {
    if (this.#stopping || this.#connections.size >= this.#opts.maxConnections) {
      socket.destroy();
      return;
    }
    const info: ConnectionInfo = {
      id: this.#nextId++,
      listenerName: listener.name,
      securityProtocol: listener.securityProtocol,
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      principal,
    };
    let dispatch = this.#opts.dispatch;
    let limits = this.#opts.limits;
    let conn: Connection | undefined;
    if (security?.sasl !== undefined) {
      // Only SASL listeners pay for the gate; a PLAINTEXT connection dispatches straight to the router.
      const gate = new SaslAuthenticator(
        security.sasl,
        dispatch,
        () => void conn?.close(),
        (reason) => this.#opts.log.info({ conn: info.id, remote: info.remoteAddress, reason }, "failed authentication"),
        () => {
          conn?.setMaxFrameBytes(this.#opts.limits.maxFrameBytes);
          this.#opts.log.debug({ conn: info.id, principal: info.principal }, "authenticated");
        },
      );
      dispatch = gate.dispatch;
      // Until authenticated, a frame header can't make the broker allocate socket.request.max.bytes.
      limits = { ...limits, maxFrameBytes: Math.min(limits.maxFrameBytes, security.sasl.maxReceiveBytes) };
    }
    const directReads = security?.tls === undefined;
    conn = new Connection(socket, info, limits, dispatch, this.#opts.log, this.#budget, directReads);
    this.#connections.add(conn);
    void conn.closed.then(() => this.#connections.delete(conn));
  }

  /**
   * Stops accepting connections and reading requests, runs `beforeDrain` (e.g. answer parked
   * long polls), lets in-flight requests answer (up to timeoutMs), then closes everything.
   */
  async stop(timeoutMs: number, beforeDrain: () => void = () => {}): Promise<void> {
    this.#stopping = true;
    const closing = this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    const graceful = Promise.all([...this.#connections].map((c) => c.close()));
    beforeDrain();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    for (const c of this.#connections) c.destroy("shutdown");
    await Promise.all(closing);
  }
}
