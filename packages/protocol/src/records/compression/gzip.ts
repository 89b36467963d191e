import { promisify } from "node:util";
import zlib from "node:zlib";
import type { CompressionCodec } from "./codec.js";
import { asMalformed, tooLarge } from "./errors.js";

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

/** Kafka's default gzip level is zlib's default (6). */
const GZIP_LEVEL = 6;

function translate(error: unknown, maxBytes: number): Error {
  if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return tooLarge("gzip", maxBytes);
  return asMalformed("gzip", error);
}

export const gzipCodec: CompressionCodec = {
  name: "gzip",
  compress: (data) => gzipAsync(data, { level: GZIP_LEVEL }),
  compressSync: (data) => zlib.gzipSync(data, { level: GZIP_LEVEL }),
  async decompress(data, maxBytes) {
    try {
      return await gunzipAsync(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      throw translate(error, maxBytes);
    }
  },
  decompressSync(data, maxBytes) {
    try {
      return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      throw translate(error, maxBytes);
    }
  },
};
