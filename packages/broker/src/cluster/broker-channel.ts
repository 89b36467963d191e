import { connect, type Socket } from "node:net";
import { decodeResponse, encodeRequest, type RequestByApiKey, type ResponseByApiKey } from "@samsa/protocol";
import { SamsaError } from "@samsa/common";

export class BrokerChannelError extends SamsaError {
  constructor(message: string) {
    super("BROKER_CHANNEL_FAILED", message);
  }
}

/** Largest response frame accepted from another broker. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * One connection from this broker to another (Kafka's NetworkClient for inter-broker requests):
 * one request at a time, each with a timeout; any failure closes the socket and the next request
 * reconnects.
 */
export class BrokerChannel {
  readonly #clientId: string;
  #host: string;
  #port: number;
  #socket: Socket | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #pending: { resolve: (frame: Buffer) => void; reject: (e: Error) => void } | undefined;
  #correlationId = 0;

  constructor(host: string, port: number, clientId: string) {
    this.#host = host;
    this.#port = port;
    this.#clientId = clientId;
  }

  /** Points the channel at a new address (the broker re-registered elsewhere). */
  retarget(host: string, port: number): void {
    if (host === this.#host && port === this.#port) return;
    this.#host = host;
    this.#port = port;
    this.close();
  }

  async send<K extends keyof RequestByApiKey & keyof ResponseByApiKey>(
    apiKey: K,
    version: number,
    body: RequestByApiKey[K],
    timeoutMs: number,
  ): Promise<ResponseByApiKey[K]> {
    if (this.#pending !== undefined) throw new BrokerChannelError("a request is already in flight");
    const socket = this.#socket ?? (await this.#connect(timeoutMs));
    const correlationId = ++this.#correlationId;
    const request = Buffer.concat(encodeRequest(apiKey, version, correlationId, this.#clientId, body));
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new BrokerChannelError(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      socket.write(request);
    });
    const r = decodeResponse(apiKey, version, frame);
    if (r.correlationId !== correlationId) {
      this.close();
      throw new BrokerChannelError(`correlation id ${r.correlationId}, expected ${correlationId}`);
    }
    return r.body;
  }

  close(): void {
    this.#fail(new BrokerChannelError("channel closed"));
  }

  #connect(timeoutMs: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.#host, port: this.#port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new BrokerChannelError(`connecting to ${this.#host}:${this.#port} timed out`));
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        this.#socket = s;
        this.#buf = Buffer.alloc(0);
        resolve(s);
      });
      s.on("error", (e) => {
        clearTimeout(timer);
        if (this.#socket === s) this.#fail(e);
        else reject(e);
      });
      s.on("close", () => {
        if (this.#socket === s) this.#fail(new BrokerChannelError("connection closed"));
      });
      s.on("data", (d: Buffer) => this.#onData(s, d));
    });
  }

  #onData(s: Socket, d: Buffer): void {
    if (s !== this.#socket) return;
    this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
    if (this.#buf.length < 4) return;
    const size = this.#buf.readInt32BE(0);
    if (size < 0 || size > MAX_FRAME_BYTES) {
      this.#fail(new BrokerChannelError(`response frame of ${size} bytes`));
      return;
    }
    if (this.#buf.length < 4 + size) return;
    const frame = this.#buf.subarray(4, 4 + size);
    this.#buf = this.#buf.subarray(4 + size);
    const p = this.#pending;
    this.#pending = undefined;
    p?.resolve(frame);
  }

  #fail(e: Error): void {
    const s = this.#socket;
    this.#socket = undefined;
    s?.destroy();
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(e);
  }
}
