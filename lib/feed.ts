// loadFeed: every reader's one call. The categories' papers (store or arXiv) → one union → ranked per day →
// their summaries, as plain data. Feeds, the page, OPML, the digest and the summary candidates all use it;
// none of them composes or ranks on its own.
import { composeDays } from "./arxiv/compose";
import type { ArxivSource, CategorySnapshot } from "./arxiv/source";
import { nextArxivUpdate } from "./arxiv/schedule";
import type { AppConfig } from "./config";
import { AppError, isAppError } from "./errors";
import type { LruCache } from "./lru";
import { indexCanRank, indexDaysInSlices, rankDays, rankDaysInSlices, type DayIndexes } from "./rank";
import type { Summaries } from "./summaries/service";
import type { WorkQueue } from "./work-queue";
import type { AnnouncementDay, Feed, FeedEntry, FeedParams, FeedProblem, Paper, RankedPaper, SummaryRecord } from "./types";

export interface FeedDeps {
  config: AppConfig;
  source: ArxivSource;
  summaries: Pick<Summaries, "enabled" | "epoch" | "lookup">;
  now: () => number;
  /** Ranked days and their summaries by what they were made from, shared by every reader of a process. */
  feedCache: LruCache<RankedFeed>;
  /** Keeps work alive after the response (Next's `after()`): an arXiv refresh a reader did not wait for. */
  schedule?: (task: () => Promise<void>) => void;
  /** Where feeds other than the configured ones are ranked when not cached: one or few at a time. */
  customBuilds?: WorkQueue;
  /** Unions of categories' papers by what they were composed from, and their indexes once made. */
  unions?: LruCache<ComposedUnion>;
}

/**
 * The days of some categories' papers, composed into one union. Other profiles than the deployment's
 * own then rank it from an index of its words (lib/rank.ts), made when a second one asks: the first may
 * be a stranger's only query, and the deployment's own profiles rank each union once per version.
 */
export interface ComposedUnion {
  /** What it was composed from (feedVersionKey of the snapshots). */
  version: string;
  days: AnnouncementDay<Paper>[];
  /** Rankings of this union by profiles not the deployment's own. */
  customRankings: number;
  indexes?: DayIndexes;
  indexing?: Promise<DayIndexes>;
}

/** What the feed cache keeps: the ranking of some papers, and the summaries found for them at an epoch. */
export interface RankedFeed {
  days: AnnouncementDay<RankedPaper>[];
  summaries?: { epoch: number; found: ReadonlyMap<string, SummaryRecord> };
}

/**
 * The categories' papers from the store (or arXiv, when it has updated since). In a feed of several,
 * one that arXiv suddenly disowns is left out with a warning rather than taking the others down.
 */
export function loadSnapshots(
  categories: readonly string[],
  source: ArxivSource,
  now: () => number,
  schedule?: FeedDeps["schedule"],
): Promise<CategorySnapshot[]> {
  const background = schedule && ((task: Promise<unknown>) => schedule(async () => void (await task)));
  const loading = source.loadAll(categories, background ? { background } : {});
  return Promise.all(
    categories.map(async (category, i) => {
      try {
        return await loading[i]!;
      } catch (err) {
        if (categories.length === 1 || !isAppError(err) || err.code !== "not_found") throw err;
        const retryAt = nextArxivUpdate(now());
        return { category, days: [], nextCheckAt: retryAt, problem: { reason: "unknown", message: err.message, retryAt } };
      }
    }),
  );
}

/**
 * What a ranking holds, in bytes, at most: its own records and matches, and its papers as if it alone
 * held them (most are shared with the source; a union's paper whose announce type differs is a copy).
 */
export function rankedFeedBytes(days: readonly AnnouncementDay<RankedPaper>[]): number {
  let bytes = 64;
  for (const day of days) {
    for (const { paper, matches } of day.papers) {
      bytes += 200 + 96 * matches.length + 2 * (paper.title.length + paper.abstract.length) + 64 * paper.authors.length;
    }
  }
  return bytes;
}

