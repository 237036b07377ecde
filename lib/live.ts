// Production wiring: the one place that builds real dependencies (store, arXiv source, summarizer,
// caches) from config.json and the environment. Built once per process and reused by every request.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createArxivSource, type ArxivSource } from "./arxiv/source";
import { getConfig, getEnv, type AppConfig, type AppEnv } from "./config";
import type { ComposedUnion, RankedFeed } from "./feed";
import type { FeedHandlerDeps, RenderedFeed } from "./http";
import type { OpsDeps } from "./ops";
import { consoleLogger, type Logger } from "./log";
import { LruCache } from "./lru";
import { createWorkQueue } from "./work-queue";
import { CorruptReads } from "./store/corrupt-reads";
import { FailoverStore, type StoreHealth } from "./store/failover";
import { isCachedData } from "./store/keys";
import { KvStore } from "./store/kv";
import { MemoryStore } from "./store/memory";
import type { Store } from "./store/types";
import { fetchFullText } from "./summaries/fulltext";
import { createChatModel } from "./summaries/llm";
import { createSummaries, disabledSummaries, type Summaries } from "./summaries/service";
import packageJson from "../package.json";

export const USER_AGENT_PRODUCT = `arxiv-rss-bot/${packageJson.version}`;

/** Everything a request needs but the scheduler, which the route passes (Next's `after`). */
export interface LiveDeps extends Omit<FeedHandlerDeps, "schedule">, OpsDeps {
  store: Store;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function createStore(env: AppEnv, log: Logger): { store: Store; health: () => StoreHealth; degraded: () => boolean } {
  if (!env.kv) {
    const store = new MemoryStore();
    return { store, health: () => ({ kind: "memory", healthy: true }), degraded: () => false };
  }
  const store = new FailoverStore(KvStore.connect(env.kv), new MemoryStore(), {
    now: Date.now,
    log,
    retryPrimaryAfterMs: 15_000,
    mirror: isCachedData,
  });
  return { store, health: () => store.health(), degraded: () => store.degraded };
}

/** Next's build id, so that a rebuild (self-hosted: same version, no deployment id) changes every ETag. */
function readBuildId(): string | null {
  try {
    return readFileSync(path.join(/*turbopackIgnore: true*/ process.cwd(), ".next", "BUILD_ID"), "utf8").trim();
  } catch {
    return null;
  }
}

/**
 * Reads the prompt file named by config.json, relative to the project (where config.json is). The path
 * is computed, which would make the build trace the whole project into every function: the tracer is told
 * to look away, and next.config.ts ships exactly that file instead.
 */
export function readPromptFile(config: AppConfig): string {
  return readFileSync(path.resolve(/*turbopackIgnore: true*/ process.cwd(), config.aiSummary.prompt_file), "utf8");
}

function createLiveSummaries(
  config: AppConfig,
  env: AppEnv,
  store: Store,
  kvShared: boolean,
  degraded: () => boolean,
  userAgent: string,
  log: Logger,
  onCorruptRead: (key: string) => void,
): Summaries {
  const ai = config.aiSummary;
  if (!ai.enabled) return disabledSummaries("ai_summary.enabled is false in config.json");
  const apiKey = env.secrets[ai.api_key_env];
  if (!apiKey) return disabledSummaries(`no API key: ${ai.api_key_env} is not set`);
  // Without a shared store every serverless instance would summarize (and pay) on its own.
  if (env.onVercel && !kvShared) return disabledSummaries("on Vercel, summaries need a KV store (KV_REST_API_URL)");
  let prompt: string;
  try {
    prompt = readPromptFile(config);
  } catch (err) {
    log.error("cannot read the summary prompt; summaries are off", { file: ai.prompt_file, error: String(err) });
    return disabledSummaries(`cannot read ${ai.prompt_file}`);
  }
  const model = createChatModel({
    baseUrl: env.aiSummaryBaseUrl ?? ai.base_url,
    apiKey,
    model: env.aiSummaryModel ?? ai.model,
    timeoutMs: ai.timeout_seconds * 1000,
    maxOutputTokens: ai.max_output_tokens,
  });
  return createSummaries({
    store,
    model,
    config: ai,
    prompt,
    now: Date.now,
    log,
    retrySeconds: env.aiSummaryRetrySeconds,
    degraded,
    sleep,
    onCorruptRead,
    fullText: (paper) =>
      fetchFullText(paper, {
        polite: { store, now: Date.now, sleep, intervalMs: env.arxivHtmlMinIntervalMs, requestTimeoutMs: env.arxivTimeoutMs },
        fetch: (input, init) => fetch(input, init),
        baseUrl: env.arxivHtmlUrl,
        timeoutMs: env.arxivTimeoutMs,
        maxWaitMs: env.arxivMaxWaitMs,
        userAgent,
        maxChars: ai.fulltext_max_tokens * 4,
      }),
  });
}

/** The production wiring; `log` for a command-line tool whose stdout is its output. */
export function createLiveDeps(options: { log?: Logger } = {}): LiveDeps {
  const config = getConfig();
  const env = getEnv();
  const log = options.log ?? consoleLogger;
  const { store, health, degraded } = createStore(env, log);
  const now = Date.now;
  const corruptReads = new CorruptReads(now);
  const contact = env.siteUrl ?? "https://github.com/arxiv-rss-bot";
  const userAgent = `${USER_AGENT_PRODUCT} (+${contact}; one request per ${env.arxivMinIntervalMs / 1000} s)`;
  const source: ArxivSource = createArxivSource({
    store,
    fetch: (input, init) => fetch(input, init),
    now,
    sleep,
    log,
    arxivRssUrl: env.arxivRssUrl,
    minIntervalMs: env.arxivMinIntervalMs,
    timeoutMs: env.arxivTimeoutMs,
    maxWaitMs: env.arxivMaxWaitMs,
    retrySeconds: env.arxivRetrySeconds,
    daysBack: config.daysBack,
    userAgent,
    configured: config.categories,
    otherFetchesPerHour: config.onlyConfiguredCategories ? 0 : env.arxivOtherFetchesPerHour,
    staleWaitMs: env.arxivStaleWaitMs,
    onCorruptRead: (key) => corruptReads.record(key),
  });
  const summaries = createLiveSummaries(config, env, store, env.kv !== undefined, degraded, userAgent, log, (key) =>
    corruptReads.record(key),
  );
  if (!summaries.enabled) log.info("AI summaries are off", { reason: summaries.disabledReason });
  return {
    config,
    store,
    storeHealth: () => ({ ...health(), corruptReads: corruptReads.report() }),
    source,
    now,
    log,
    origin: { siteUrl: env.siteUrl, trustForwardedHeaders: env.trustForwardedHeaders },
    renderTag: createHash("sha256")
      .update(JSON.stringify([config, packageJson.version, env.deploymentId, readBuildId(), summaries.model ?? null]))
      .digest("base64url"),
    renderCache: new LruCache<RenderedFeed>(200, 64 * 1024 * 1024),
    summaries,
    // Bytes, at most (rankedFeedBytes): some hundred custom feeds of 150 papers.
    feedCache: new LruCache<RankedFeed>(256, 48 * 1024 * 1024),
    // One stranger's feed ranked at a time, a few more waiting; past that, 503 and Retry-After.
    customBuilds: createWorkQueue(1, 8, "custom feeds"),
    // Bytes, at most (the composed days and their word indexes, some 1.2 KB a paper): the unions custom
    // feeds are ranked from, a 5-day union of 2,000 papers a day about 12 MB.
    unions: new LruCache<ComposedUnion>(64, 32 * 1024 * 1024),
    storeDegraded: degraded,
    probeStore: async () => void (await store.get("arxiv-rss-bot:health-probe")),
    cronSecret: env.cronSecret,
    devServer: env.devServer,
    notes:
      env.onVercel && !env.kv
        ? [
            "No KV store (KV_REST_API_URL): on Vercel the arXiv politeness gate and the cache are per instance, so several instances may each fetch arXiv, and papers are fetched again by every cold instance. Add Upstash Redis in the Storage tab.",
          ]
        : [],
    version: packageJson.version,
  };
}

// Kept on globalThis so that development hot reloads do not forget the store and its politeness state.
const holder = globalThis as typeof globalThis & { __arxivRssBotDeps?: LiveDeps };

export function liveDeps(): LiveDeps {
  holder.__arxivRssBotDeps ??= createLiveDeps();
  return holder.__arxivRssBotDeps;
}
