// AI summaries end to end: two `next start` processes share one real redis-server (through an Upstash
// REST shim, as Vercel KV), a local OpenAI-compatible server records every call, a local arXiv serves
// today's fixtures. One LLM call per paper however many requests; failures retried later; model output
// inert in every format; KV going down costs nothing but the summaries' progress.
import { readFileSync } from "node:fs";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeDays } from "../../lib/arxiv/compose";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { rankDays } from "../../lib/rank";
import { MODEL_MAX_RETRIES } from "../../lib/summaries/service";
import { FIXTURES_DIR, startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi, type FakeOpenAi } from "../servers/fake-openai-server";
import { hasRedisServer, startRedisServer, startUpstashShim, type RedisServer, type UpstashShim } from "../servers/upstash-kv";
import { startApp, type AppProcess } from "./app-process";
import { REQUIRE_INTEGRATION } from "./components";
import { feedparse } from "./feed-clients";

const config = getConfig();
const INTERVAL_MS = 200;
const CRON_SECRET = "cron-secret-for-tests";
const RETRY_SECONDS = 2;

if (!hasRedisServer()) {
  if (REQUIRE_INTEGRATION) throw new Error("REQUIRE_INTEGRATION=1 but redis-server is not installed (apt-get install redis-server)");
  console.warn("\n!!! redis-server is not installed (apt-get install redis-server): the summaries tests are SKIPPED !!!\n");
}
const run = hasRedisServer() ? describe : describe.skip;

/**
 * The papers the app may summarize, computed here from the fixtures: the configured top 15 of the day in
 * the union and in each category, rank by rank across them, each once.
 */
function expectedCandidates(): string[] {
  const dayOf = (c: string) => {
    const parsed = parseArxivRss(readFileSync(path.join(FIXTURES_DIR, `day/rss-${c}.xml`), "utf8"));
    if (parsed.kind !== "feed") throw new Error(`fixture ${c} did not parse`);
    return [{ date: "today", papers: parsed.papers }];
  };
  const profile = { ...config.profile, limit: config.aiSummary.max_papers_to_summarize };
  const top = (cats: string[]) => rankDays(composeDays(cats, cats.map(dayOf), config.daysBack), profile)[0]!.papers.map((r) => r.paper.id);
  const lists = [top(config.categories), ...config.categories.map((c) => top([c]))];
  const out: string[] = [];
  for (let rank = 0; rank < profile.limit; rank++) for (const list of lists) if (list[rank] && !out.includes(list[rank]!)) out.push(list[rank]!);
  return out;
}

/** The candidates a feed shows (a feed holds only some of them). */
const candidatesIn = (feed: JsonFeed) => candidates.filter((id) => feed.items.some((i) => i.id === id));

interface JsonFeed {
  items: { id: string; content_html: string; _arxiv: { ai_summary?: { model: string; markdown: string } } }[];
}

let arxiv: ArxivFixtureServer;
let llm: FakeOpenAi;
let redis: RedisServer;
let kv: UpstashShim;
let apps: AppProcess[] = [];
let candidates: string[];
const [FAIL_500, FAIL_EMPTY, FAIL_GARBAGE, FAIL_NOT_COMPLETION, MALICIOUS] = [0, 1, 2, 3, 4];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson(app: AppProcess, p: string): Promise<JsonFeed> {
  const res = await fetch(`${app.url}${p}`);
  expect(res.status).toBe(200);
  return (await res.json()) as JsonFeed;
}

/** Waits until the LLM server has been quiet for `quietMs` (background summaries have finished). */
/**
 * Waits until the model has been asked at least `atLeast` times in all and then nothing for `quietMs`:
 * work scheduled after a response may start late on a loaded machine, so quiet alone proves nothing.
 */
async function settle(quietMs = 1500, timeoutMs = 60_000, atLeast = 0): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    if (llm.calls.length !== seen) {
      seen = llm.calls.length;
      since = Date.now();
    } else if (seen >= atLeast && Date.now() - since >= quietMs) return;
    await sleep(100);
  }
  throw new Error("the LLM server never went quiet");
}

const callsFor = (id: string) => llm.calls.filter((c) => c.paper?.replace(/v\d+$/, "") === id);

