// The embedded store: one process, no configuration. Values are frozen on write, in place, so a reader
// can never change what another reader (or the writer) sees, and a value the writer also keeps (a
// category's papers) is held once, not copied.
import type { SetOptions, Store } from "./types";

interface Entry {
  value: unknown;
  expiresAt: number;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<unknown> {
    return this.live(key)?.value;
  }

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    return keys.map((key) => this.live(key)?.value);
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    const count = (typeof entry?.value === "number" ? entry.value : 0) + 1;
    this.entries.set(key, { value: count, expiresAt: entry?.expiresAt ?? this.now() + ttlMs });
    return count;
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    if (options.onlyIfAbsent && this.live(key)) return false;
    const expiresAt = options.ttlMs === undefined ? Infinity : this.now() + options.ttlMs;
    this.entries.set(key, { value: deepFreeze(value), expiresAt });
    this.sweep();
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async delIfEquals(key: string, token: string): Promise<boolean> {
    if (this.live(key)?.value !== token) return false;
    this.entries.delete(key);
    return true;
  }

  async expireIfEquals(key: string, token: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry?.value !== token) return false;
    entry.expiresAt = this.now() + ttlMs;
    return true;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private writes = 0;
  // Expired keys are dropped on read; an occasional sweep bounds what is never read again.
  private sweep(): void {
    if (++this.writes % 256 !== 0) return;
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
