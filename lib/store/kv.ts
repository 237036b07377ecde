// Vercel KV (Upstash Redis over REST). The only importer of @vercel/kv. Values travel as JSON text;
// large ones (a category's papers) are gzipped, and one that is still too big for a request is refused
// here, before anything is sent (see MAX_VALUE_BYTES).
import { createClient, type VercelKV } from "@vercel/kv";
import { gunzipSync, gzipSync } from "node:zlib";
import type { SetOptions, Store } from "./types";

const COMPRESS_OVER = 16 * 1024;
const GZIP_PREFIX = "gz1:";

/**
 * The most bytes one value's encoded text may have. The limits it rests on:
 * - Vercel KV's limits page (vercel.com/docs/storage/vercel-kv/limits): max request size 1 MB (Hobby).
 * - Upstash (upstash.com/docs/redis/troubleshooting/max_request_size_exceeded): max request size 10 MB on
 *   Free and Pay as you go, answered with "ERR max request size exceeded"; and it counts what one request
 *   reads, too ("load all elements in the list with a single request" can throw it). Max record 100 MB,
 *   max key 32 KB (max_record_size_exceeded, max_key_size_exceeded).
 * So the smallest, 1 MB (read as 1 MiB, the unit of Upstash's "Limit: 10485760 bytes"), binds, in both
 * directions: the SET carries the text as it is (base64 or JSON under 16 KB, which JSON-escaping at most
 * doubles), and the SDK reads it back base64-encoded (Upstash-Encoding: base64), 4/3 as long. 750,000
 * bytes is 1,000,000 read back, leaving 48 KB of the MiB for the key and the command around it.
 */
export const MAX_VALUE_BYTES = 750_000;

/** A value too big to send to KV in one request: refused before any request, and not a KV failure. */
export class ValueTooLargeError extends Error {
  override readonly name = "ValueTooLargeError";

  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly limit: number = MAX_VALUE_BYTES,
  ) {
    super(`value for key "${key}" is ${bytes} bytes encoded, over the ${limit}-byte cap for one KV value`);
  }
}

// INCR, and set the expiry only when this call created the counter.
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

// Compare and delete, compare and expire: a lock is released (or re-armed) only by its holder, in one step.
const DEL_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const PEXPIRE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export interface KvCredentials {
  url: string;
  token: string;
  /** Per-command timeout: a slow KV must not hold requests up for long. */
  timeoutMs: number;
}

type KvClient = Pick<VercelKV, "get" | "mget" | "set" | "del" | "eval">;

export function encodeValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json.length <= COMPRESS_OVER) return json;
  return GZIP_PREFIX + gzipSync(json).toString("base64");
}

export function decodeValue(raw: unknown): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw !== "string") return raw;
  try {
    const json = raw.startsWith(GZIP_PREFIX) ? gunzipSync(Buffer.from(raw.slice(GZIP_PREFIX.length), "base64")).toString() : raw;
    return JSON.parse(json);
  } catch {
    // Not ours, or damaged: the caller's schema check treats it as missing.
    return { unreadable: true };
  }
}

export class KvStore implements Store {

  constructor(private readonly client: KvClient) {}

  static connect(credentials: KvCredentials): KvStore {
    const client = createClient({
      url: credentials.url,
      token: credentials.token,
      automaticDeserialization: false,
      // @vercel/kv turns the SDK's auto-pipelining on, which sends the commands issued together as one
      // request: two values under MAX_VALUE_BYTES made one over the limit (and one answer over it).
      // One command per request keeps each request to one capped value; they still go in parallel.
      enableAutoPipelining: false,
      retry: { retries: 1, backoff: () => 100 },
      signal: () => AbortSignal.timeout(credentials.timeoutMs),
    });
    return new KvStore(client);
  }

  async get(key: string): Promise<unknown> {
    return decodeValue(await this.client.get(key));
  }

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 0) return [];
    // One MGET per MAX_VALUE_BYTES of keys (a feed of 2,000 papers a day for 30 days looks up 60,000
    // summaries, ~5 MB of keys); the usual feed's few hundred keys are one request. The answer carries
    // all the values found, so this is for small ones (summaries, counters), not for many papers records.
    const batches: string[][] = [];
    let batch: string[] = [];
    let batchBytes = 0;
    for (const key of keys) {
      const bytes = Buffer.byteLength(key) + 3; // its quotes and comma in the JSON body
      if (batch.length > 0 && batchBytes + bytes > MAX_VALUE_BYTES) {
        batches.push(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push(key);
      batchBytes += bytes;
    }
    batches.push(batch);
    const results = await Promise.all(batches.map((b) => this.client.mget<unknown[]>(...b)));
    return results.flat().map(decodeValue);
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    const text = encodeValue(value);
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_VALUE_BYTES) throw new ValueTooLargeError(key, bytes);
    const { ttlMs, onlyIfAbsent } = options;
    const result =
      ttlMs !== undefined
        ? onlyIfAbsent
          ? await this.client.set(key, text, { px: Math.max(1, Math.round(ttlMs)), nx: true })
          : await this.client.set(key, text, { px: Math.max(1, Math.round(ttlMs)) })
        : onlyIfAbsent
          ? await this.client.set(key, text, { nx: true })
          : await this.client.set(key, text);
    return result === "OK";
  }

  async del(key: string): Promise<void> {
    await this.client.del(key);
  }

  async delIfEquals(key: string, token: string): Promise<boolean> {
    return Number(await this.client.eval(DEL_IF_EQUALS, [key], [encodeValue(token)])) === 1;
  }

  async expireIfEquals(key: string, token: string, ttlMs: number): Promise<boolean> {
    const ms = String(Math.max(1, Math.round(ttlMs)));
    return Number(await this.client.eval(PEXPIRE_IF_EQUALS, [key], [encodeValue(token), ms])) === 1;
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const count = await this.client.eval(INCR_WITH_TTL, [key], [String(Math.max(1, Math.round(ttlMs)))]);
    return Number(count);
  }
}
