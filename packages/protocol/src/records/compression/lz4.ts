/**
 * LZ4 in Kafka's frame format (the standard LZ4 frame: magic 0x184D2204, FLG/BD descriptor,
 * header checksum, blocks, end mark). The frame is written and parsed here, the blocks are
 * (de)compressed by lz4-napi (lz4_flex). Writes match the Java client: independent 64 KiB blocks,
 * no block or content checksums. Parsing here keeps the output bounded and reads magic-0 messages,
 * which Kafka 0.8/0.9 wrote with a header checksum wrongly taken over the magic bytes too (KAFKA-3160).
 */
import { compress, compressSync, decompressFrame, decompressFrameSync, uncompress, uncompressSync } from "lz4-napi";
import { ProtocolError } from "../../primitives/protocol-error.js";
import type { CompressionCodec } from "./codec.js";
import { asMalformed, tooLarge } from "./errors.js";
import { xxhash32 } from "./xxhash32.js";

const LZ4_FRAME_MAGIC = 0x184d2204;
const LZ4_SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED_FLAG = 0x80000000;
/** LZ4's worst-case expansion is just under 255:1; used to size each block's output. */
const MAX_LZ4_RATIO = 255;

interface Block {
  data: Buffer;
  compressed: boolean;
  maxBytes: number;
}

interface ParsedFrames {
  blocks: Block[];
  /** One plain frame and nothing else: lz4-napi can inflate it in one call. */
  singleFrame: boolean;
  /** xxh32 of each frame's content, where the frame carries one, with the frame's block range. */
  contentChecksums: { firstBlock: number; endBlock: number; checksum: number }[];
}

function malformed(message: string): ProtocolError {
  return new ProtocolError("MALFORMED", `lz4: ${message}`);
}

function blockMaxBytes(bd: number): number {
  const id = (bd >> 4) & 0x07;
  if (id < 4) throw malformed(`invalid block maximum size id ${id}`);
  return 1 << (2 * id + 8);
}

/** Header checksum byte as the LZ4 spec defines it, or Kafka's legacy variant over magic+descriptor. */
function headerChecksum(data: Buffer, frameStart: number, descriptorEnd: number, legacy: boolean): number {
  return (xxhash32(data, legacy ? frameStart : frameStart + 4, descriptorEnd) >>> 8) & 0xff;
}

