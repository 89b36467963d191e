/**
 * Runs async tasks one at a time in arrival order. A partition's appends go through one, so the
 * producer-state check, the log append and the commit of that state are never interleaved. Its
 * length is bounded by the requests in flight, which the connections bound.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  /** Tasks queued or running; while none are, a synchronous task may run in the caller's turn. */
  #pending = 0;
  readonly #settled = (): void => {
    this.#pending--;
  };

  get idle(): boolean {
    return this.#pending === 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const next = this.#tail.then(task, task);
    this.#tail = next.then(this.#settled, this.#settled);
    return next;
  }
}
