/** Runs periodic background tasks; injected so tests drive time by calling tasks directly. */
export interface Scheduler {
  /** Runs `task` every `periodMs` (never overlapping itself); returns a cancel function. */
  schedule(name: string, periodMs: number, task: () => Promise<void>): () => void;
}

/** Timer-based scheduler; errors go to `onError` and the task keeps its schedule. */
export function timerScheduler(onError: (name: string, err: unknown) => void): Scheduler {
  return {
    schedule(name, periodMs, task) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        task()
          .catch((err: unknown) => onError(name, err))
          .finally(() => {
            running = false;
          });
      }, periodMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
