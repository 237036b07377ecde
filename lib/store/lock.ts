// Locks in the store, one way for all of them (a category's refresh, the arXiv gate, a paper's summary):
// taken with SET NX and a random token, released or re-armed only by their holder, atomically.
import { randomUUID } from "node:crypto";
import type { Store } from "./types";

export interface Lock {
  readonly key: string;
  readonly token: string;
  /** Deletes the lock if this holder still has it. */
  release(): Promise<void>;
  /** Lets the lock expire `ms` from now instead (the arXiv gate's pause after a request), if still held. */
  releaseAfter(ms: number): Promise<void>;
}

/** Takes the lock if it is free; `ttlMs` bounds how long a crashed holder can keep it. */
export async function tryLock(store: Store, key: string, ttlMs: number): Promise<Lock | undefined> {
  const token = randomUUID();
  if (!(await store.set(key, token, { ttlMs, onlyIfAbsent: true }))) return undefined;
  return {
    key,
    token,
    release: async () => void (await store.delIfEquals(key, token)),
    releaseAfter: async (ms) => void (ms > 0 ? await store.expireIfEquals(key, token, ms) : await store.delIfEquals(key, token)),
  };
}

/** Runs `fn` holding the lock, or returns `{ acquired: false }` when another holder has it. */
export async function withLock<T>(
  store: Store,
  key: string,
  ttlMs: number,
  fn: (lock: Lock) => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const lock = await tryLock(store, key, ttlMs);
  if (!lock) return { acquired: false };
  try {
    return { acquired: true, value: await fn(lock) };
  } finally {
    await lock.release();
  }
}
