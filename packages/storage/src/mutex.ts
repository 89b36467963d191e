/** Serializes async sections (appends, rolls, truncations of one log). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  /** Sections queued or running; a caller may run a synchronous section itself when none are. */
  private pending = 0;
  private readonly settled = (): void => {
    this.pending--;
  };

  get idle(): boolean {
    return this.pending === 0;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(fn);
    this.tail = result.then(this.settled, this.settled);
    return result;
  }
}
