import { ProtocolError } from "../../primitives/protocol-error.js";
import { CompressionType } from "../attributes.js";
import type { CompressionCodec } from "./codec.js";
import { gzipCodec } from "./gzip.js";
import { lz4Codec, lz4LegacyCodec } from "./lz4.js";
import { snappyCodec } from "./snappy.js";
import { zstdCodec } from "./zstd.js";

export type { CompressionCodec } from "./codec.js";
export { gzipCodec } from "./gzip.js";
export { lz4Codec, lz4LegacyCodec } from "./lz4.js";
export { snappyCodec } from "./snappy.js";
export { xxhash32 } from "./xxhash32.js";
export { zstdCodec } from "./zstd.js";

/**
 * The codec for a compression id (attributes bits 0-2). `magic` selects LZ4's legacy header
 * checksum for magic 0. Ids other than 1-4 are not codecs: throws UNSUPPORTED_VERSION.
 */
export function codecFor(compression: number, magic = 2): CompressionCodec {
  switch (compression) {
    case CompressionType.GZIP:
      return gzipCodec;
    case CompressionType.SNAPPY:
      return snappyCodec;
    case CompressionType.LZ4:
      return magic === 0 ? lz4LegacyCodec : lz4Codec;
    case CompressionType.ZSTD:
      return zstdCodec;
    default:
      throw new ProtocolError("UNSUPPORTED_VERSION", `unknown compression codec id ${compression}`);
  }
}
