import { connect, type Socket } from "node:net";
import { decodeResponse, encodeRequest, type RequestByApiKey, type ResponseByApiKey } from "@samsa/protocol";

/**
 * A minimal Kafka client for tests: one socket, requests encoded with the generated codec, responses
 * matched in order. Not for production use (no timeouts beyond the test's own).
 */
export class TestClient {
  readonly #socket: Socket;
  #buf = Buffer.alloc(0);
  #waiters: ((frame: Buffer | null) => void)[] = [];
  #frames: Buffer[] = [];
  #closed = false;
  #nextCorrelationId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      while (this.#buf.length >= 4 && this.#buf.length >= 4 + this.#buf.readInt32BE(0)) {
        const size = this.#buf.readInt32BE(0);
        this.#deliver(this.#buf.subarray(4, 4 + size));
        this.#buf = this.#buf.subarray(4 + size);
      }
    });
    socket.on("close", () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(null);
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new TestClient(s)));
      s.once("error", reject);
    });
  }

  #deliver(frame: Buffer): void {
    const w = this.#waiters.shift();
    if (w !== undefined) w(frame);
    else this.#frames.push(frame);
  }

  /** The next response frame (without size), or null when the connection closed. */
  nextFrame(): Promise<Buffer | null> {
    const f = this.#frames.shift();
    if (f !== undefined) return Promise.resolve(f);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves true once the broker closed the connection. */
  async closedByBroker(): Promise<boolean> {
    for (;;) {
      const f = await this.nextFrame();
      if (f === null) return true;
    }
  }

  writeRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  encode<K extends keyof RequestByApiKey>(
    apiKey: K,
    version: number,
    body: RequestByApiKey[K],
    correlationId = this.#nextCorrelationId++,
  ): Buffer {
    return Buffer.concat(encodeRequest(apiKey, version, correlationId, "samsa-test", body));
  }

  async send<K extends keyof RequestByApiKey & keyof ResponseByApiKey>(
    apiKey: K,
    version: number,
    body: RequestByApiKey[K],
  ): Promise<ResponseByApiKey[K]> {
    const correlationId = this.#nextCorrelationId++;
    this.writeRaw(this.encode(apiKey, version, body, correlationId));
    const frame = await this.nextFrame();
    if (frame === null) throw new Error("connection closed by broker");
    const r = decodeResponse(apiKey, version, frame);
    if (r.correlationId !== correlationId)
      throw new Error(`correlation id ${r.correlationId}, expected ${correlationId}`);
    return r.body;
  }

  close(): void {
    this.#socket.destroy();
  }
}
