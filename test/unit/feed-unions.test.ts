// Custom feeds are ranked from a union composed once per version of its categories' papers, and from the
// union's second custom ranking on, from an index of its words. Whatever path a ranking takes, loadFeed
// gives the same feed as ranking the composed days by scanning.
import { describe, expect, it } from "vitest";
import { composeDays } from "../../lib/arxiv/compose";
import type { ArxivSource, CategorySnapshot } from "../../lib/arxiv/source";
import { parseConfig } from "../../lib/config";
import { loadFeed, type ComposedUnion, type FeedDeps, type RankedFeed } from "../../lib/feed";
import { LruCache } from "../../lib/lru";
import { parseFeedParams } from "../../lib/params";
import { indexDays, indexDaysInSlices, rankDays } from "../../lib/rank";
import { disabledSummaries } from "../../lib/summaries/service";
import type { AnnouncementDay, Paper } from "../../lib/types";
import { createWorkQueue } from "../../lib/work-queue";
import { parseFixture } from "../helpers/fixtures";

const CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"];
const config = parseConfig({ categories: ["cs.AI", "cs.LG"], keywords: ["LLM", "agent", "graph"], max_papers: 20, days_back: 2 });
const NOW = Date.parse("2026-06-30T14:00:00Z");
const union = parseFixture("rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml").papers;

/** Two announcement days of each category, from the large union fixture's papers. */
function snapshots(version: string): Map<string, CategorySnapshot> {
  const days = (category: string): AnnouncementDay<Paper>[] => [
    { date: "2026-06-30", papers: union.filter((p, i) => i % 2 === 0 && p.categories.includes(category)) },
    { date: "2026-06-29", papers: union.filter((p, i) => i % 2 === 1 && p.categories.includes(category)).map((p) => ({ ...p, announced: "2026-06-29" })) },
  ];
  return new Map(CATEGORIES.map((c) => [c, { category: c, version, days: days(c), changedAt: NOW, nextCheckAt: NOW + 3_600_000 }]));
}

/** The unions LRU, remembering every union it was given. */
class RecordingUnions extends LruCache<ComposedUnion> {
  readonly seen = new Set<ComposedUnion>();
  override set(key: string, value: ComposedUnion, size?: number): void {
    this.seen.add(value);
    super.set(key, value, size);
  }
}

function harness(version = "v1") {
  let perCategory = snapshots(version);
  const source: ArxivSource = {
    load: async (category) => perCategory.get(category)!,
    loadAll: (categories) => categories.map(async (category) => perCategory.get(category)!),
    peek: async () => undefined,
    pause: async () => undefined,
  };
  const unions = new RecordingUnions(64, 64 * 1024 * 1024);
  const deps: FeedDeps = {
    config,
    source,
    summaries: disabledSummaries("unit test"),
    now: () => NOW,
    feedCache: new LruCache<RankedFeed>(64, 64 * 1024 * 1024),
    customBuilds: createWorkQueue(1, 8, "custom feeds"),
    unions,
  };
  return { deps, unions, days: (c: string) => perCategory.get(c)!.days, replace: (v: string) => (perCategory = snapshots(v)) };
}

const params = (cats: string[], query: string) => parseFeedParams([cats.join("+")], new URLSearchParams(query), config);

/** What loadFeed should give: the composed days ranked by scanning, each paper once. */
function expected(cats: string[], query: string, h: ReturnType<typeof harness>) {
  const days = composeDays(cats, cats.map(h.days), config.daysBack);
  const seen = new Set<string>();
  return rankDays(days, params(cats, query).profile).map((d) => ({ date: d.date, papers: d.papers.filter((r) => !seen.has(r.paper.id) && seen.add(r.paper.id)) }));
}

const ranked = (feed: { days: AnnouncementDay<{ paper: Paper; score: number; matches: unknown[] }>[] }) =>
  feed.days.map((d) => ({ date: d.date, papers: d.papers.map(({ paper, score, matches }) => ({ id: paper.id, score, matches })) }));

describe("custom feeds: one composed union per version, indexed from its second custom ranking", () => {
  it("ranks the first custom feed by scanning, indexes the union for the second, and both are what scanning gives", async () => {
    const h = harness();
    const cats = ["cs.AI", "cs.CV"];
    const queries = ["keywords=diffusion,agent&limit=15", "keywords=reinforcement%20learning,LLM&exclude=survey&match=word", "keywords=graph,robot&match=prefix&limit=40"];
    for (const [i, query] of queries.entries()) {
      const feed = await loadFeed(params(cats, query), h.deps);
      expect(ranked(feed), query).toEqual(ranked({ days: expected(cats, query, h) }));
      const [only] = [...h.unions.seen];
      expect(h.unions.seen.size).toBe(1);
      expect(only!.indexes !== undefined, `after ranking ${i + 1}`).toBe(i >= 1);
    }
  });

  it("never indexes for the deployment's own feeds, however often they are ranked", async () => {
    const h = harness();
    for (const segments of [undefined, ["cs.AI"], ["cs.LG"], undefined]) await loadFeed(parseFeedParams(segments, new URLSearchParams(), config), h.deps);
    h.deps.feedCache = new LruCache<RankedFeed>(64, 64 * 1024 * 1024);
    await loadFeed(parseFeedParams(undefined, new URLSearchParams(), config), h.deps);
    expect(h.unions.seen.size).toBe(3);
    expect([...h.unions.seen].every((u) => u.indexes === undefined)).toBe(true);
  });

  it("does not index for terms an index cannot answer, and still ranks them right", async () => {
    const h = harness();
    const cats = ["cs.LG"];
    for (const query of ["keywords=C%2B%2B,LLM", "keywords=k-NN,(RL)&match=substring"]) {
      const feed = await loadFeed(params(cats, query), h.deps);
      expect(ranked(feed)).toEqual(ranked({ days: expected(cats, query, h) }));
    }
    expect([...h.unions.seen].every((u) => u.indexes === undefined)).toBe(true);
  });

  it("composes and indexes again when the papers change version", async () => {
    const h = harness();
    const cats = ["cs.CL"];
    for (const query of ["keywords=LLM", "keywords=agent"]) await loadFeed(params(cats, query), h.deps);
    h.replace("v2");
    for (const query of ["keywords=LLM", "keywords=agent", "keywords=speech"]) await loadFeed(params(cats, query), h.deps);
    const unions = [...h.unions.seen];
    expect(unions).toHaveLength(2);
    expect(unions.every((u) => u.indexes)).toBe(true);
    // The older version's union is no longer kept: nothing else holds its papers.
    h.replace("v1");
    await loadFeed(params(cats, "keywords=vision"), h.deps);
    expect(h.unions.seen.size).toBe(3);
  });
});

describe("indexDaysInSlices", () => {
  it("makes the index indexDays makes, giving the event loop turns between slices", async () => {
    const days = [{ date: "2026-06-30", papers: union }];
    let turns = 0;
    const sliced = await indexDaysInSlices(days, async () => void turns++);
    expect(turns).toBeGreaterThanOrEqual(4);
    const profile = params(["cs.AI"], "keywords=LLM,agent,graph,diffusion&limit=300").profile;
    expect(rankDays(days, profile, sliced)).toStrictEqual(rankDays(days, profile, indexDays(days)));
    expect(rankDays(days, profile, sliced)).toStrictEqual(rankDays(days, profile));
  });
});
