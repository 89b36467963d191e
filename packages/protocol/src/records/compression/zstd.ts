/**
 * Zstandard via zstd-napi (the native library; 5x faster than the WASM builds here). Kafka's
 * default level is 3. Decompression streams into a growing buffer so it can stop at the bound,
 * whether or not the frame declares its content size, and caps the window a frame may demand.
 */
import binding from "zstd-napi/binding.js";
import { ProtocolError } from "../../primitives/protocol-error.js";
import type { CompressionCodec } from "./codec.js";
import { asMalformed, tooLarge } from "./errors.js";

const ZSTD_LEVEL = 3;
/** 2^24 = 16 MiB window: above what producers use for batches, far below zstd's 2^27 default limit. */
const WINDOW_LOG_MAX = 24;
const INITIAL_OUTPUT_BYTES = 64 * 1024;

let cctx: binding.CCtx | undefined;
let dctx: binding.DCtx | undefined;

function compressor(): binding.CCtx {
  if (!cctx) {
    cctx = new binding.CCtx();
    cctx.setParameter(binding.CParameter.compressionLevel, ZSTD_LEVEL);
  }
  return cctx;
}

function decompressor(): binding.DCtx {
  if (!dctx) {
    dctx = new binding.DCtx();
    dctx.setParameter(binding.DParameter.windowLogMax, WINDOW_LOG_MAX);
  }
  dctx.reset(binding.ResetDirective.sessionOnly);
  return dctx;
}

function compressSync(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(binding.compressBound(data.length));
  const written = compressor().compress2(out, data);
  return out.subarray(0, written);
}

function decompressSync(data: Buffer, maxBytes: number): Buffer {
  const ctx = decompressor();
  let out = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(INITIAL_OUTPUT_BYTES, data.length * 4)));
  let written = 0;
  let consumed = 0;
  for (;;) {
    const [remainingHint, produced, read] = ctx.decompressStream(out.subarray(written), data.subarray(consumed));
    written += produced;
    consumed += read;
    if (written > maxBytes) throw tooLarge("zstd", maxBytes);
    const frameDone = remainingHint === 0;
    if (consumed === data.length && frameDone && written < out.length) return out.subarray(0, written);
    if (written === out.length) {
      const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, out.length * 2));
      out.copy(grown, 0, 0, written);
      out = grown;
    } else if (produced === 0 && read === 0) {
      throw new ProtocolError("MALFORMED", "zstd data is truncated");
    }
  }
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw asMalformed("zstd", error);
  }
}

export const zstdCodec: CompressionCodec = {
  name: "zstd",
  compress: async (data) => wrap(() => compressSync(data)),
  compressSync: (data) => wrap(() => compressSync(data)),
  decompress: async (data, maxBytes) => wrap(() => decompressSync(data, maxBytes)),
  decompressSync: (data, maxBytes) => wrap(() => decompressSync(data, maxBytes)),
};
