/**
 * Snappy as Kafka uses it: Java (and kafkajs) write xerial's framing, a 16-byte header
 * (0x82 "SNAPPY" 0x00, version 1, compatible version 1) followed by chunks of
 * [int32 compressed length][raw snappy block]. librdkafka and others may send one raw snappy
 * block, so reads accept both. Each raw block starts with its uncompressed length (a varint),
 * which is checked against the bound before the block is inflated.
 */
import { compress, compressSync, uncompress, uncompressSync } from "snappy";
import { ProtocolError } from "../../primitives/protocol-error.js";
import { readUnsignedVarint } from "../../primitives/varint.js";
import type { CompressionCodec } from "./codec.js";
import { asMalformed, tooLarge } from "./errors.js";

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** xerial's SnappyOutputStream default block size, used by the Java client. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

function xerialHeader(): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  return header;
}

function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_BYTES && data.subarray(0, 8).equals(XERIAL_MAGIC);
}

function frame(blocks: Buffer[]): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (const block of blocks) {
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function split(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    chunks.push(data.subarray(pos, pos + XERIAL_BLOCK_BYTES));
  }
  return chunks;
}

/** The raw blocks of `data` (xerial-framed or raw), each with its declared uncompressed size checked. */
function rawBlocks(data: Buffer, maxBytes: number): Buffer[] {
  const blocks: Buffer[] = [];
  if (!isXerial(data)) {
    blocks.push(data);
  } else {
    let pos = XERIAL_HEADER_BYTES;
    while (pos < data.length) {
      if (data.length - pos < 4) throw new ProtocolError("MALFORMED", "truncated xerial snappy chunk length");
      const length = data.readInt32BE(pos);
      pos += 4;
      if (length < 0 || length > data.length - pos) {
        throw new ProtocolError("MALFORMED", "xerial snappy chunk runs past the end of the data");
      }
      blocks.push(data.subarray(pos, pos + length));
      pos += length;
    }
  }
  let total = 0;
  for (const block of blocks) {
    total += readUnsignedVarint(block, 0).value;
    if (total > maxBytes) throw tooLarge("snappy", maxBytes);
  }
  return blocks;
}

export const snappyCodec: CompressionCodec = {
  name: "snappy",
  async compress(data) {
    return frame(await Promise.all(split(data).map((chunk) => compress(chunk))));
  },
  compressSync(data) {
    return frame(split(data).map((chunk) => compressSync(chunk)));
  },
  async decompress(data, maxBytes) {
    try {
      const blocks = rawBlocks(data, maxBytes);
      const out = await Promise.all(blocks.map((block) => uncompress(block, { asBuffer: true })));
      return Buffer.concat(out as Buffer[]);
    } catch (error) {
      throw asMalformed("snappy", error);
    }
  },
  decompressSync(data, maxBytes) {
    try {
      const out = rawBlocks(data, maxBytes).map((block) => uncompressSync(block, { asBuffer: true }) as Buffer);
      return out.length === 1 ? out[0] : Buffer.concat(out);
    } catch (error) {
      throw asMalformed("snappy", error);
    }
  },
};
