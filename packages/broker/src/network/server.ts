import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import type { Listener } from "../config/listeners.js";
import {
  ANONYMOUS_PRINCIPAL,
  Connection,
  type ConnectionInfo,
  type ConnectionLimits,
  type Dispatcher,
} from "./connection.js";

export interface BoundListener extends Listener {
  /** The port actually bound (differs from `port` when it was 0). */
  readonly boundPort: number;
}

export interface NetworkServerOptions {
  readonly listeners: readonly Listener[];
  readonly limits: ConnectionLimits;
  /** max.connections across all listeners; new connections beyond it are closed at once. */
  readonly maxConnections: number;
  /** SO_SNDBUF/SO_RCVBUF are left to the OS: Node exposes no portable setter for server sockets. */
  readonly dispatch: Dispatcher;
  readonly log: Logger;
}

/** One net.Server per listener and the set of live connections. */
export class NetworkServer {
  readonly #opts: NetworkServerOptions;
  readonly #servers: Server[] = [];
  readonly #connections = new Set<Connection>();
  #nextId = 1;
  #stopping = false;

  constructor(opts: NetworkServerOptions) {
    this.#opts = opts;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    for (const listener of this.#opts.listeners) {
      const server = createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.#accept(socket, listener));
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

  #accept(socket: Socket, listener: Listener): void {
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
      principal: ANONYMOUS_PRINCIPAL,
    };
    const conn = new Connection(socket, info, this.#opts.limits, this.#opts.dispatch, this.#opts.log);
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
