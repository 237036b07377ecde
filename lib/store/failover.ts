// KV with the in-process store behind it: when KV fails, the request goes on from memory (and arXiv),
// KV is left alone for a short while, and health() says what happened.
import type { Logger } from "../log";
import type { CorruptReadsReport } from "./corrupt-reads";
import type { SetOptions, Store } from "./types";

export interface StoreHealth {
  kind: "memory" | "kv";
  /** False while KV is failing and requests run from the in-process store. */
  healthy: boolean;
  lastError?: string;
  failingSince?: string;
  /** Values read back that failed validation (treated as missing and rewritten). */
  corruptReads?: CorruptReadsReport;
}

export class FailoverStore implements Store {
  private skipPrimaryUntil = 0;
  private failingSince?: number;
  private lastError?: string;

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
    };
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
    return this.run(async (s) => {
      const value = await s.get(key);
      if (s === this.primary) this.keepCopy(key, value);
      return value;
    });
  }
  getMany(keys: readonly string[]) {
    return this.run(async (s) => {
      const values = await s.getMany(keys);
      if (s === this.primary) keys.forEach((key, i) => this.keepCopy(key, values[i]));
      return values;
    });
  }
  set(key: string, value: unknown, options?: SetOptions) {
    return this.run(async (s) => {
      const written = await s.set(key, value, options);
      if (s === this.primary && written) this.keepCopy(key, value, options?.ttlMs);
      return written;
    });
  }
  del(key: string) {
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
