// The cost bound seen from the HTTP edge: handleFeed with real summaries (createSummaries + the openai SDK
// against the fake OpenAI server, one MemoryStore) and the real candidate finder, on the fixture server's
// day. Bursts of default and custom requests: only the configured feed's requests start summaries, only
// the default profile's top papers are ever sent, within the per-request and daily budgets; feeds stay 200
// and show the summaries once they exist.
import { describe, expect, it } from "vitest";
import { composeDays } from "../../lib/arxiv/compose";
import { parseConfig, type AppConfig } from "../../lib/config";
import { handleFeed, type FeedHandlerDeps, type RenderedFeed } from "../../lib/http";
import { LruCache } from "../../lib/lru";
import { rankDays } from "../../lib/rank";
import { summaryCandidates, type RankedFeed } from "../../lib/feed";
import type { FeedFormat } from "../../lib/render/formats";
import { createChatModel } from "../../lib/summaries/llm";
import { createSummaries, disabledSummaries, type FillReport, type Summaries } from "../../lib/summaries/service";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi } from "../servers/fake-openai-server";
import { et, recordingLogger, sourceHarness, serverForTests, TUE_10AM, prng } from "../helpers/io";
import { API_KEY, PROMPT, callCounts, fixturePapers } from "../helpers/summaries";

const arxiv = serverForTests(startArxivFixtureServer);
const llm = serverForTests(startFakeOpenAi);

const ORIGIN = "http://127.0.0.1:3000";
const MODEL = "test-model";
const AI_MARK = `AI summary (by ${MODEL})`;

const config: AppConfig = parseConfig({
  categories: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"],
  keywords: ["LLM", "Inference", "Training", "Attention", "Efficient", "Distributed", { term: "Agent", weight: 2 }],
  exclude_keywords: ["survey"],
  announce_types: ["new", "cross"],
  max_papers: 30,
  days_back: 5,
  ai_summary: {
    enabled: true,
    model: MODEL,
    max_papers_to_summarize: 8,
    summaries_per_request: 2,
    max_summaries_per_day: 5,
    max_workers: 3,
    timeout_seconds: 5,
  },
});

/** The default profile's top 8 of the fixtures' day in some categories, computed here from the raw fixtures. */
function expectedTop8(categories: string[] = config.categories): string[] {
  const perCategory = categories.map((c) => [{ date: "2026-06-30", papers: fixturePapers(c) }]);
  const days = composeDays(categories, perCategory, config.daysBack);
  const ranked = rankDays(days, { ...config.profile, limit: 8 });
  expect(ranked).toHaveLength(1);
  return ranked[0]!.papers.map((r) => r.paper.id);
}

/** What may be summarized: the top 8 of the union and of each category, rank by rank across them, once each. */
function expectedCandidates(): string[] {
  const lists = [expectedTop8(), ...config.categories.map((c) => expectedTop8([c]))];
  const out: string[] = [];
  for (let rank = 0; rank < 8; rank++) for (const list of lists) if (list[rank] && !out.includes(list[rank]!)) out.push(list[rank]!);
  return out;
}

interface Task {
  path: string;
  run: () => Promise<void>;
}

