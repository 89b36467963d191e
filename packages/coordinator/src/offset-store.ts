import { assert } from "@samsa/common";
import type { OffsetAndMetadata } from "./records.js";

/** Committed offsets by group, topic and partition, with a count so each group stays bounded. */
export class OffsetStore {
  readonly #byGroup = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();
  readonly #counts = new Map<string, number>();

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.#byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  count(groupId: string): number {
    return this.#counts.get(groupId) ?? 0;
  }

  hasOffsets(groupId: string): boolean {
    return this.count(groupId) > 0;
  }

  put(groupId: string, topic: string, partition: number, value: OffsetAndMetadata): void {
    let topics = this.#byGroup.get(groupId);
    if (topics === undefined) {
      topics = new Map();
      this.#byGroup.set(groupId, topics);
    }
    let parts = topics.get(topic);
    if (parts === undefined) {
      parts = new Map();
      topics.set(topic, parts);
    }
    if (!parts.has(partition)) this.#counts.set(groupId, this.count(groupId) + 1);
    parts.set(partition, value);
  }

  delete(groupId: string, topic: string, partition: number): boolean {
    const topics = this.#byGroup.get(groupId);
    const parts = topics?.get(topic);
    if (topics === undefined || parts === undefined || !parts.delete(partition)) return false;
    if (parts.size === 0) topics.delete(topic);
    const n = this.count(groupId) - 1;
    assert(n >= 0, "offset count below zero");
    if (n === 0) {
      this.#counts.delete(groupId);
      this.#byGroup.delete(groupId);
    } else this.#counts.set(groupId, n);
    return true;
  }

  /** Every (topic, partition, offset) of a group, topics in commit order. */
  *entries(groupId: string): Generator<[string, number, OffsetAndMetadata]> {
    const topics = this.#byGroup.get(groupId);
    if (topics === undefined) return;
    for (const [topic, parts] of topics) for (const [p, o] of parts) yield [topic, p, o];
  }

  topics(groupId: string): string[] {
    return [...(this.#byGroup.get(groupId)?.keys() ?? [])];
  }

  groupIds(): IterableIterator<string> {
    return this.#byGroup.keys();
  }
}
