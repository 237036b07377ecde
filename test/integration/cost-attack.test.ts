// A cost attack: a burst of requests with random parameters (formats, pages, categories configured and
// not, keywords, limits, types) against `next start` with the fixture arXiv and the fake model. However
// many, they cause no model call beyond the budgets (custom feeds start none; each candidate at most
// once), no arXiv request beyond one per category per update plus the unconfigured budget, and no 500.
// COST_ATTACK_RUNS (default 2,000 here; `npm run test:cost-attack` sends 10,000).
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi, type FakeOpenAi } from "../servers/fake-openai-server";
import { startApp, type AppProcess } from "./app-process";

const RUNS = Number(process.env.COST_ATTACK_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CONCURRENCY = 16;
const OTHER_BUDGET = 5;
const config = getConfig();
const OTHERS = ["cs.RO", "cs.SE", "cs.CR", "math.CO", "hep-th", "quant-ph", "stat.ML", "eess.SP", "physics.optics", "q-bio.NC", "econ.EM", "astro-ph.GA"];
const WORDS = ["LLM", "agent", "diffusion", "graph", "RL", "quantum", "privacy", "benchmark", "vision", "ε", "<b>", "%", "x".repeat(120)];

let arxiv: ArxivFixtureServer;
let llm: FakeOpenAi;
let app: AppProcess;

beforeAll(async () => {
  arxiv = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
  llm = await startFakeOpenAi();
  app = await startApp({
    ARXIV_RSS_URL: arxiv.rssUrl,
    ARXIV_MIN_INTERVAL_MS: "0",
    ARXIV_OTHER_FETCHES_PER_HOUR: String(OTHER_BUDGET),
    [config.aiSummary.api_key_env]: "sk-test-key",
    AI_SUMMARY_BASE_URL: llm.baseUrl,
    AI_SUMMARY_MODEL: "test-model",
  });
});

afterAll(async () => {
  await app?.stop();
  await llm?.close();
  await arxiv?.close();
});

const category = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...config.categories) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHERS) },
  { weight: 1, arbitrary: fc.constantFrom("cs.XX", "foo", "CS.ai", "math") },
);
const terms = fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }).map((t) => t.join(","));
// Mostly valid values, some not; a parameter the service does not read now and then.
const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        keywords: terms,
        exclude: terms,
        limit: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 500 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom("0", "9999", "abc") }),
        types: fc.constantFrom("all", "new", "new,cross", "replace", "nope"),
        match: fc.constantFrom("prefix", "word", "substring", "prefix", "word", "regex"),
        min_score: fc.constantFrom("0", "1.5", "2", "x"),
        utm_source: fc.constant("attack"),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ evil: "1" }) },
);
const request = fc
  .record({
    route: fc.constantFrom("rss", "atom", "json", "md", "c", "", "opml"),
    categories: fc.array(category, { minLength: 0, maxLength: 4 }),
    query,
  })
  .map(({ route, categories, query }) => {
    const path = route === "" || route === "opml" ? `/${route}` : categories.length ? `/${route}/${categories.join("+")}` : route === "c" ? "/" : `/${route}`;
    const search = new URLSearchParams(query as Record<string, string>).toString();
    return search ? `${path}?${search}` : path;
  });

it(`${RUNS} random requests: no 500, model calls within budget, arXiv asked once per category plus the budget`, async () => {
  const paths = fc.sample(request, { numRuns: RUNS, seed: SEED });
  const statuses = new Map<number, number>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const res = await fetch(`${app.url}${path}`, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500 && res.status !== 503) throw new Error(`${res.status} for ${path}`);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  // Let after()-work (summaries started by the configured feeds' readers) finish.
  for (let quiet = 0, last = -1; quiet < 10; ) {
    await new Promise((r) => setTimeout(r, 200));
    quiet = llm.calls.length === last ? quiet + 1 : 0;
    last = llm.calls.length;
  }
  console.log(`cost attack: ${RUNS} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}; arXiv requests ${arxiv.requests.length}; model calls ${llm.calls.length}`);

  expect([...statuses.keys()].every((s) => [200, 304, 308, 400, 404, 503].includes(s))).toBe(true);
  expect(statuses.get(200)).toBeGreaterThan(0);
  expect(statuses.get(400)).toBeGreaterThan(0);

  // arXiv: each configured category once (the fixtures carry today's date), alone or in a union; other
  // categories (or unions of them) only within the hourly budget and each once, nothing for a code arXiv
  // does not have.
  const asked = arxiv.requests.map((r) => r.category);
  const isConfigured = (a: string) => a.split("+").every((c) => config.categories.includes(c));
  for (const c of config.categories) expect(asked.filter((a) => isConfigured(a) && a.split("+").includes(c)), c).toHaveLength(1);
  const others = asked.filter((a) => !isConfigured(a));
  expect(others.length).toBeLessThanOrEqual(OTHER_BUDGET);
  expect(new Set(others).size).toBe(others.length);

  // The model: at most the daily cap, each paper at most once, and only the configured feeds' candidates
  // (the top max_papers_to_summarize of each configured feed): at most that many per feed.
  const papers = llm.calls.map((c) => c.paper);
  expect(papers.length).toBeLessThanOrEqual(config.aiSummary.max_summaries_per_day);
  expect(new Set(papers).size).toBe(papers.length);
  const feeds = config.categories.length > 1 ? config.categories.length + 1 : 1;
  expect(papers.length).toBeLessThanOrEqual(feeds * config.aiSummary.max_papers_to_summarize);
});
