// The KV of the unit tests: a real redis-server behind the Upstash REST shim (skipped loudly, or failed
// under REQUIRE_INTEGRATION=1, when redis-server is missing), and a direct redis client to look at raw values.
import { createClient } from "redis";
import { describe, it } from "vitest";
import { KvStore } from "../../lib/store/kv";
import { hasRedisServer, startRedisServer, startUpstashShim, type RedisServer, type UpstashShim } from "../servers/upstash-kv";

export const REDIS_AVAILABLE = hasRedisServer();

/** describe() for tests that need redis-server: skipped with a loud warning, or failing when it is required. */
export function describeWithRedis(name: string, body: () => void): void {
  if (REDIS_AVAILABLE) {
    describe(name, body);
    return;
  }
  if (process.env.REQUIRE_INTEGRATION === "1") {
    describe(name, () => {
      it("needs redis-server (REQUIRE_INTEGRATION=1)", () => {
        throw new Error("redis-server is not installed, and REQUIRE_INTEGRATION=1 forbids skipping the KV tests");
      });
    });
    return;
  }
  console.warn(
    `\n${"!".repeat(78)}\n!!! SKIPPING "${name}": redis-server is not installed (apt-get install redis-server).\n` +
      `!!! The KV tests did NOT run. Set REQUIRE_INTEGRATION=1 to make this a failure.\n${"!".repeat(78)}\n`,
  );
  describe.skip(name, body);
}

export type DirectRedis = ReturnType<typeof createClient>;

export interface KvHarness {
  redis: RedisServer;
  shim: UpstashShim;
  /** Talks to redis-server itself, around the shim: raw values, PTTL, corrupting writes. */
  direct: DirectRedis;
  /** A KvStore as production builds it (KvStore.connect), pointed at the shim. */
  connect(timeoutMs?: number, token?: string): KvStore;
  /** Empties redis and the shim's command log. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startKv(): Promise<KvHarness> {
  const redis = await startRedisServer();
  const shim = await startUpstashShim(redis.url);
  const direct = createClient({ url: redis.url });
  direct.on("error", () => undefined);
  await direct.connect();
  return {
    redis,
    shim,
    direct,
    connect: (timeoutMs = 1000, token = shim.token) => KvStore.connect({ url: shim.url, token, timeoutMs }),
    async reset() {
      shim.setDown(false);
      await direct.flushAll();
      shim.commands.length = 0;
    },
    async close() {
      await direct.quit().catch(() => undefined);
      await shim.close().catch(() => undefined);
      await redis.stop();
    },
  };
}

/** The command names the shim received, lower-cased (pipelines are recorded command by command). */
export const commandNames = (shim: UpstashShim) => shim.commands.map((c) => c[0]!.toLowerCase());

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function elapsed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([fn()]);
  return { ms: performance.now() - started, result: result! };
}