function harness(options: { summaries?: "real" | "disabled" } = {}) {
  const sh = sourceHarness(arxiv, TUE_10AM, { timeoutMs: 3000 });
  const log = recordingLogger();
  const summaries: Summaries =
    options.summaries === "disabled"
      ? disabledSummaries(`no API key: ${config.aiSummary.api_key_env} is not set`)
      : createSummaries({
          store: sh.store,
          model: createChatModel({
            baseUrl: llm.baseUrl,
            apiKey: API_KEY,
            model: config.aiSummary.model,
            timeoutMs: 3000,
            maxOutputTokens: config.aiSummary.max_output_tokens,
          }),
          config: config.aiSummary,
          prompt: PROMPT,
          now: sh.clock.now,
          log,
          fullText: async () => ({ kind: "none" }),
          retrySeconds: 900,
          degraded: () => false,
        });
  const tasks: Task[] = [];
  /** What each scheduled task asked for and what it did. */
  const fills: { path: string; options: { limit: number; concurrency: number }; report: FillReport }[] = [];
  const base: FeedHandlerDeps = {
    config,
    source: sh.source,
    now: sh.clock.now,
    log,
    origin: { trustForwardedHeaders: false },
    renderTag: "summary-budgets",
    renderCache: new LruCache<RenderedFeed>(200, 64 * 1024 * 1024),
    summaries,
    feedCache: new LruCache<RankedFeed>(64, 64 * 1024 * 1024),
    storeDegraded: () => false,
    schedule: () => {
      throw new Error("use get()");
    },
  };

  /** As the app routes do: /{format}/{cats...}?query → handleFeed, with a schedule that keeps the task. */
  function get(path: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(path, ORIGIN);
    const [, format, ...rest] = url.pathname.split("/");
    const segments = rest.length ? rest.map(decodeURIComponent) : undefined;
    const deps: FeedHandlerDeps = {
      ...base,
      summaries: {
        ...summaries,
        fillMissing: async (candidates, opts) => {
          const report = await summaries.fillMissing(candidates, opts);
          fills.push({ path, options: opts, report });
          return report;
        },
      },
      schedule: (task) => {
        if (options.summaries === "disabled") throw new Error(`${path}: summaries are off, nothing may be scheduled`);
        tasks.push({ path, run: task });
      },
    };
    return handleFeed(new Request(url, init), format as FeedFormat, segments, deps);
  }

  /** Runs (and forgets) every task scheduled so far, all at once, as many instances' after() would. */
  async function runTasks(): Promise<number> {
    const batch = tasks.splice(0);
    await Promise.all(batch.map((t) => t.run()));
    return batch.length;
  }

  const summaryCandidatesIds = async () => (await summaryCandidates(base)).map((p) => p.id);
  return { ...sh, log, get, tasks, fills, runTasks, summaries, summaryCandidatesIds };
}


const DEFAULT_PATHS = ["/rss", "/json", "/atom", "/rss?utm_source=newsletter", "/json?fbclid=abc"];

function customPath(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const format = pick(["rss", "atom", "json"]);
  const words = ["speech", "vision", "graph", "robot", "privacy", "agent", "diffusion", "kernel", "benchmark", "LLM"];
  const query = pick([
    () => `keywords=${encodeURIComponent(`${pick(words)},${pick(words)}`)}`,
    () => `limit=${1 + Math.floor(rand() * 60)}`,
    () => `types=${pick(["new", "cross", "new,cross", "replace", "all"])}`,
    () => `keywords=${pick(words)}&limit=${1 + Math.floor(rand() * 20)}`,
    () => `exclude=${pick(words)}`,
    () => `min_score=${Math.floor(rand() * 3)}`,
  ])();
  return `/${format}${pick(["", "/cs.CL", "/cs.AI+cs.LG"])}?${query}`;
}

interface JsonFeed {
  items: { id: string; content_html: string; _arxiv: { ai_summary?: { model: string; markdown: string } } }[];
}

function summarizedIn(body: string, format: FeedFormat): number {
  return format === "json" ? (JSON.parse(body) as JsonFeed).items.filter((i) => i._arxiv.ai_summary).length : body.split(AI_MARK).length - 1;
}

