// arXiv's terms, across every instance that shares the store: one request at a time, and the next one
// no sooner than `intervalMs` after the last one ended. A gate key in the store is held for the request
// and then left to expire `intervalMs` later.
//
// Two more rules on top. The deployment's own categories come first: a caller with `priority` marks
// that it is waiting, and callers without it step aside while the mark stands. And when arXiv says to
// slow down (429, 503, "Rate exceeded"), every caller of every instance pauses for the time it asked.
import { z } from "zod";
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

export interface TurnOptions {
  /** The deployment's own categories: never queued behind callers without priority. */
  priority?: boolean;
}

export type TurnResult<T> =
  | { ran: true; value: T }
  /** `busy`: the deadline passed while others had the gate. `paused`: arXiv asked every caller to wait. */
  | { ran: false; reason: "busy" }
  | { ran: false; reason: "paused"; until: number; message: string };

/** The longest arXiv-wide pause honoured, whatever a Retry-After says. */
export const MAX_ARXIV_PAUSE_MS = 2 * 3_600_000;

const pauseSchema = z.object({
  until: z.number(),
  message: z.string(),
  /** arXiv's "slow down"s in a row, across every category and instance: each one doubles the pause. */
  strikes: z.number().int().min(1).max(64).default(1),
});
export type ArxivPause = z.infer<typeof pauseSchema>;

export interface PauseRequest {
  /** What arXiv asked for (its Retry-After), if anything. */
  askedMs: number;
  /** The first pause when arXiv asks for no particular time (ARXIV_RETRY_SECONDS); doubles per strike. */
  baseMs: number;
  message: string;
}

// What this process last learnt of a pause, also after it ended while its strikes are remembered: no
// store read per request while one lasts, and a success knows whether there are strikes to clear.
const knownPauses = new WeakMap<Store, ArxivPause>();

/**
 * Pauses every arXiv request of every instance sharing `store`: for what arXiv asked, or for `baseMs`
 * doubled per "slow down" in a row (whichever is longer), at most 2 h from now. The strikes are
 * remembered for as long again as the pause, so the next "slow down" soon after it doubles it, and are
 * cleared by the next good answer (`arxivAnswered`).
 */
export async function pauseArxiv(deps: Pick<PoliteDeps, "store" | "now">, request: PauseRequest): Promise<ArxivPause> {
  const now = deps.now();
  const previous = await lastPause(deps);
  const strikes = Math.min((previous?.strikes ?? 0) + 1, 64);
  const backoffMs = request.baseMs * 2 ** Math.min(strikes - 1, 20);
  const until = now + Math.min(Math.max(request.askedMs, backoffMs), MAX_ARXIV_PAUSE_MS);
  // Another caller's longer pause stands; this one still counts as a strike.
  const pause = { until: Math.max(until, previous && previous.until > now ? previous.until : 0), message: request.message, strikes };
  if (pause.until <= now) return pause;
  knownPauses.set(deps.store, pause);
  await deps.store.set(storeKeys.arxivPause(), pause, { ttlMs: 2 * (pause.until - now) });
  return pause;
}

/** arXiv answered properly: the next "slow down" starts again from the first pause. */
export async function arxivAnswered(deps: Pick<PoliteDeps, "store" | "now">): Promise<void> {
  const known = knownPauses.get(deps.store);
  if (!known || known.until > deps.now()) return;
  knownPauses.delete(deps.store);
  await deps.store.del(storeKeys.arxivPause());
}

/** The pause in force, if any: this process's knowledge first, else the store's (one read). */
export async function currentArxivPause(deps: Pick<PoliteDeps, "store" | "now">): Promise<ArxivPause | undefined> {
  const pause = await lastPause(deps);
  return pause && pause.until > deps.now() ? pause : undefined;
}

/** The last pause, in force or ended with its strikes still remembered. */
async function lastPause(deps: Pick<PoliteDeps, "store" | "now">): Promise<ArxivPause | undefined> {
  const known = knownPauses.get(deps.store);
  if (known && known.until > deps.now()) return known;
  const parsed = pauseSchema.safeParse(await deps.store.get(storeKeys.arxivPause()));
  if (!parsed.success) {
    if (known) knownPauses.delete(deps.store);
    return undefined;
  }
  // A stored value can ask for no more than the maximum, even if written by a buggy or older instance.
  const pause = { ...parsed.data, until: Math.min(parsed.data.until, deps.now() + MAX_ARXIV_PAUSE_MS) };
  knownPauses.set(deps.store, pause);
  return pause;
}

/** Runs `request` when it is this caller's turn, or gives up at `deadline` (epoch ms) without running it. */
export async function withArxivTurn<T>(
  deps: PoliteDeps,
  deadline: number,
  request: () => Promise<T>,
  options: TurnOptions = {},
): Promise<TurnResult<T>> {
  const holdMs = deps.requestTimeoutMs + deps.intervalMs + 1000;
  const pollMs = Math.min(250, Math.max(10, Math.floor(deps.intervalMs / 4)));
  // A priority caller's mark outlives a few of its polls, so others see it for as long as it waits.
  const markMs = Math.max(1000, pollMs * 4);
  let lock: Lock | undefined;
  let markedUntil = 0;
  for (;;) {
    const pause = await currentArxivPause(deps);
    if (pause) return { ran: false, reason: "paused", until: pause.until, message: pause.message };
    const yieldToPriority = !options.priority && (await deps.store.get(storeKeys.arxivPriorityWaiting())) !== undefined;
    if (!yieldToPriority && (lock = await tryLock(deps.store, storeKeys.arxivGate(), holdMs))) break;
    if (options.priority && deps.now() + 2 * pollMs >= markedUntil) {
      await deps.store.set(storeKeys.arxivPriorityWaiting(), 1, { ttlMs: markMs });
      markedUntil = deps.now() + markMs;
    }
    const left = deadline - deps.now();
    if (left <= 0) return { ran: false, reason: "busy" };
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
