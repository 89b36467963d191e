/**
 * A record compression codec. Decompression always takes a bound: output beyond `maxBytes`
 * fails with TOO_LARGE before it is allocated, so a small malicious batch cannot inflate into
 * gigabytes. Corrupt input fails with MALFORMED. The async variants run off the event loop where
 * the library supports it (gzip: libuv pool; snappy, lz4: napi-rs async tasks); zstd-napi has no
 * async API, so its async variants run on the calling thread.
 */
export interface CompressionCodec {
  readonly name: string;
  compress(data: Buffer): Promise<Buffer>;
  compressSync(data: Buffer): Buffer;
  decompress(data: Buffer, maxBytes: number): Promise<Buffer>;
  decompressSync(data: Buffer, maxBytes: number): Buffer;
}
