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
  readonly #undo: (() => void)[] = [];

  /** Registers how to take back a state change if the records behind it cannot be appended. */
  onAppendFailure(undo: () => void): void {
    this.#undo.push(undo);
  }

  /** The append failed: reverts the registered changes, newest first. */
  revert(): void {
    for (let i = this.#undo.length - 1; i >= 0; i--) this.#undo[i]();
  }

  reply<T>(to: ReplyTo<T>, response: T): void {
    this.replies.push({ deliver: () => to.resolve(response), fail: (code) => to.fail(code) });
  }

  append(record: CoordinatorRecord): void {
    this.records.push(record);
  }
}
