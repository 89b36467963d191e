/**
 * A TCP server that saves the first request frame of each API and version a client sends to
 * `<outDir>/<api>-v<version>.bin` (the frame without its size prefix: request header + body) and
 * answers through the Responder so the client goes on to its next request.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { decodeRequestHeader, encodeResponseHeader, Reader, Writer } from "@samsa/protocol";
import { FrameSplitter, frame } from "./frames.js";
import { apiDescriptor, requestHeaderVersion, responseHeaderVersion } from "./headers.js";
import { Responder } from "./responder.js";

/** Open connections at once (clients open a few each). */
const MAX_CONNECTIONS = 64;

/** "ApiVersions" -> "api-versions". */
export function fixtureApiName(apiName: string): string {
  return apiName.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

export function fixtureFileName(apiName: string, version: number): string {
  return `${fixtureApiName(apiName)}-v${version}.bin`;
}

export interface CapturedFrame {
  apiKey: number;
  apiName: string;
  version: number;
  file: string;
}

export class CaptureServer {
  private readonly server: Server;
  private responder: Responder | undefined;
  private outDir = "";
  private readonly saved = new Map<string, CapturedFrame>();
  private readonly sockets = new Set<Socket>();
  /** Errors seen while answering (a codec that cannot decode what a client sent is worth knowing). */
  readonly errors: string[] = [];

  constructor(private readonly host = "127.0.0.1") {
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = MAX_CONNECTIONS;
  }

  /** Listens on `port` (0: any free port); resolves with the bound port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, this.host, () => {
        const address = this.server.address();
        if (address === null || typeof address === "string") throw new Error("no TCP address");
        resolve(address.port);
      });
    });
  }

  /** Starts a new recording: frames go to `outDir`; the first of each API/version is kept. */
  record(outDir: string, defaultTopic: string): void {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("listen first");
    mkdirSync(outDir, { recursive: true });
    this.outDir = outDir;
    this.saved.clear();
    this.responder = new Responder({ nodeId: 1, host: this.host, port: address.port, defaultTopic });
  }

  /** What the current recording saved, by file name. */
  captured(): CapturedFrame[] {
    return [...this.saved.values()];
  }

  /** Drops every client connection (between recordings) without closing the listener. */
  disconnectAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.disconnectAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const splitter = new FrameSplitter();
    socket.on("data", (chunk) => {
      try {
        for (const payload of splitter.push(chunk)) {
          const response = this.handle(payload);
          if (response !== undefined) socket.write(response);
        }
      } catch (e) {
        this.errors.push(e instanceof Error ? e.message : String(e));
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** Saves the frame if it is the first of its kind, then builds the framed response. */
  private handle(payload: Buffer): Buffer | undefined {
    const responder = this.responder;
    if (responder === undefined) throw new Error("request before record()");
    const apiKey = payload.readInt16BE(0);
    const version = payload.readInt16BE(2);
    const d = apiDescriptor(apiKey);
    if (d === undefined) throw new Error(`unknown API key ${apiKey}`);
    const name = fixtureFileName(d.name, version);
    if (!this.saved.has(name)) {
      writeFileSync(join(this.outDir, name), payload);
      this.saved.set(name, { apiKey, apiName: d.name, version, file: name });
    }
    if (apiKey === 18 && version > d.maxVersion) {
      // A client's ApiVersions newer than ours: answer v0 with UNSUPPORTED_VERSION so it retries lower.
      const correlationId = payload.readInt32BE(4);
      return this.encode(d.response.encode, 0, 0, correlationId, responder.unsupportedApiVersions());
    }
    const r = new Reader(payload);
    const header = decodeRequestHeader(r, requestHeaderVersion(d, version));
    const request = d.request.decode(r, version);
    if (r.remaining() !== 0) throw new Error(`${d.name} v${version}: ${r.remaining()} bytes left after decoding`);
    if (d.apiKey === 0 && (request as { acks: number }).acks === 0) return undefined;
    const body = responder.respond(apiKey, version, request);
    return this.encode(d.response.encode, version, responseHeaderVersion(d, version), header.correlationId, body);
  }

  private encode(
    encodeBody: (w: Writer, m: unknown, v: number) => void,
    version: number,
    headerVersion: number,
    correlationId: number,
    body: unknown,
  ): Buffer {
    const w = new Writer();
    encodeResponseHeader(w, { correlationId }, headerVersion);
    encodeBody(w, body, version);
    return frame(w.toBuffer());
  }
}
