import { groupAppendError } from "./append-errors.js";
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
  /** The append failed with `appendError` (the log's Kafka error); answers with the client's code for it. */
  fail(appendError: number): void;
}

/** Undoes a state change whose records were not appended; may answer or schedule through `fx`. */
export type Rollback = (fx: Effects, appendError: number) => void;

/** What one step of the coordinator asks the world to do, in order: append, then answer. */
export class Effects {
  readonly records: CoordinatorRecord[] = [];
  readonly replies: PendingReply[] = [];
  readonly #onAppended: (() => void)[] = [];
  readonly #onFailed: Rollback[] = [];

  /**
   * Registers a state change that takes effect once the records are appended (a committed offset is
   * served only from then on, as Kafka reads its state at the last committed log offset).
   */
  whenAppended(apply: () => void): void {
    this.#onAppended.push(apply);
  }

  /**
   * Registers how to undo a change made before the append, should the append fail (Kafka reverts
   * its in-memory state to the last committed offset of the log).
   */
  whenFailed(rollback: Rollback): void {
    this.#onFailed.push(rollback);
  }

  /** The records are durable: applies the deferred changes, in order. Call before delivering. */
  appended(): void {
    this.#onFailed.length = 0;
    for (const apply of this.#onAppended.splice(0)) apply();
  }

  /** The records were not appended: drops the deferred changes and runs the rollbacks (newest first) into `fx`. */
  failed(fx: Effects, appendError: number): void {
    this.#onAppended.length = 0;
    for (const rollback of this.#onFailed.splice(0).reverse()) rollback(fx, appendError);
  }

  /** `mapError` turns an append's error into this answer's code (default: Kafka's group-record mapping). */
  reply<T>(to: ReplyTo<T>, response: T, mapError: (appendError: number) => number = groupAppendError): void {
    this.replies.push({ deliver: () => to.resolve(response), fail: (code) => to.fail(mapError(code)) });
  }

  append(record: CoordinatorRecord): void {
    this.records.push(record);
  }
}
