import type { CoordinatorRecord } from "./records.js";

/**
 * Where a response goes. The broker creates one per request; the coordinator only hands it back in
 * Effects, so the answer leaves after the records it depends on are appended.
 */
export interface ReplyTo<T> {
  resolve(response: T): void;
  /** The records this answer depends on could not be appended: answer with this Kafka error. */
  fail(errorCode: number): void;
}

export interface PendingReply {
  deliver(): void;
  fail(errorCode: number): void;
}

/** What one step of the coordinator asks the world to do, in order: append, then answer. */
export class Effects {
  readonly records: CoordinatorRecord[] = [];
  readonly replies: PendingReply[] = [];
  readonly #onAppended: (() => void)[] = [];

  /**
   * Registers a state change that takes effect once the records are appended (a committed offset is
   * served only from then on, as Kafka reads its state at the last committed log offset).
   */
  whenAppended(apply: () => void): void {
    this.#onAppended.push(apply);
  }

  /** The records are durable: applies the deferred changes, in order. Call before delivering. */
  appended(): void {
    for (const apply of this.#onAppended.splice(0)) apply();
  }

  reply<T>(to: ReplyTo<T>, response: T): void {
    this.replies.push({ deliver: () => to.resolve(response), fail: (code) => to.fail(code) });
  }

  append(record: CoordinatorRecord): void {
    this.records.push(record);
  }
}
