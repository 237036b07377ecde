// KV with the in-process store behind it: when KV fails, the request goes on from memory (and arXiv),
// KV is left alone for a short while, and health() says what happened. A value too big for KV is no KV
// failure: it is kept in memory for this process alone, and KV goes on serving everything else.
import type { Logger } from "../log";
import type { CorruptReadsReport } from "./corrupt-reads";
import { ValueTooLargeError } from "./kv";
import type { SetOptions, Store } from "./types";

export interface StoreHealth {
  kind: "memory" | "kv";
  /** False while KV is failing and requests run from the in-process store. */
  healthy: boolean;
  lastError?: string;
  failingSince?: string;
  /** Values read back that failed validation (treated as missing and rewritten). */
  corruptReads?: CorruptReadsReport;
  /** Writes refused as too big for KV (kept in this process only), since start; absent when none. */
  oversizedWrites?: number;
  /** The key of the last of them. */
  lastOversizedKey?: string;
  /** Its encoded size, against MAX_VALUE_BYTES. */
  lastOversizedBytes?: number;
}

export class FailoverStore implements Store {
  private skipPrimaryUntil = 0;
  private failingSince?: number;
  private lastError?: string;
  /** Keys whose last write was too big for KV, with its size: their value lives in `fallback` alone. */
  private readonly oversized = new Map<string, number>();
  private oversizedWrites = 0;
  private lastOversized?: { key: string; bytes: number };

  constructor(
    private readonly primary: Store,
    private readonly fallback: Store,
    private readonly options: {
      now: () => number;
      log: Logger;
      retryPrimaryAfterMs: number;
      /** Keys whose values read from or written to KV are also kept in memory, for use during an outage. */
      mirror?: (key: string) => boolean;
    },
  ) {}

  // A copy lives at most this long: in an outage, the last known papers and summaries, not forever.
  private static readonly MIRROR_TTL_MS = 86_400_000;
  // Each such key holds a value of up to many MB in memory; past this many, the oldest is let go.
  private static readonly MAX_OVERSIZED_KEYS = 64;

  private keepCopy(key: string, value: unknown, ttlMs?: number): void {
    if (value === undefined || !this.options.mirror?.(key)) return;
    const ttl = Math.min(ttlMs ?? FailoverStore.MIRROR_TTL_MS, FailoverStore.MIRROR_TTL_MS);
    void this.fallback.set(key, value, { ttlMs: ttl });
  }

  /** True while KV is failing: cross-instance guarantees (one LLM call per paper, budgets) do not hold. */
  get degraded(): boolean {
    return this.failingSince !== undefined;
  }

  health(): StoreHealth {
    return {
      kind: "kv",
      healthy: !this.degraded,
      ...(this.lastError && this.degraded ? { lastError: this.lastError } : {}),
      ...(this.failingSince ? { failingSince: new Date(this.failingSince).toISOString() } : {}),
      ...(this.lastOversized
        ? { oversizedWrites: this.oversizedWrites, lastOversizedKey: this.lastOversized.key, lastOversizedBytes: this.lastOversized.bytes }
        : {}),
    };
  }

  /**
   * A write KV refused before sending it: the value goes to memory, what KV held under the key is
   * deleted (no instance may read a value older than the one this process has), and the key's reads
   * come from memory from now on. Logged once per key while it stays too big.
   */
  private async keepOversized(key: string, value: unknown, options: SetOptions | undefined, err: ValueTooLargeError): Promise<boolean> {
    this.oversizedWrites++;
    this.lastOversized = { key, bytes: err.bytes };
    // A lock cannot be taken in one process's memory on behalf of all: it is reported as held elsewhere.
    const kept = !options?.onlyIfAbsent;
    if (!this.oversized.has(key)) {
      const message = kept ? "value too large for KV; kept in this process only" : "value too large for KV; not written";
      this.options.log.error(message, { key, bytes: err.bytes, limit: err.limit });
    }
    if (!kept) return false;
    await this.run((s) => s.del(key));
    this.oversized.delete(key);
    this.oversized.set(key, err.bytes);
    if (this.oversized.size > FailoverStore.MAX_OVERSIZED_KEYS) {
      const oldest = this.oversized.keys().next().value!;
      this.oversized.delete(oldest);
      await this.fallback.del(oldest);
    }
    return this.fallback.set(key, value, options);
  }