describe("summaries through the HTTP edge stay within their budgets", () => {
  it("a burst of 60 default and custom requests: custom ones schedule nothing; all tasks together make at most 5 calls, each at most 2, only for candidates", async () => {
    const h = harness();
    const top8 = expectedTop8();
    const candidates = expectedCandidates();
    expect(top8).toHaveLength(8);
    // The candidate finder agrees with the fixtures' ranking, and so does the default feed's order.
    expect(await h.summaryCandidatesIds()).toEqual(candidates);
    expect(candidates.slice(0, 1)).toEqual(top8.slice(0, 1));
    const before = await h.get("/json");
    expect(((await before.json()) as JsonFeed).items.slice(0, 8).map((i) => i.id)).toEqual(top8);
    const first = await h.get("/rss");
    const etagBefore = first.headers.get("etag")!;
    // Its top papers are due summaries that are not there yet: caches must come back within minutes.
    expect(first.headers.get("cache-control")).toBe("public, max-age=0, s-maxage=300");
    h.tasks.splice(0); // those two requests' tasks are dropped: the burst starts with nothing summarized
    expect(llm.calls).toHaveLength(0);

    const rand = prng(20260630);
    const paths = Array.from({ length: 60 }, (_, i) => (i % 2 ? customPath(rand) : DEFAULT_PATHS[i % DEFAULT_PATHS.length]!));
    llm.setDelay(15);
    const responses = await Promise.all(paths.map((p) => h.get(p)));
    for (const [i, res] of responses.entries()) expect(res.status, paths[i]).toBe(200);
    await Promise.all(responses.map((r) => r.text()));

    // Only default requests scheduled work: one task each.
    const scheduled = h.tasks.map((t) => t.path);
    expect(scheduled.sort()).toEqual(paths.filter((_, i) => i % 2 === 0).sort());
    expect(await h.runTasks()).toBe(30);

    // The daily cap (5) over all tasks; the per-request budget (2) in each; only candidates, each once.
    expect(llm.calls.length).toBeLessThanOrEqual(5);
    expect(llm.calls).toHaveLength(5);
    expect(h.fills).toHaveLength(30);
    for (const f of h.fills) {
      expect(f.options.limit).toBe(2);
      expect(f.report.generated + f.report.failed, f.path).toBeLessThanOrEqual(2);
    }
    expect(h.fills.reduce((n, f) => n + f.report.generated, 0)).toBe(5);
    const asked = [...callCounts(llm)];
    expect(asked.every(([id, n]) => candidates.includes(id) && n === 1)).toBe(true);
    expect(llm.calls.every((c) => c.model === MODEL && c.authorization === `Bearer ${API_KEY}`)).toBe(true);

    // Later responses carry the summaries, under a new ETag.
    const rss = await h.get("/rss", { headers: { "If-None-Match": etagBefore } });
    expect(rss.status).toBe(200);
    expect(rss.headers.get("etag")).not.toBe(etagBefore);
    const rssBody = await rss.text();
    const shown = asked.filter(([id]) => rssBody.includes(`<guid isPermaLink="false">${id}</guid>`)).length;
    expect(summarizedIn(rssBody, "rss")).toBe(shown);
    const encoded = [...rssBody.matchAll(/<content:encoded>([\s\S]*?)<\/content:encoded>/g)].map((m) => m[1]!);
    expect(encoded.filter((c) => c.includes(AI_MARK))).toHaveLength(shown);

    const json = (await (await h.get("/json")).json()) as JsonFeed;
    const withSummary = json.items.filter((i) => i._arxiv.ai_summary);
    const inUnion = new Set(json.items.map((i) => i.id));
    expect(withSummary.map((i) => i.id).sort()).toEqual(asked.map(([id]) => id).filter((id) => inUnion.has(id)).sort());
    for (const item of withSummary) {
      expect(item._arxiv.ai_summary!.model).toBe(MODEL);
      expect(item._arxiv.ai_summary!.markdown).toContain("论文总结");
      expect(item.content_html).toContain(AI_MARK);
    }
    expect(summarizedIn(await (await h.get("/atom")).text(), "atom")).toBe(shown);
    // A custom feed shows existing summaries too, without starting any.
    const custom = (await (await h.get("/json?limit=500&types=all")).json()) as JsonFeed;
    expect(custom.items.filter((i) => i._arxiv.ai_summary).length).toBe(5);
    expect(h.tasks.filter((t) => t.path.includes("?limit"))).toHaveLength(0);

    // Another burst the same day: the cap is spent, nothing more is asked.
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.get(DEFAULT_PATHS[i % DEFAULT_PATHS.length]!)));
    await h.runTasks();
    expect(llm.calls).toHaveLength(5);
  });

  it("over the following days: at most 2 calls per request and 5 a day, until every candidate is summarized, once", async () => {
    const h = harness();
    const candidates = expectedCandidates();
    await h.get("/rss");
    for (let i = 0; i < 5; i++) await h.runTasks().then(() => h.get("/rss"));
    await h.runTasks();
    expect(llm.calls).toHaveLength(5);

    // The following US Eastern days (arXiv has not announced anything new: the same day's papers are served).
    const perDay: number[] = [];
    for (let day = 1; day <= 10 && llm.calls.length < candidates.length; day++) {
      h.clock.set(et(`2026-07-${String(day).padStart(2, "0")}`, "10:00"));
      const before = llm.calls.length;
      for (let i = 0; i < 5; i++) {
        const res = await h.get("/rss");
        expect(res.status).toBe(200);
        await res.text();
        const start = llm.calls.length;
        await h.runTasks();
        expect(llm.calls.length - start).toBeLessThanOrEqual(2);
      }
      perDay.push(llm.calls.length - before);
    }
    expect(perDay.every((n) => n <= 5)).toBe(true);
    expect([...callCounts(llm).keys()].sort()).toEqual([...candidates].sort());
    expect([...callCounts(llm).values()]).toEqual(Array(candidates.length).fill(1));

    h.clock.set(et("2026-07-20", "10:00"));
    await Promise.all(Array.from({ length: 10 }, () => h.get("/json")));
    await h.runTasks();
    expect(llm.calls).toHaveLength(candidates.length);
  });

  it("each scheduled task alone makes at most 2 calls (summaries_per_request)", async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.get("/json");
    const per: number[] = [];
    for (const task of h.tasks.splice(0)) {
      const before = llm.calls.length;
      await task.run();
      per.push(llm.calls.length - before);
    }
    expect(per).toEqual([2, 2, 1]);
  });

  it("a failing paper: its 3 attempts count against the cap; it waits its backoff while others go ahead; feeds stay 200", async () => {
    const h = harness();
    const [c0, c1, c2, c3] = expectedCandidates() as [string, string, string, string];
    const idsOf = (from: number) => llm.calls.slice(from).map((c) => c.paper!.replace(/v\d+$/, "")).sort();
    llm.setBehaviour(c0, "http-500");
    const first = await Promise.all(Array.from({ length: 5 }, () => h.get("/rss")));
    expect(first.every((r) => r.status === 200)).toBe(true);
    await Promise.all(first.map((r) => r.text()));
    // One task at a time, as requests arriving one after another would.
    const pending = h.tasks.splice(0);
    await pending[0]!.run();
    // The failing paper was asked 3 times (the fake server says retry after 10 ms), the next one once.
    expect(idsOf(0)).toEqual([c0, c0, c0, c1].sort());
    expect((await h.summaries.usage()).calls).toBe(4);

    llm.reset(); // all good from now on; the recorded calls start again from 0
    const res = await h.get("/rss");
    expect(res.status).toBe(200);
    expect(summarizedIn(await res.text(), "rss")).toBe(1);
    await pending[1]!.run();
    // The failed paper waits out its backoff (15 min); the next one is asked: the 5th call of the day.
    expect(idsOf(0)).toEqual([c2]);
    expect(h.fills.at(-1)!.report).toMatchObject({ waiting: 1, generated: 1, budgetExhausted: true });
    await pending[2]!.run();
    await pending[3]!.run();
    h.clock.advance(16 * 60_000);
    await h.get("/rss");
    await h.runTasks();
    expect(llm.calls).toHaveLength(1); // backoff over, but the day's 5 calls are spent (3 of them failed)
    expect(await h.summaries.usage()).toMatchObject({ calls: 5, cap: 5 });

    h.clock.set(et("2026-07-01", "10:00"));
    await h.get("/rss");
    await h.runTasks();
    expect(idsOf(1)).toEqual([c0, c3].sort()); // retried the next day, first in rank order
    const json = (await (await h.get("/json?limit=500&types=all")).json()) as JsonFeed;
    expect(json.items.filter((i) => i._arxiv.ai_summary).map((i) => i.id).sort()).toEqual([c0, c1, c2, c3].sort());
  });

  it("a model answering 500 to a burst of 30 default requests: 5 HTTP requests in all (the cap), retries included", async () => {
    const h = harness();
    llm.setBehaviour("*", "http-500");
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => h.get(DEFAULT_PATHS[i % DEFAULT_PATHS.length]!)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await Promise.all(responses.map((r) => r.text()));
    expect(await h.runTasks()).toBe(30);
    expect(llm.calls).toHaveLength(5);
    expect(await h.summaries.usage()).toMatchObject({ calls: 5, cap: 5 });
    expect(h.fills.some((f) => f.report.budgetExhausted)).toBe(true);
    // Later that day, every backoff over: not one more.
    h.clock.advance(6 * 3_600_000);
    await Promise.all(Array.from({ length: 10 }, () => h.get("/rss")));
    await h.runTasks();
    expect(llm.calls).toHaveLength(5);
  });
});

describe("without an API key", () => {
  it("disabledSummaries: no feed mentions AI summaries and nothing is scheduled", async () => {
    const h = harness({ summaries: "disabled" });
    for (const path of ["/rss", "/atom", "/json", "/rss/cs.AI", "/json?limit=10", "/atom?keywords=agent"]) {
      const res = await h.get(path);
      expect(res.status, path).toBe(200);
      const body = await res.text();
      expect(body, path).not.toContain("AI summary");
      expect(body, path).not.toContain("ai_summary");
      // Nothing is pending: caches may keep the feed until arXiv's next update.
      expect(res.headers.get("cache-control"), path).toMatch(/s-maxage=\d{4,}, stale-while-revalidate/);
    }
    expect(h.tasks).toHaveLength(0);
    expect(llm.calls).toHaveLength(0);
  });
});