function parseFrames(data: Buffer, ignoreHeaderChecksum: boolean): ParsedFrames {
  const blocks: Block[] = [];
  const contentChecksums: ParsedFrames["contentChecksums"] = [];
  let frames = 0;
  let skipped = false;
  let pos = 0;
  const need = (n: number) => {
    if (data.length - pos < n) throw malformed("frame is truncated");
  };
  while (pos < data.length) {
    need(4);
    const magic = data.readUInt32LE(pos);
    if ((magic & LZ4_SKIPPABLE_MAGIC_MASK) >>> 0 === LZ4_SKIPPABLE_MAGIC) {
      need(8);
      const size = data.readUInt32LE(pos + 4);
      pos += 8;
      need(size);
      pos += size;
      skipped = true;
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw malformed(`bad frame magic 0x${magic.toString(16)}`);
    const frameStart = pos;
    frames++;
    pos += 4;
    need(2);
    const flg = data[pos];
    const bd = data[pos + 1];
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw malformed("unsupported frame version");
    if (flg & FLG_DICT_ID) throw malformed("dictionaries are not supported");
    // Kafka's Java client inflates each block on its own, so no Kafka producer links blocks.
    if (!(flg & FLG_BLOCK_INDEPENDENCE)) throw malformed("linked (dependent) blocks are not supported");
    const maxBytes = blockMaxBytes(bd);
    pos += 2 + (flg & FLG_CONTENT_SIZE ? 8 : 0);
    need(1);
    const hc = data[pos];
    if (!ignoreHeaderChecksum && hc !== headerChecksum(data, frameStart, pos, false)) {
      throw malformed("frame descriptor checksum mismatch");
    }
    pos += 1;
    const firstBlock = blocks.length;
    for (;;) {
      need(4);
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = (word & ~BLOCK_UNCOMPRESSED_FLAG) >>> 0;
      if (size > maxBytes) throw malformed("block larger than the frame's block maximum");
      need(size);
      const block = data.subarray(pos, pos + size);
      pos += size;
      if (flg & FLG_BLOCK_CHECKSUM) {
        need(4);
        if (data.readUInt32LE(pos) !== xxhash32(block)) throw malformed("block checksum mismatch");
        pos += 4;
      }
      blocks.push({ data: block, compressed: (word & BLOCK_UNCOMPRESSED_FLAG) === 0, maxBytes });
    }
    if (flg & FLG_CONTENT_CHECKSUM) {
      need(4);
      contentChecksums.push({ firstBlock, endBlock: blocks.length, checksum: data.readUInt32LE(pos) });
      pos += 4;
    }
  }
  return { blocks, singleFrame: frames === 1 && !skipped, contentChecksums };
}

/**
 * True when the frame cannot inflate past `maxBytes` whatever its blocks hold, so it can go to
 * lz4-napi whole (one call, one allocation) instead of block by block.
 */
function wholeFrameFits(parsed: ParsedFrames, maxBytes: number, ignoreHeaderChecksum: boolean): boolean {
  if (!parsed.singleFrame || ignoreHeaderChecksum) return false;
  let bound = 0;
  for (const block of parsed.blocks) {
    bound += block.compressed ? blockLimit(block, Number.MAX_SAFE_INTEGER) : block.data.length;
  }
  return bound <= maxBytes;
}

/** A block's output limit: its frame's block size, the remaining budget, and LZ4's ratio. */
function blockLimit(block: Block, remaining: number): number {
  return Math.min(block.maxBytes, remaining, block.data.length * MAX_LZ4_RATIO + 16);
}

function sizePrefixed(block: Block, limit: number): Buffer {
  const input = Buffer.allocUnsafe(4 + block.data.length);
  input.writeUInt32LE(limit, 0);
  block.data.copy(input, 4);
  return input;
}

function inflateError(error: unknown, limitedByBudget: boolean, maxBytes: number): ProtocolError {
  return limitedByBudget ? tooLarge("lz4", maxBytes) : asMalformed("lz4", error);
}

function checkContent(parsed: ParsedFrames, outputs: Buffer[]): void {
  for (const c of parsed.contentChecksums) {
    const content = Buffer.concat(outputs.slice(c.firstBlock, c.endBlock));
    if (xxhash32(content) !== c.checksum) throw malformed("content checksum mismatch");
  }
}

function decompressSync(data: Buffer, maxBytes: number, ignoreHeaderChecksum: boolean): Buffer {
  const parsed = parseFrames(data, ignoreHeaderChecksum);
  if (wholeFrameFits(parsed, maxBytes, ignoreHeaderChecksum)) return decompressFrameSync(data);
  const outputs: Buffer[] = [];
  let total = 0;
  for (const block of parsed.blocks) {
    let out: Buffer;
    if (!block.compressed) {
      out = block.data;
    } else {
      const limit = blockLimit(block, maxBytes - total);
      try {
        out = uncompressSync(sizePrefixed(block, limit));
      } catch (error) {
        throw inflateError(error, limit === maxBytes - total && limit < block.maxBytes, maxBytes);
      }
    }
    total += out.length;
    if (total > maxBytes) throw tooLarge("lz4", maxBytes);
    outputs.push(out);
  }
  checkContent(parsed, outputs);
  return outputs.length === 1 ? outputs[0] : Buffer.concat(outputs);
}

async function decompressAsync(data: Buffer, maxBytes: number, ignoreHeaderChecksum: boolean): Promise<Buffer> {
  const parsed = parseFrames(data, ignoreHeaderChecksum);
  if (wholeFrameFits(parsed, maxBytes, ignoreHeaderChecksum)) return decompressFrame(data);
  const outputs: Buffer[] = [];
  let total = 0;
  // One block at a time: each in-flight block reserves up to its maximum size.
  for (const block of parsed.blocks) {
    let out: Buffer;
    if (!block.compressed) {
      out = block.data;
    } else {
      const limit = blockLimit(block, maxBytes - total);
      try {
        out = await uncompress(sizePrefixed(block, limit));
      } catch (error) {
        throw inflateError(error, limit === maxBytes - total && limit < block.maxBytes, maxBytes);
      }
    }
    total += out.length;
    if (total > maxBytes) throw tooLarge("lz4", maxBytes);
    outputs.push(out);
  }
  checkContent(parsed, outputs);
  return outputs.length === 1 ? outputs[0] : Buffer.concat(outputs);
}

/** Kafka's Java client writes 64 KiB blocks (BD 0x40); lz4-napi's frame writer would pick up to 4 MiB. */
const WRITE_BLOCK_BYTES = 64 * 1024;
const WRITE_FLG = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE; // no checksums, no content size
const WRITE_BD = 0x40;

function frameHeader(legacy: boolean): Buffer {
  const header = Buffer.allocUnsafe(7);
  header.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  header[4] = WRITE_FLG;
  header[5] = WRITE_BD;
  header[6] = headerChecksum(header, 0, 6, legacy);
  return header;
}

function chunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += WRITE_BLOCK_BYTES) out.push(data.subarray(pos, pos + WRITE_BLOCK_BYTES));
  return out;
}