/** The deployment's own feeds: config.json's categories (together or alone) and profile, no query. */
export function isOwnFeed(params: FeedParams, config: AppConfig): boolean {
  return !params.custom && params.categories.every((c) => config.categories.includes(c));
}

/** A cheap fingerprint of what a feed would be built from: equal keys, equal feeds. */
export function feedVersionKey(snapshots: readonly CategorySnapshot[]): string {
  return snapshots.map((s) => `${s.category}@${s.version ?? "-"}${s.problem ? `!${s.problem.reason}` : ""}`).join(",");
}

/** Throws 404 when arXiv disowns every category, 503 when arXiv failed and nothing is cached. */
function checkServable(params: FeedParams, snapshots: readonly CategorySnapshot[], now: number): void {
  const problems = snapshots.filter((s) => s.problem);
  if (problems.length > 0 && problems.every((s) => s.problem!.reason === "unknown") && snapshots.every((s) => !s.version)) {
    throw new AppError("not_found", problems.map((s) => s.problem!.message).join("; "));
  }
  if (problems.length > 0 && snapshots.every((s) => s.version === undefined)) {
    const retryAt = Math.min(...problems.map((s) => s.problem!.retryAt));
    throw new AppError(
      "upstream_unavailable",
      `arXiv is unavailable and no papers are cached yet for ${params.categories.join(", ")}: ${problems
        .map((s) => s.problem!.message)
        .join("; ")}`,
      { retryAfterSeconds: Math.max(1, Math.ceil((retryAt - now) / 1000)) },
    );
  }
}

/**
 * The union of the snapshots' days, composed once per version of them when `unions` keeps it. A union is
 * kept under its categories and days alone, so that a newer version replaces the older one: the source
 * holds only the newest papers, and a kept older union would hold its papers alone (unionBytes counts
 * them as the source's).
 */
function unionOf(
  categories: readonly string[],
  snapshots: readonly CategorySnapshot[],
  daysBack: number,
  unions: LruCache<ComposedUnion> | undefined,
): { key: string; union: ComposedUnion } {
  const key = `${categories.join("+")}\n${daysBack}`;
  const version = feedVersionKey(snapshots);
  let union = unions?.get(key);
  if (union?.version !== version) {
    const days = composeDays(
      categories,
      snapshots.map((s) => s.days),
      daysBack,
    );
    union = { version, days, customRankings: 0 };
    unions?.set(key, union, unionBytes(union));
  }
  return { key, union };
}

/**
 * What a union holds of its own, in bytes, at most: its days' slots, each paper as if it were a copy (the
 * union copies those whose announce type it changes; their texts stay the source's), and its index.
 */
function unionBytes(union: ComposedUnion): number {
  let bytes = 128;
  for (const day of union.days) bytes += 64 + 128 * day.papers.length;
  for (const index of union.indexes?.values() ?? []) bytes += index.bytes;
  return bytes;
}

/** Snapshots → one union (kept in `unions`, when given), ranked per day, a paper once (on its newest day). */
export function rankSnapshots(
  params: FeedParams,
  snapshots: readonly CategorySnapshot[],
  daysBack: number,
  unions?: LruCache<ComposedUnion>,
): AnnouncementDay<RankedPaper>[] {
  const { union } = unionOf(params.categories, snapshots, daysBack, unions);
  return dropRepeats(rankDays(union.days, params.profile, union.indexes));
}

/**
 * rankSnapshots for a profile not the deployment's own, yielding to the event loop between slices of
 * work; from the union's second such ranking on, from its index (made in slices too).
 */
