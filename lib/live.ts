// Production wiring: the one place that builds real dependencies (store, arXiv source, caches) from
// config.json and the environment. Built once per process and reused by every request.
import { createHash } from "node:crypto";
import { createArxivSource } from "./arxiv/source";
import { getConfig, getEnv } from "./config";
import type { FeedHandlerDeps, RenderedFeed } from "./http";
import { consoleLogger } from "./log";
import { LruCache } from "./lru";
import { MemoryStore } from "./store/memory";
import type { Store } from "./store/types";
import packageJson from "../package.json";

export const USER_AGENT_PRODUCT = `arxiv-rss-bot/${packageJson.version}`;

export interface LiveDeps extends FeedHandlerDeps {
  store: Store;
}

function createLiveDeps(): LiveDeps {
  const config = getConfig();
  const env = getEnv();
  const store = new MemoryStore();
  const now = Date.now;
  const contact = env.siteUrl ?? "https://github.com/arxiv-rss-bot";
  const source = createArxivSource({
    store,
    fetch: (input, init) => fetch(input, init),
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: consoleLogger,
    arxivRssUrl: env.arxivRssUrl,
    minIntervalMs: env.arxivMinIntervalMs,
    timeoutMs: env.arxivTimeoutMs,
    maxWaitMs: env.arxivMaxWaitMs,
    retrySeconds: env.arxivRetrySeconds,
    daysBack: config.daysBack,
    userAgent: `${USER_AGENT_PRODUCT} (+${contact}; one request per ${env.arxivMinIntervalMs / 1000} s)`,
  });
  return {
    config,
    store,
    source,
    now,
    log: consoleLogger,
    siteUrl: env.siteUrl,
    renderTag: createHash("sha256")
      .update(JSON.stringify([config, packageJson.version, env.deploymentId]))
      .digest("base64url"),
    renderCache: new LruCache<RenderedFeed>(200, 64 * 1024 * 1024),
  };
}

// Kept on globalThis so that development hot reloads do not forget the store and its politeness state.
const holder = globalThis as typeof globalThis & { __arxivRssBotDeps?: LiveDeps };

export function liveDeps(): LiveDeps {
  holder.__arxivRssBotDeps ??= createLiveDeps();
  return holder.__arxivRssBotDeps;
}
