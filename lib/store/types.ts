// The one storage port. Values are plain JSON data; every write that is not a summary has a TTL.

export interface SetOptions {
  /** Expire the value after this many milliseconds. */
  ttlMs?: number;
  /** Write only if the key does not exist (a lock); returns false when it does. */
  onlyIfAbsent?: boolean;
}

export interface Store {
  /** The stored value, or undefined when missing or expired. Callers validate what they read. */
  get(key: string): Promise<unknown>;
  /** Several values in one round trip, in the order of `keys`. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  /** Returns whether the value was written (always true unless `onlyIfAbsent` found the key). */
  set(key: string, value: unknown, options?: SetOptions): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Deletes the key only while it still holds `token` (a lock's), atomically; returns whether it did. */
  delIfEquals(key: string, token: string): Promise<boolean>;
  /** Sets the key to expire in `ttlMs` only while it still holds `token`, atomically. */
  expireIfEquals(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Adds one to a counter (created at 0) and returns the new count; `ttlMs` applies when it is created. */
  incr(key: string, ttlMs: number): Promise<number>;
}