async function rankCustomInSlices(params: FeedParams, snapshots: readonly CategorySnapshot[], deps: FeedDeps) {
  const { key, union } = unionOf(params.categories, snapshots, deps.config.daysBack, deps.unions);
  if (deps.unions && !union.indexes && indexCanRank(params.profile) && ++union.customRankings >= 2) {
    union.indexing ??= indexDaysInSlices(union.days);
    try {
      union.indexes = await union.indexing;
    } finally {
      // A build that failed is tried again by the next ranking, not awaited forever.
      delete union.indexing;
    }
    // Counted again with its index, unless a newer version has replaced it meanwhile.
    if (deps.unions.get(key) === union) deps.unions.set(key, union, unionBytes(union));
  }
  return dropRepeats(await rankDaysInSlices(union.days, params.profile, undefined, union.indexes));
}

/**
 * Pure: a feed from its categories' snapshots and the summaries found for its papers. Throws 503 when
 * arXiv failed and nothing is cached, 404 when arXiv knows none of the categories.
 */
export function buildFeed(
  params: FeedParams,
  snapshots: readonly CategorySnapshot[],
  options: {
    daysBack: number;
    now: number;
    summaries?: ReadonlyMap<string, SummaryRecord>;
    /** When the last summary was added (epoch ms), for updatedAt. */
    summariesUpdatedAt?: number;
    ranked?: AnnouncementDay<RankedPaper>[];
    epoch?: number;
  },
): Feed {
  checkServable(params, snapshots, options.now);
  const ranked = options.ranked ?? rankSnapshots(params, snapshots, options.daysBack);
  const found = options.summaries ?? new Map<string, SummaryRecord>();
  // Loops, not callbacks, on the way of every custom feed: a callback made per call loses its optimized
  // code to any full collection between two calls.
  const days: AnnouncementDay<FeedEntry>[] = [];
  for (const day of ranked) {
    const papers: FeedEntry[] = [];
    for (const r of day.papers) {
      const summary = found.get(r.paper.id);
      papers.push(summary ? { ...r, summary } : r);
    }
    days.push({ date: day.date, papers });
  }
  const papersChangedAt = Math.max(0, ...snapshots.map((s) => s.changedAt ?? 0)) || options.now;
  return {
    params,
    days,
    updatedAt: found.size > 0 ? Math.max(papersChangedAt, options.summariesUpdatedAt ?? 0) : papersChangedAt,
    freshUntil: Math.min(...snapshots.map((s) => (s.problem ? s.problem.retryAt : s.nextCheckAt))),
    warnings: snapshots.filter((s) => s.problem).map(warning),
    problems: snapshots.flatMap((s): FeedProblem[] =>
      s.problem ? [{ category: s.category, ...s.problem, ...(s.days[0] ? { shownUpTo: s.days[0].date } : {}) }] : [],
    ),
    version: [params.cacheKey, feedVersionKey(snapshots), options.epoch ?? 0].join("\n"),
  };
}

/**
 * Every reader's one call: the feed `params` asks for, ranked and with its summaries. Warm, it costs the
 * store reads of the categories' states and the summaries' epoch; the ranking and the summary lookup are
 * reused until the papers or the summaries change.
 */
export async function loadFeed(params: FeedParams, deps: FeedDeps): Promise<Feed> {
  const [snapshots, epoch] = await Promise.all([loadSnapshots(params.categories, deps.source, deps.now, deps.schedule), deps.summaries.epoch()]);
  const now = deps.now();
  checkServable(params, snapshots, now);
  const key = `${params.cacheKey}\n${feedVersionKey(snapshots)}`;
  let cached = deps.feedCache.get(key);
  if (!cached) {
    const configured = isOwnFeed(params, deps.config);
    // The deployment's own feeds are ranked at once; any other waits its turn, in slices, so that a
    // stranger's expensive query cannot hold up their readers.
    cached = {
      days:
        configured || !deps.customBuilds
          ? rankSnapshots(params, snapshots, deps.config.daysBack, deps.unions)
          : await deps.customBuilds.run(() => rankCustomInSlices(params, snapshots, deps)),
    };
    deps.feedCache.set(key, cached, rankedFeedBytes(cached.days));
  }
  if (deps.summaries.enabled && cached.summaries?.epoch !== epoch.count) {
    const papers = cached.days.flatMap((d) => d.papers.map((r) => r.paper));
    cached.summaries = { epoch: epoch.count, found: await deps.summaries.lookup(papers) };
  }
  return buildFeed(params, snapshots, {
    daysBack: deps.config.daysBack,
    now,
    ranked: cached.days,
    summaries: cached.summaries?.found,
    summariesUpdatedAt: epoch.updatedAt,
    epoch: epoch.count,
  });
}

