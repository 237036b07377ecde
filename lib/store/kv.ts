// Vercel KV (Upstash Redis over REST). The only importer of @vercel/kv. Values travel as JSON text;
// large ones (a category's papers) are gzipped, which keeps them far below Upstash's request limits.
import { createClient, type VercelKV } from "@vercel/kv";
import { gunzipSync, gzipSync } from "node:zlib";
import type { SetOptions, Store } from "./types";

const COMPRESS_OVER = 16 * 1024;
const GZIP_PREFIX = "gz1:";

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
    const values = await this.client.mget<unknown[]>(...keys);
    return values.map(decodeValue);
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    const text = encodeValue(value);
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
