// At most `concurrency` tasks at once, the rest waiting in order; past `maxWaiting` waiters a task is
// refused at once (503), so that a flood of expensive requests queues nothing without bound.
import { AppError } from "./errors";

export interface WorkQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running and waiting now. */
  readonly load: { running: number; waiting: number };
}

export function createWorkQueue(concurrency: number, maxWaiting: number, what: string): WorkQueue {
  let running = 0;
  const waiting: (() => void)[] = [];
  // A finished task hands its slot straight to the next waiter, so no newcomer can slip in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    get load() {
      return { running, waiting: waiting.length };
    },
    async run(task) {
      if (running < concurrency) running++;
      else if (waiting.length >= maxWaiting) {
        throw new AppError("busy", `Too many ${what} are being built right now; try again in a few seconds`, { retryAfterSeconds: 5 });
      } else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
