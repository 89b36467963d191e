/**
 * Runs async tasks one at a time in arrival order. A partition's appends go through one, so the
 * producer-state check, the log append and the commit of that state are never interleaved. Its
 * length is bounded by the requests in flight, which the connections bound.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
