// arXiv's terms, across every instance that shares the store: one request at a time, and the next one
// no sooner than `intervalMs` after the last one ended. A gate key in the store is held for the request
// and then left to expire `intervalMs` later.
import { storeKeys } from "../store/keys";
import { tryLock, type Lock } from "../store/lock";
import type { Store } from "../store/types";

export interface PoliteDeps {
  store: Store;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  intervalMs: number;
  /** The longest one request can take; the gate outlives it so a crashed holder cannot keep it forever. */
  requestTimeoutMs: number;
}

export type TurnResult<T> = { ran: true; value: T } | { ran: false };

/** Runs `request` when it is this caller's turn, or gives up at `deadline` (epoch ms) without running it. */
export async function withArxivTurn<T>(deps: PoliteDeps, deadline: number, request: () => Promise<T>): Promise<TurnResult<T>> {
  const holdMs = deps.requestTimeoutMs + deps.intervalMs + 1000;
  const pollMs = Math.min(250, Math.max(10, Math.floor(deps.intervalMs / 4)));
  let lock: Lock | undefined;
  while (!(lock = await tryLock(deps.store, storeKeys.arxivGate(), holdMs))) {
    const left = deadline - deps.now();
    if (left <= 0) return { ran: false };
    await deps.sleep(Math.min(pollMs, left));
  }
  try {
    return { ran: true, value: await request() };
  } finally {
    // Re-arm the gate from the end of this request, so the gap holds even for slow answers; a gate that
    // expired meanwhile and is another caller's now is left alone.
    await lock.releaseAfter(deps.intervalMs);
  }
}
