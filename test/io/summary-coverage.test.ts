// Summaries where subscribers read them: with the shipped config.json on the fixture day, one cron run
// summarizes the default profile's top papers of the union and of every configured category, each once,
// within the daily cap, so the top of every configured feed carries a summary.
import { describe, expect, it } from "vitest";
import { getConfig } from "../../lib/config";
import { loadFeed, summaryCandidates, type RankedFeed } from "../../lib/feed";
import { LruCache } from "../../lib/lru";
import { handleCronRefresh, type OpsDeps } from "../../lib/ops";
import { parseFeedParams } from "../../lib/params";
import { createSummaries } from "../../lib/summaries/service";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi } from "../servers/fake-openai-server";
import { recordingLogger, sourceHarness, TUE_10AM, serverForTests } from "../helpers/io";
import { chatModel, PROMPT } from "../helpers/summaries";

const arxiv = serverForTests(startArxivFixtureServer);
const llm = serverForTests(startFakeOpenAi);
const config = getConfig();
const SECRET = "coverage-secret";

describe("one cron run with the shipped config.json", () => {
  it("summarizes the top of the union and of each configured category, each paper once, within the daily cap", async () => {
    const sh = sourceHarness(arxiv, TUE_10AM);
    const log = recordingLogger();
    const summaries = createSummaries({
      store: sh.store,
      model: chatModel(llm, { model: config.aiSummary.model }),
      config: config.aiSummary,
      prompt: PROMPT,
      now: sh.clock.now,
      log,
      fullText: async () => ({ kind: "none" }),
      retrySeconds: 900,
      degraded: () => false,
    });
    const deps: OpsDeps = {
      config,
      source: sh.source,
      now: sh.clock.now,
      log,
      summaries,
      feedCache: new LruCache<RankedFeed>(64, 64 * 1024 * 1024),
      storeHealth: () => ({ kind: "memory", healthy: true }),
      probeStore: async () => undefined,
      cronSecret: SECRET,
      devServer: false,
      notes: [],
      version: "test",
    };
    const res = await handleCronRefresh(new Request("http://x/api/cron/refresh", { headers: { Authorization: `Bearer ${SECRET}` } }), deps, 300_000);
    expect(res.status).toBe(200);

    const candidates = await summaryCandidates(deps);
    expect(new Set(candidates.map((p) => p.id)).size).toBe(candidates.length);
    expect(llm.calls).toHaveLength(candidates.length);
    expect(candidates.length).toBeLessThanOrEqual(config.aiSummary.max_summaries_per_day);

    const top = config.aiSummary.max_papers_to_summarize;
    const coverage: Record<string, string> = {};
    for (const path of [undefined, ...config.categories.map((c) => [c])]) {
      const feed = await loadFeed(parseFeedParams(path, new URLSearchParams(), config), deps);
      const head = feed.days[0]!.papers.slice(0, top);
      const summarized = head.filter((e) => e.summary).length;
      coverage[path ? `/rss/${path[0]}` : "/rss"] = `${summarized} of ${head.length}`;
      expect(summarized, path?.[0] ?? "union").toBe(head.length);
    }
    console.log(`after one cron run (${candidates.length} summaries): ${JSON.stringify(coverage)}`);
  });
});