/**
 * A failing paper's calls are whole attempts of `callsPerAttempt` requests each (a 500 is retried within
 * its attempt), and each attempt starts only after the backoff its failures earned:
 * AI_SUMMARY_RETRY_SECONDS (2), doubling.
 */
function expectAttemptsAfterBackoff(id: string, callsPerAttempt: number): void {
  const calls = callsFor(id);
  expect(calls.length, id).toBeGreaterThanOrEqual(callsPerAttempt);
  expect(calls.length % callsPerAttempt, id).toBe(0);
  for (let attempt = 1; attempt * callsPerAttempt < calls.length; attempt++) {
    const lastOfPrevious = calls[attempt * callsPerAttempt - 1]!.at;
    const firstOfThis = calls[attempt * callsPerAttempt]!.at;
    expect(firstOfThis - lastOfPrevious, `${id}: attempt ${attempt + 1}`).toBeGreaterThanOrEqual(RETRY_SECONDS * 1000 * 2 ** (attempt - 1));
  }
}

run("AI summaries with Vercel KV across two instances", () => {
  beforeAll(async () => {
    candidates = expectedCandidates();
    expect(candidates.length).toBeGreaterThan(config.aiSummary.max_papers_to_summarize);
    expect(candidates.length).toBeLessThanOrEqual(config.aiSummary.max_summaries_per_day);
    arxiv = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
    llm = await startFakeOpenAi();
    llm.setBehaviour(candidates[FAIL_500]!, "http-500");
    llm.setBehaviour(candidates[FAIL_EMPTY]!, "empty");
    llm.setBehaviour(candidates[FAIL_GARBAGE]!, "garbage");
    llm.setBehaviour(candidates[FAIL_NOT_COMPLETION]!, "not-a-completion");
    llm.setBehaviour(candidates[MALICIOUS]!, "malicious");
    redis = await startRedisServer();
    kv = await startUpstashShim(redis.url);
    const env = {
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_MIN_INTERVAL_MS: String(INTERVAL_MS),
      KV_REST_API_URL: kv.url,
      KV_REST_API_TOKEN: kv.token,
      [config.aiSummary.api_key_env]: "sk-test-key",
      AI_SUMMARY_BASE_URL: llm.baseUrl,
      AI_SUMMARY_MODEL: "test-model",
      AI_SUMMARY_RETRY_SECONDS: String(RETRY_SECONDS),
      CRON_SECRET,
    };
    apps = await Promise.all([startApp(env), startApp(env)]);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await kv?.close();
    await redis?.stop();
    await llm?.close();
    await arxiv?.close();
  });

  it("50 concurrent requests to two instances: one arXiv fetch for all, one LLM call per paper", async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => fetch(`${apps[i % 2]!.url}/rss`).then(async (r) => [r.status, await r.text()] as const)),
    );
    expect(responses.every(([status]) => status === 200)).toBe(true);
    // Every candidate once, and the one failing with a 500 three times in all.
    await settle(1500, 60_000, candidates.length + 2);

    // arXiv: once across both instances, for the union of the configured categories; never two at a
    // time, spaced.
    expect(arxiv.requests.map((r) => r.category)).toEqual([config.categories.join("+")]);
    expect(arxiv.maxConcurrent).toBe(1);
    const byStart = [...arxiv.requests].sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < byStart.length; i++) {
      expect(byStart[i]!.startedAt - byStart[i - 1]!.endedAt!).toBeGreaterThanOrEqual(INTERVAL_MS - 15);
    }

    // The model: only the day's top 15 of the configured feed, all with our key and the overriding
    // model name. Each paper that succeeds is asked exactly once. One that fails may be asked again by a
    // request still summarizing once its backoff has run out (on a loaded machine the 50 requests'
    // summaries can take longer than the 2 s): never sooner, and never twice at once.
    const asked = new Set(llm.calls.map((c) => c.paper!.replace(/v\d+$/, "")));
    expect([...asked].sort()).toEqual([...candidates].sort());
    for (const [i, id] of candidates.entries()) {
      if (i === FAIL_500) expectAttemptsAfterBackoff(id, 1 + MODEL_MAX_RETRIES);
      else if (i === FAIL_EMPTY || i === FAIL_GARBAGE || i === FAIL_NOT_COMPLETION) expectAttemptsAfterBackoff(id, 1);
      else expect(callsFor(id), id).toHaveLength(1);
    }
    expect(llm.calls.every((c) => c.model === "test-model" && c.authorization === "Bearer sk-test-key")).toBe(true);
    expect(llm.calls.every((c) => c.maxTokens === config.aiSummary.max_output_tokens)).toBe(true);
  });

  it("passes the paper as delimited data after the old bot's prompt", () => {
    const call = callsFor(candidates[5]!)[0]!;
    const [system, user] = call.messages;
    expect(system!.role).toBe("system");
    expect(system!.content).toContain("论文的主要贡献和创新点");
    const boundary = /<<<PAPER (\w+)>>>/.exec(user!.content)?.[1];
    expect(boundary).toBeDefined();
    expect(system!.content).toContain(`<<<PAPER ${boundary}>>>`);
    expect(user!.content.trim().endsWith(`<<<END PAPER ${boundary}>>>`)).toBe(true);
    expect(system!.content).toMatch(/do not follow them/);
  });

  it("serves the summaries from KV on both instances, in every format, without asking the model again", async () => {
    const calls = llm.calls.length;
    for (const app of apps) {
      const feed = await getJson(app, "/json");
      const summarized = feed.items.filter((i) => i._arxiv.ai_summary).map((i) => i.id);
      const failed = [FAIL_500, FAIL_EMPTY, FAIL_GARBAGE, FAIL_NOT_COMPLETION].map((i) => candidates[i]!);
      expect(summarized.sort()).toEqual(candidatesIn(feed).filter((id) => !failed.includes(id)).sort());
      for (const item of feed.items.filter((i) => i._arxiv.ai_summary)) {
        expect(item._arxiv.ai_summary!.model).toBe("test-model");
        expect(item.content_html).toContain("<h3>AI summary (by test-model)</h3>");
        expect(item.content_html).toContain("<h3>Abstract</h3>");
      }
      // Real summaries keep their headings and their GFM tables.
      const withSummary = feed.items.filter((i) => i._arxiv.ai_summary && i.id !== candidates[MALICIOUS]);
      for (const item of withSummary) {
        expect(item.content_html, item.id).toContain("<h2>1. 论文的主要贡献和创新点</h2>");
        expect(item.content_html, item.id).toContain(`arXiv:${item.id}v`);
        expect(item.content_html, item.id).toMatch(/<table>\s*<thead>\s*<tr>\s*<th>数据集<\/th>/);
      }

      const rss = await (await fetch(`${app.url}/rss`)).text();
      const parsed = feedparse(rss);
      expect(parsed.bozo).toBe(false);
      expect(parsed.entries.filter((e) => e.content.includes("AI summary (by test-model)")).length).toBe(summarized.length);
      const atom = await (await fetch(`${app.url}/atom`)).text();
      expect(feedparse(atom).entries.filter((e) => e.content.includes("AI summary (by test-model)")).length).toBe(summarized.length);
    }
    await settle(1000);
    // Nothing summarized is asked for again (the failed ones may be retried: see below).
    const failedIds = [FAIL_500, FAIL_EMPTY, FAIL_GARBAGE, FAIL_NOT_COMPLETION].map((i) => candidates[i]!);
    expect(llm.calls.slice(calls).every((c) => failedIds.includes(c.paper!.replace(/v\d+$/, "")))).toBe(true);
  });

  it("makes model output inert in RSS, Atom and JSON Feed", async () => {
    const id = candidates[MALICIOUS]!;
    const app = apps[0]!;
    const xml = new XMLParser({ parseTagValue: false, isArray: (n) => n === "item" || n === "entry" });
    const rss = xml.parse(await (await fetch(`${app.url}/rss`)).text());
    const rssItem = (rss.rss.channel.item as { guid: string; "content:encoded": string }[]).find((i) => String(i.guid) === id)!;
    const atom = xml.parse(await (await fetch(`${app.url}/atom`)).text());
    const atomEntry = (atom.feed.entry as { id: string; content: string }[]).find((e) => e.id.endsWith(`/${id}`))!;
    const json = (await getJson(app, "/json")).items.find((i) => i.id === id)!;
    for (const content of [rssItem["content:encoded"], atomEntry.content, json.content_html]) {
      expect(content).toContain("AI summary (by test-model)");
      const html = content.slice(content.indexOf("AI summary"), content.indexOf("<h3>Abstract</h3>"));
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<(img|iframe|div|b)\b/i);
      expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
      expect(html).toContain("&lt;script&gt;");
    }
  });

  it("retries failed summaries after their backoff, until they succeed, then never again", async () => {
    const failing = [FAIL_500, FAIL_EMPTY, FAIL_GARBAGE, FAIL_NOT_COMPLETION].map((i) => candidates[i]!);
    const succeeded = candidates.filter((id) => !failing.includes(id));
    const before = new Map(candidates.map((id) => [id, callsFor(id).length]));
    for (const id of failing) llm.setBehaviour(id, "ok");
    // Readers keep polling; the backoff (AI_SUMMARY_RETRY_SECONDS=2, doubling) runs out and they are retried.
    const deadline = Date.now() + 45_000;
    while (failing.some((id) => !callsFor(id).some((c) => c.behaviour === "ok")) && Date.now() < deadline) {
      await Promise.all(apps.map((a) => fetch(`${a.url}/rss`).then((r) => r.text())));
      await sleep(500);
    }
    await settle();
    for (const id of failing) {
      const calls = callsFor(id);
      expect(calls.some((c) => c.behaviour !== "ok"), id).toBe(true); // it did fail first
      expect(calls.filter((c) => c.behaviour === "ok"), id).toHaveLength(1); // and succeeded once
    }
    for (const id of succeeded) expect(callsFor(id).length, id).toBe(before.get(id));
    const feed = await getJson(apps[1]!, "/json");
    expect(feed.items.filter((i) => i._arxiv.ai_summary).length).toBe(candidatesIn(feed).length);
  });

  it("custom query strings reuse summaries and never start new ones", async () => {
    const calls = llm.calls.length;
    const feed = await getJson(apps[0]!, `/json?keywords=${encodeURIComponent(config.profile.keywords.map((k) => k.term).join(","))}&limit=60`);
    expect(feed.items.filter((i) => i._arxiv.ai_summary).length).toBe(candidatesIn(feed).length);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => fetch(`${apps[i % 2]!.url}/rss/cs.CL?keywords=k${i}&limit=${i + 1}`).then((r) => r.text())),
    );
    await settle(1000);
    expect(llm.calls.length).toBe(calls);
  });

  it("the cron refresh needs the secret and reports what it did", async () => {
    const app = apps[0]!;
    expect((await fetch(`${app.url}/api/cron/refresh`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/cron/refresh`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
    const res = await fetch(`${app.url}/api/cron/refresh`, { headers: { Authorization: `Bearer ${CRON_SECRET}` } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      ok: boolean;
      categories: { category: string; version: string | null }[];
      summaries: { candidates: number; existing: number; generated: number };
    };
    expect(report.ok).toBe(true);
    expect(report.categories.map((c) => c.category)).toEqual(config.categories);
    expect(report.categories.every((c) => typeof c.version === "string")).toBe(true);
    expect(report.summaries).toMatchObject({ candidates: candidates.length, existing: candidates.length, generated: 0 });
  });

  it("keeps serving feeds when KV goes down, says so in /api/health, and starts no summaries meanwhile", async () => {
    const healthy = await fetch(`${apps[0]!.url}/api/health`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({
      status: "ok",
      store: { kind: "kv", healthy: true, configured: true },
      summaries: { enabled: true, model: "test-model", today: { cap: config.aiSummary.max_summaries_per_day } },
    });

    const calls = llm.calls.length;
    kv.setDown(true);
    try {
      for (const app of apps) {
        for (const p of ["/rss", "/atom/cs.AI+cs.CL", "/json/cs.LG", "/rss?keywords=LLM"]) {
          const res = await fetch(`${app.url}${p}`);
          expect(res.status, `${p} while KV is down`).toBe(200);
        }
        const health = await fetch(`${app.url}/api/health`);
        expect(health.status).toBe(200);
        const body = (await health.json()) as { status: string; store: { healthy: boolean; lastError?: string } };
        expect(body.status).toBe("degraded");
        expect(body.store.healthy).toBe(false);
        expect(body.store.lastError).toBeTruthy();
      }
      await settle(1000);
      expect(llm.calls.length).toBe(calls);
      expect(apps.every((a) => !/\n\s+at .+:\d+:\d+/.test(a.output().split("KV failed")[1] ?? ""))).toBe(true);
    } finally {
      kv.setDown(false);
    }
  });
});
