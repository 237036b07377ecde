// What a reader's poll costs in KV: commands and HTTP round trips to Upstash (a real redis-server behind the
// shim), for a warm poll, a 304 and a poll while summaries are pending, with the work after the response
// counted apart. A slow KV then slows a poll by one round trip, not ten.
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseConfig } from "../../lib/config";
import type { RankedFeed } from "../../lib/feed";
import { handleFeed, type FeedHandlerDeps, type RenderedFeed } from "../../lib/http";
import { silentLogger } from "../../lib/log";
import { LruCache } from "../../lib/lru";
import { FailoverStore } from "../../lib/store/failover";
import { isCachedData } from "../../lib/store/keys";
import { MemoryStore } from "../../lib/store/memory";
import { createSummaries } from "../../lib/summaries/service";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi } from "../servers/fake-openai-server";
import { serverForTests, sourceHarness, TUE_10AM } from "../helpers/io";
import { describeWithRedis, startKv, type KvHarness } from "../helpers/redis";
import { PROMPT, chatModel } from "../helpers/summaries";

const arxiv = serverForTests(startArxivFixtureServer);
const llm = serverForTests(startFakeOpenAi);

const config = parseConfig({
  categories: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"],
  keywords: ["LLM", "Inference", "Training", "Attention", "Efficient", "Distributed"],
  announce_types: ["new", "cross"],
  ai_summary: { enabled: true, model: "m", max_papers_to_summarize: 5, summaries_per_request: 2, max_summaries_per_day: 100 },
});

/** KV commands and round trips per poll, for the note and for the bounds below. */
export interface PollCost {
  commands: number;
  roundTrips: number;
  /** The same, for the work run after the response (summaries), which the reader does not wait for. */
  afterCommands: number;
  afterRoundTrips: number;
}

describeWithRedis("KV round trips per poll", () => {
  let kv: KvHarness;
  beforeAll(async () => {
    kv = await startKv();
  }, 30_000);
  afterAll(async () => {
    await kv?.close();
  });

  function harness() {
    const store = new FailoverStore(kv.connect(2000), new MemoryStore(), { now: Date.now, log: silentLogger, retryPrimaryAfterMs: 15_000, mirror: isCachedData });
    const sh = sourceHarness(arxiv, TUE_10AM, { store: store as unknown as MemoryStore });
    const summaries = createSummaries({
      store,
      model: chatModel(llm, { model: "m" }),
      config: config.aiSummary,
      prompt: PROMPT,
      now: sh.clock.now,
      log: silentLogger,
      fullText: async () => ({ kind: "none" }),
      retrySeconds: 900,
      degraded: () => store.degraded,
    });
    const tasks: (() => Promise<void>)[] = [];
    const deps: FeedHandlerDeps = {
      config,
      source: sh.source,
      now: sh.clock.now,
      log: silentLogger,
      origin: { trustForwardedHeaders: false },
      renderTag: "kv-commands",
      renderCache: new LruCache<RenderedFeed>(200, 64 * 1024 * 1024),
      feedCache: new LruCache<RankedFeed>(64, 64 * 1024 * 1024),
      summaries,
      storeDegraded: () => store.degraded,
      schedule: (task) => void tasks.push(task),
    };
    async function poll(headers: Record<string, string> = {}): Promise<{ status: number; etag: string; cost: PollCost }> {
      const [c0, r0] = [kv.shim.commands.length, kv.shim.requests];
      const res = await handleFeed(new Request("http://feeds.local/rss", { headers }), "rss", undefined, deps);
      await res.arrayBuffer();
      const [c1, r1] = [kv.shim.commands.length, kv.shim.requests];
      for (const task of tasks.splice(0)) await task();
      const [c2, r2] = [kv.shim.commands.length, kv.shim.requests];
      return {
        status: res.status,
        etag: res.headers.get("etag")!,
        cost: { commands: c1 - c0, roundTrips: r1 - r0, afterCommands: c2 - c1, afterRoundTrips: r2 - r1 },
      };
    }
    return { poll };
  }

  it("a warm poll, a 304 and a poll while summaries are pending each cost a small, fixed number", async () => {
    await kv.reset();
    llm.setDelay(0);
    const h = harness();
    const cold = await h.poll(); // fetches arXiv, stores the papers, starts two summaries after responding
    expect(cold.status).toBe(200);
    const pending = await h.poll(); // summaries still pending (2 a request, more candidates than that)
    for (let calls = -1; calls !== llm.calls.length; ) {
      calls = llm.calls.length;
      await h.poll(); // until every candidate is summarized
    }
    const warm = await h.poll();
    const notModified = await h.poll({ "If-None-Match": warm.etag });
    expect(notModified.status).toBe(304);
    const costs = { pending: pending.cost, warm: warm.cost, notModified: notModified.cost };
    console.log(`KV per poll: ${JSON.stringify(costs)}`);
    // Warm and 304: the summaries' epoch only (the categories' states hold until their next check).
    for (const cost of [warm.cost, notModified.cost]) {
      expect(cost).toEqual({ commands: 1, roundTrips: 1, afterCommands: 0, afterRoundTrips: 0 });
    }
    // Pending: the epoch, then the summaries of the papers shown; after the response, the work of making
    // at most summaries_per_request (2) of them.
    expect(pending.cost.commands).toBeLessThanOrEqual(2);
    expect(pending.cost.roundTrips).toBeLessThanOrEqual(2);
    expect(pending.cost.afterCommands).toBeLessThanOrEqual(30);
  });
});
