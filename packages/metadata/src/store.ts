import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-file.js";
import type { ChangeResult } from "./changes.js";
import { registerBrokers } from "./changes.js";
import { type BrokerRegistration, type ClusterImage, emptyImage } from "./image.js";
import { decodeSnapshot, encodeSnapshot, MetadataCorruptError } from "./snapshot.js";

/** File name of the metadata snapshot inside the data dir (a file, so no log scan mistakes it for a partition). */
export const SNAPSHOT_FILE = "samsa-metadata.json";

export interface MetadataStoreOptions {
  readonly dataDir: string;
  readonly clusterId: string;
  readonly nodeId: number;
  readonly brokers: readonly BrokerRegistration[];
}

/**
 * The local metadata store: holds the current image, applies pure changes one at a time and persists
 * each new image (atomically replaced snapshot) before anyone can observe it.
 */
export class MetadataStore {
  #image: ClusterImage;
  #tail: Promise<unknown> = Promise.resolve();
  readonly #path: string;

  protected constructor(path: string, image: ClusterImage) {
    this.#path = path;
    this.#image = image;
  }

  static async open(opts: MetadataStoreOptions): Promise<MetadataStore> {
    const path = join(opts.dataDir, SNAPSHOT_FILE);
    const base = emptyImage(opts.clusterId, opts.nodeId, opts.brokers);
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (text === undefined) {
      const store = new MetadataStore(path, base);
      await writeFileAtomic(path, encodeSnapshot(base));
      return store;
    }
    const image = decodeSnapshot(text, base);
    if (image.clusterId !== opts.clusterId) {
      throw new MetadataCorruptError(`metadata snapshot belongs to cluster ${image.clusterId}, not ${opts.clusterId}`);
    }
    return new MetadataStore(path, registerBrokers(image, opts.brokers));
  }

  /** The current image; immutable, so callers may keep it for the duration of a request. */
  get image(): ClusterImage {
    return this.#image;
  }

  /**
   * Applies a pure change against the latest image. Changes run one at a time; a successful change is
   * persisted before it becomes visible. A failed change leaves everything as it was.
   */
  apply<T>(change: (image: ClusterImage) => ChangeResult<T>): Promise<ChangeResult<T>> {
    const run = async (): Promise<ChangeResult<T>> => {
      const result = change(this.#image);
      if (result.ok && result.image !== this.#image) {
        await writeFileAtomic(this.#path, encodeSnapshot(result.image));
        this.#image = result.image;
      }
      return result;
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Waits for changes in progress. */
  async close(): Promise<void> {
    await this.#tail;
  }
}