  /** The key's value lives in memory only; once that copy has expired, the key is KV's again. */
  private async readOversized(key: string): Promise<unknown> {
    const value = await this.fallback.get(key);
    if (value === undefined) this.oversized.delete(key);
    return value;
  }

  private async run<T>(operation: (store: Store) => Promise<T>): Promise<T> {
    const now = this.options.now();
    if (now < this.skipPrimaryUntil) return operation(this.fallback);
    try {
      const result = await operation(this.primary);
      // Only an answer to a request sent after the failure shows that KV is back.
      if (this.failingSince !== undefined && now >= this.skipPrimaryUntil && now > this.failingSince) {
        this.options.log.info("KV is reachable again", { failingSince: new Date(this.failingSince).toISOString() });
        this.failingSince = undefined;
      }
      return result;
    } catch (err) {
      // Refused before any request: says nothing about KV (the caller keeps the value elsewhere).
      if (err instanceof ValueTooLargeError) throw err;
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (this.failingSince === undefined) {
        this.options.log.error("KV failed; serving from the in-process store", { error: message });
      }
      this.failingSince ??= now;
      this.lastError = message;
      this.skipPrimaryUntil = now + this.options.retryPrimaryAfterMs;
      return operation(this.fallback);
    }
  }

  get(key: string) {
    if (this.oversized.has(key)) return this.readOversized(key);
    return this.run(async (s) => {
      const value = await s.get(key);
      if (s === this.primary) this.keepCopy(key, value);
      return value;
    });
  }
  async getMany(keys: readonly string[]): Promise<unknown[]> {
    if (!keys.some((key) => this.oversized.has(key))) return this.getManyFromStores(keys);
    const local = keys.map((key) => this.oversized.has(key));
    const remoteKeys = keys.filter((_, i) => !local[i]);
    const [remote, here] = await Promise.all([
      remoteKeys.length > 0 ? this.getManyFromStores(remoteKeys) : [],
      Promise.all(keys.filter((_, i) => local[i]).map((key) => this.readOversized(key))),
    ]);
    let r = 0;
    let h = 0;
    return local.map((isLocal) => (isLocal ? here[h++] : remote[r++]));
  }
  private getManyFromStores(keys: readonly string[]): Promise<unknown[]> {
    return this.run(async (s) => {
      const values = await s.getMany(keys);
      if (s === this.primary) keys.forEach((key, i) => this.keepCopy(key, values[i]));
      return values;
    });
  }
  async set(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    try {
      return await this.run(async (s) => {
        const written = await s.set(key, value, options);
        if (s === this.primary && written) {
          // It fits again: KV holds it, so the copy held for it in memory goes (or is replaced below).
          if (this.oversized.delete(key)) await this.fallback.del(key);
          this.keepCopy(key, value, options?.ttlMs);
        }
        return written;
      });
    } catch (err) {
      if (err instanceof ValueTooLargeError) return this.keepOversized(key, value, options, err);
      throw err;
    }
  }
  del(key: string) {
    this.oversized.delete(key);
    return this.run(async (s) => {
      await s.del(key);
      if (s === this.primary) await this.fallback.del(key);
    });
  }
  delIfEquals(key: string, token: string) {
    return this.run(async (s) => {
      const deleted = await s.delIfEquals(key, token);
      if (s === this.primary) await this.fallback.delIfEquals(key, token);
      return deleted;
    });
  }
  expireIfEquals(key: string, token: string, ttlMs: number) {
    return this.run((s) => s.expireIfEquals(key, token, ttlMs));
  }
  incr(key: string, ttlMs: number) {
    return this.run((s) => s.incr(key, ttlMs));
  }
}