/**
 * Assembles a frame from each chunk and its lz4-napi block (which carries a 4-byte size prefix);
 * a chunk that does not shrink is stored uncompressed, as the Java client does.
 */
function assemble(legacy: boolean, raw: Buffer[], compressed: Buffer[]): Buffer {
  const parts: Buffer[] = [frameHeader(legacy)];
  for (let i = 0; i < raw.length; i++) {
    const block = compressed[i].subarray(4);
    const word = Buffer.allocUnsafe(4);
    if (block.length < raw[i].length) {
      word.writeUInt32LE(block.length, 0);
      parts.push(word, block);
    } else {
      word.writeUInt32LE((raw[i].length | BLOCK_UNCOMPRESSED_FLAG) >>> 0, 0);
      parts.push(word, raw[i]);
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

function writeFrameSync(data: Buffer, legacy: boolean): Buffer {
  const raw = chunks(data);
  return assemble(
    legacy,
    raw,
    raw.map((chunk) => compressSync(chunk)),
  );
}

async function writeFrame(data: Buffer, legacy: boolean): Promise<Buffer> {
  const raw = chunks(data);
  return assemble(legacy, raw, await Promise.all(raw.map((chunk) => compress(chunk))));
}

function wrapErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw asMalformed("lz4", error);
  }
}

async function wrapErrorsAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw asMalformed("lz4", error);
  }
}

/** LZ4 for record batches v2 and messages v1: a correct frame header checksum. */
export const lz4Codec: CompressionCodec = {
  name: "lz4",
  compress: (data) => writeFrame(data, false),
  compressSync: (data) => writeFrameSync(data, false),
  decompress: (data, maxBytes) => wrapErrorsAsync(() => decompressAsync(data, maxBytes, false)),
  decompressSync: (data, maxBytes) => wrapErrors(() => decompressSync(data, maxBytes, false)),
};

/** LZ4 for messages v0: writes Kafka's legacy header checksum and ignores the checksum on read, as Kafka does. */
export const lz4LegacyCodec: CompressionCodec = {
  name: "lz4",
  compress: (data) => writeFrame(data, true),
  compressSync: (data) => writeFrameSync(data, true),
  decompress: (data, maxBytes) => wrapErrorsAsync(() => decompressAsync(data, maxBytes, true)),
  decompressSync: (data, maxBytes) => wrapErrors(() => decompressSync(data, maxBytes, true)),
};
