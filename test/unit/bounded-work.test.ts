// One request's work is bounded: a ceiling on what a query may cost (a 400 that says it), stranger's
// feeds ranked one at a time in slices, and a queue that refuses rather than grows.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config";
import { AppError } from "../../lib/errors";
import { rankedFeedBytes } from "../../lib/feed";
import { LruCache } from "../../lib/lru";
import { MAX_QUERY_COST, parseFeedParams, queryCost } from "../../lib/params";
import { rankDays, rankDaysInSlices } from "../../lib/rank";
import { createWorkQueue } from "../../lib/work-queue";
import { catchAppError, makeProfile, parseFixture } from "../helpers/fixtures";

const config = parseConfig({ categories: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"], keywords: ["LLM", "agent"], max_papers: 30 });
const terms = (n: number, prefix = "term") => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(",");
const TEN = "cs.AI+cs.CL+cs.CV+cs.LG+cs.RO+cs.CR+cs.SE+cs.DS+math+physics";

describe("the cost ceiling of one query", () => {
  it("the tester's query (10 archives, 50 keywords, 50 exclusions, limit=500) is refused with a 400 that says the limit", () => {
    const err = catchAppError(() =>
      parseFeedParams([TEN], new URLSearchParams({ keywords: terms(50), exclude: terms(50, "x"), limit: "500" }), config),
    );
    expect(err.code).toBe("bad_request");
    expect(err.message).toBe(
      `This feed would cost too much to build: 10 categories × 100 keywords and exclusions over 5 days, up to 2500 papers shown, is ${queryCost(10, 100, 500, 5)} units of work; the limit is ${MAX_QUERY_COST}. Ask for fewer categories or keywords, or a lower limit.`,
    );
  });

  it.each([
    ["every paper of one category", ["cs.CV"], { keywords: "", limit: "500", types: "all" }],
    ["10 categories with 20 keywords", [TEN], { keywords: terms(20), limit: "100" }],
    ["the configured feed with 50 keywords", undefined, { keywords: terms(50) }],
    ["a union of two, every paper", ["cs.AI+cs.CL"], { keywords: "", exclude: "", limit: "500", types: "all" }],
  ] as const)("allows %s", (_name, segments, query) => {
    expect(() => parseFeedParams(segments ? [...segments] : undefined, new URLSearchParams(query), config)).not.toThrow();
  });

  it("the deployment's own feed is never over the ceiling, however large config.json makes it", () => {
    const big = parseConfig({ categories: TEN.split("+"), keywords: terms(200).split(","), max_papers: 500 });
    expect(queryCost(10, 200, 500, 5)).toBeGreaterThan(MAX_QUERY_COST);
    expect(() => parseFeedParams(undefined, new URLSearchParams(), big)).not.toThrow();
    expect(() => parseFeedParams(undefined, new URLSearchParams({ min_score: "1" }), big)).not.toThrow();
  });

  it("grows with categories, terms, shown papers and days", () => {
    const base = queryCost(2, 10, 30, 5);
    expect(queryCost(4, 10, 30, 5)).toBeGreaterThan(base);
    expect(queryCost(2, 20, 30, 5)).toBeGreaterThan(base);
    expect(queryCost(2, 10, 60, 5)).toBeGreaterThan(base);
    expect(queryCost(2, 10, 30, 10)).toBeGreaterThan(base);
  });
});

describe("rankDaysInSlices", () => {
  const feed = parseFixture("rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml");
  const days = [
    { date: "2026-06-29", papers: feed.papers },
    { date: "2026-06-30", papers: feed.papers.slice(0, 700) },
  ];

  it.each([
    // Nothing to scan: 2,700 papers' filtering and scoring are less than a slice, one turn in all.
    ["no keywords", makeProfile({ limit: 50 }), 1],
    ["keywords and exclusions", makeProfile({ keywords: [{ term: "model", weight: 1 }, { term: "graph", weight: 2 }], exclude: ["quantum"], limit: 40 }), 2],
    // 62 terms: some 800 papers a slice, so the 2,000-paper day takes three.
    ["a long keyword list", makeProfile({ keywords: terms(60).split(",").concat("learning").map((term) => ({ term, weight: 1 })), limit: 2000 }), 4],
  ] as const)("ranks exactly as rankDays (%s), yielding between slices", async (_name, profile, minTurns) => {
    let turns = 0;
    const sliced = await rankDaysInSlices(days, profile, async () => void turns++);
    expect(sliced).toEqual(rankDays(days, profile));
    expect(turns).toBeGreaterThanOrEqual(minTurns);
  });
});

describe("createWorkQueue", () => {
  it("runs one at a time in arrival order, and refuses past its waiting room with a 503-style busy error", async () => {
    const queue = createWorkQueue(1, 2, "custom feeds");
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve) => {
        order.push(n);
        gates.push(() => resolve(n));
      });
    const first = queue.run(task(1));
    const second = queue.run(task(2));
    const third = queue.run(task(3));
    expect(queue.load).toEqual({ running: 1, waiting: 2 });
    const refused = queue.run(task(4));
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: "busy", retryAfterSeconds: 5, message: expect.stringContaining("custom feeds") });
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 3]);
    expect(order).toEqual([1, 2, 3]);
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });

  it("a failing task frees its slot", async () => {
    const queue = createWorkQueue(1, 0, "x");
    await expect(queue.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await queue.run(async () => "next")).toBe("next");
  });
});

describe("the feed cache counts bytes", () => {
  it("a ranking's size grows with its papers' text and matches, and bounds what the cache keeps", () => {
    const papers = parseFixture("day/rss-cs.AI.xml").papers;
    const ranked = rankDays([{ date: "2026-06-30", papers }], makeProfile({ limit: 150 }));
    const bytes = rankedFeedBytes(ranked);
    const text = ranked[0]!.papers.reduce((n, r) => n + r.paper.title.length + r.paper.abstract.length, 0);
    expect(bytes).toBeGreaterThan(2 * text);
    expect(bytes).toBeLessThan(4 * text + 150 * 2000);
    const cache = new LruCache<unknown>(256, 3 * bytes);
    for (let i = 0; i < 10; i++) cache.set(String(i), ranked, bytes);
    expect([...Array(10).keys()].filter((i) => cache.get(String(i)) !== undefined)).toEqual([7, 8, 9]);
  });
});