/** A feed whose papers may be summarized: configured categories, ranked by the default profile. */
export function candidateParams(config: AppConfig, categories: readonly string[] = config.categories): FeedParams {
  const profile = { ...config.profile, limit: config.aiSummary.max_papers_to_summarize };
  const cats = [...categories];
  const allConfigured = cats.length === config.categories.length;
  return { categories: cats, allConfigured, profile, custom: false, cacheKey: JSON.stringify(["candidates", cats, profile]) };
}

/**
 * Which papers may ever be summarized: the default profile's top `max_papers_to_summarize` of each kept
 * announcement day in each configured feed (their union, and each category alone: where subscribers read
 * them), each paper once. Ordered rank by rank across those feeds, so that when the daily cap runs out,
 * every feed has its best papers summarized first. Nothing a query string asks for adds to this list.
 */
export async function summaryCandidates(deps: FeedDeps): Promise<Paper[]> {
  const { config } = deps;
  const snapshots = await loadSnapshots(config.categories, deps.source, deps.now, deps.schedule);
  const feeds = config.categories.length > 1 ? [config.categories, ...config.categories.map((c) => [c])] : [config.categories];
  const lists = feeds.map((categories) => {
    const params = candidateParams(config, categories);
    const own = snapshots.filter((s) => categories.includes(s.category));
    const key = `${params.cacheKey}\n${feedVersionKey(own)}`;
    let cached = deps.feedCache.get(key);
    if (!cached) {
      cached = { days: rankSnapshots(params, own, config.daysBack, deps.unions) };
      deps.feedCache.set(key, cached, rankedFeedBytes(cached.days));
    }
    return cached.days.flatMap((d) => d.papers.map((r) => r.paper));
  });
  const seen = new Set<string>();
  const candidates: Paper[] = [];
  for (let rank = 0; lists.some((list) => rank < list.length); rank++) {
    for (const list of lists) {
      const paper = list[rank];
      if (paper && !seen.has(paper.id)) {
        seen.add(paper.id);
        candidates.push(paper);
      }
    }
  }
  return candidates;
}

/** Whether papers of this feed may still get a summary today (so caches should come back soon). */
export async function summariesPending(feed: Feed, deps: FeedDeps): Promise<boolean> {
  if (!deps.summaries.enabled) return false;
  try {
    const waiting = new Set(feed.days.flatMap((d) => d.papers.filter((e) => !e.summary).map((e) => e.paper.id)));
    return (await summaryCandidates(deps)).some((p) => waiting.has(p.id));
  } catch {
    return false;
  }
}

function warning(s: CategorySnapshot): string {
  const p = s.problem!;
  const shown = s.days[0] ? `showing papers announced up to ${s.days[0].date}` : "no papers cached";
  return `${s.category}: ${p.message}; ${shown}; next try ${new Date(p.retryAt).toISOString()}`;
}

/** A replaced paper can be announced on two kept days: keep it on the newest, under one id. Loops: see buildFeed. */
function dropRepeats(days: AnnouncementDay<RankedPaper>[]): AnnouncementDay<RankedPaper>[] {
  const seen = new Set<string>();
  const kept: AnnouncementDay<RankedPaper>[] = [];
  for (const day of days) {
    const papers: RankedPaper[] = [];
    for (const r of day.papers) {
      if (seen.has(r.paper.id)) continue;
      seen.add(r.paper.id);
      papers.push(r);
    }
    kept.push({ date: day.date, papers });
  }
  return kept;
}
