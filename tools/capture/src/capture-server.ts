/**
 * A TCP server that saves the first request frame of each API and version a client sends to
 * `<outDir>/<api>-v<version>.bin` (the frame without its size prefix: request header + body) and
 * answers through the Responder so the client goes on to its next request.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { ApiKey, apiByKey, decodeRequestHeader, encodeResponse, type ResponseByApiKey } from "@samsa/protocol";
import { FrameSplitter } from "./frames.js";
import { Responder } from "./responder.js";

/** Open connections at once (clients open a few each). */
const MAX_CONNECTIONS = 64;

/** "ApiVersions" -> "api-versions". */
export function fixtureApiName(apiName: string): string {
  return apiName.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

export function fixtureFileName(apiName: string, version: number, variant?: string): string {
  return `${fixtureApiName(apiName)}-v${version}${variant ? `-${variant}` : ""}.bin`;
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
  /** Bound on the fixture files one recording writes. */
  private static readonly MAX_SAVED = 256;
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

  private save(file: string, payload: Buffer, apiName: string, apiKey: number, version: number): void {
    if (this.saved.has(file) || this.saved.size >= CaptureServer.MAX_SAVED) return;
    writeFileSync(join(this.outDir, file), payload);
    this.saved.set(file, { apiKey, apiName, version, file });
  }

  /** Saves the frame if it is the first of its kind, then builds the framed response. */
  private handle(payload: Buffer): Buffer | undefined {
    const responder = this.responder;
    if (responder === undefined) throw new Error("request before record()");
    const apiKey = payload.readInt16BE(0);
    const version = payload.readInt16BE(2);
    const d = apiByKey(apiKey);
    if (d === undefined) throw new Error(`unknown API key ${apiKey}`);
    this.save(fixtureFileName(d.name, version), payload, d.name, apiKey, version);
    if (apiKey === ApiKey.ApiVersions && version > d.maxVersion) {
      // A client's ApiVersions newer than ours: answer v0 with UNSUPPORTED_VERSION so it retries lower.
      const correlationId = payload.readInt32BE(4);
      return Buffer.concat(encodeResponse(ApiKey.ApiVersions, 0, correlationId, responder.unsupportedApiVersions()));
    }
    const { header, body } = decodeRequestHeader(payload);
    const request = d.request.decode(body, version);
    if (body.remaining() !== 0) {
      // Kafka ignores bytes after a request body (librdkafka 2.15 sends some after Metadata v12);
      // keep one such frame per API and version as its own fixture.
      this.save(fixtureFileName(d.name, version, "trailing-bytes"), payload, d.name, apiKey, version);
    }
    if (apiKey === ApiKey.Produce && (request as { acks: number }).acks === 0) return undefined;
    const response = responder.respond(apiKey, version, request) as ResponseByApiKey[keyof ResponseByApiKey];
    return Buffer.concat(encodeResponse(apiKey as keyof ResponseByApiKey, version, header.correlationId, response));
  }
}
