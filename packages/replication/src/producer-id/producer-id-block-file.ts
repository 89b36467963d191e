import { open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { SamsaError } from "@samsa/common";
import { type ProducerIdBlock, type ProducerIdBlockStore, ProducerIdsExhaustedError } from "./producer-id-allocator.js";

export const PRODUCER_ID_BLOCK_FILE = "producer-id-block";

export class ProducerIdBlockFileError extends SamsaError {
  constructor(message: string) {
    super("PRODUCER_ID_BLOCK_FILE_CORRUPT", message);
  }
}

/**
 * The single-node block store: `<dataDir>/producer-id-block` holds, as decimal text, the first id
 * not yet claimed. A claim writes the new end to a temporary file, fsyncs it and renames it over
 * the old one before any id of the block is handed out.
 */
export class ProducerIdBlockFile implements ProducerIdBlockStore {
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, PRODUCER_ID_BLOCK_FILE);
  }

  async claimBlock(size: number): Promise<ProducerIdBlock> {
    const first = await this.readNextUnclaimed();
    const end = first + size;
    if (!Number.isSafeInteger(end)) throw new ProducerIdsExhaustedError();
    await this.writeNextUnclaimed(end);
    return { first, size };
  }

  private async readNextUnclaimed(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw e;
    }
    const trimmed = text.trim();
    const value = Number(trimmed);
    if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
      throw new ProducerIdBlockFileError(`${this.path} does not hold a producer id: ${JSON.stringify(text)}`);
    }
    return value;
  }

  private async writeNextUnclaimed(value: number): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(`${value}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
