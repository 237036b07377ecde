// Helpers for the KV unit tests: a real redis-server behind the Upstash REST shim (skipped loudly, or
// failed under REQUIRE_INTEGRATION=1, when redis-server is missing), a direct redis client to look at raw
// values, and a check that a piece of HTML carries nothing a browser or feed reader would run.
import { createClient } from "redis";
import { describe, it } from "vitest";
import { KvStore } from "../../../lib/store/kv";
import { hasRedisServer, startRedisServer, startUpstashShim, type RedisServer, type UpstashShim } from "../../servers/upstash-kv";

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

// ---------------------------------------------------------------------------------------------------
// HTML safety

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&colon;/gi, ":")
    .replace(/&tab;/gi, "\t")
    .replace(/&newline;/gi, "\n")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;|&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Every real tag in `html` (escaped ones, `&lt;script&gt;`, are text and are not tags). */
export function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?[a-zA-Z][^>]*>/g)].map((m) => m[0]);
}

/** The value of every href/src/action/formaction/xlink:href attribute, entity-decoded. */
export function urlsOf(html: string): string[] {
  const urls: string[] = [];
  for (const tag of tagsOf(html)) {
    for (const m of tag.matchAll(/\s(?:href|src|action|formaction|xlink:href|poster|background)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      urls.push(decodeEntities(m[2] ?? m[3] ?? m[4] ?? ""));
    }
  }
  return urls;
}

const DANGEROUS_TAGS = /^<\s*(script|iframe|object|embed|img|svg|math|style|link|meta|base|form|input|button|frame|frameset|video|audio|source)\b/i;

/** Problems that would make `html` run something in a reader; empty when it is inert. */
export function htmlSafetyProblems(html: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push("contains <script");
  for (const tag of tagsOf(html)) {
    // Table alignment is the one style markdown-it writes; anything else would be injected.
    const withoutAlign = tag.replace(/\sstyle="text-align:(left|right|center)"/g, "");
    // Quoted attribute values are data: only what is outside them can be an attribute name.
    const outsideValues = withoutAlign.replace(/"[^"]*"|'[^']*'/g, '""');
    if (/\son\w+\s*=/i.test(outsideValues) || /[/"']on\w+\s*=/i.test(outsideValues)) problems.push(`event handler in ${tag}`);
    if (/\sstyle\s*=/i.test(outsideValues)) problems.push(`style attribute in ${tag}`);
    if (DANGEROUS_TAGS.test(tag)) problems.push(`dangerous element ${tag}`);
  }
  for (const url of urlsOf(html)) {
    // Browsers ignore whitespace and control characters inside a scheme.
    const squeezed = url.replace(/[\u0000-\u0020\u007F-\u009F]/g, "").toLowerCase();
    if (/^(javascript|vbscript|data|file):/.test(squeezed)) problems.push(`dangerous URL ${JSON.stringify(url)}`);
  }
  return problems;
}
