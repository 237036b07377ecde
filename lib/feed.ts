// buildFeed = the categories' papers → one union → ranked per day. The rest of the app renders it.
import { composeDays } from "./arxiv/compose";
import type { ArxivSource, CategorySnapshot } from "./arxiv/source";
import { nextArxivUpdate } from "./arxiv/schedule";
import { AppError, isAppError } from "./errors";
import type { FeedParams } from "./params";
import { rankDays } from "./rank";
import type { AnnouncementDay, RankedPaper } from "./types";

export interface FeedData extends FeedStatus {
  params: FeedParams;
  /** Newest day first; each day's papers in rank order. A paper appears once, on its newest day. */
  days: AnnouncementDay<RankedPaper>[];
  /** When any of the feed's papers last changed (epoch ms). */
  updatedAt: number;
}

/**
 * The categories' papers from the store (or arXiv, when it has updated since). In a feed of several,
 * one that arXiv suddenly disowns is left out with a warning rather than taking the others down.
 */
export function loadSnapshots(categories: readonly string[], source: ArxivSource, now: () => number): Promise<CategorySnapshot[]> {
  return Promise.all(
    categories.map(async (category) => {
      try {
        return await source.load(category);
      } catch (err) {
        if (categories.length === 1 || !isAppError(err) || err.code !== "not_found") throw err;
        const retryAt = nextArxivUpdate(now());
        return { category, days: [], nextCheckAt: retryAt, problem: { reason: "unknown", message: err.message, retryAt } };
      }
    }),
  );
}

export interface FeedStatus {
  /** Until when nothing new can appear: the earliest next check of its categories (epoch ms). */
  freshUntil: number;
  /** Categories shown from older papers, or missing, because arXiv could not be reached. */
  warnings: string[];
}

/** Pure and cheap: computed for every request, not cached with the body (retry times move). */
export function feedStatus(snapshots: readonly CategorySnapshot[]): FeedStatus {
  return {
    freshUntil: Math.min(...snapshots.map((s) => (s.problem ? s.problem.retryAt : s.nextCheckAt))),
    warnings: snapshots.filter((s) => s.problem).map(warning),
  };
}

/** A cheap fingerprint of what a feed would be built from: equal keys, equal feeds. */
export function feedVersionKey(snapshots: readonly CategorySnapshot[]): string {
  return snapshots.map((s) => `${s.category}@${s.version ?? "-"}${s.problem ? `!${s.problem.reason}` : ""}`).join(",");
}

/** Pure: snapshots → one union, ranked per day. Throws 503 when arXiv failed and nothing is cached. */
export function buildFeed(
  params: FeedParams,
  snapshots: readonly CategorySnapshot[],
  options: { daysBack: number; now: number },
): FeedData {
  const now = options.now;
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
  const union = composeDays(
    params.categories,
    snapshots.map((s) => s.days),
    options.daysBack,
  );
  return {
    params,
    days: dropRepeats(rankDays(union, params.profile)),
    updatedAt: Math.max(0, ...snapshots.map((s) => s.changedAt ?? 0)) || now,
    ...feedStatus(snapshots),
  };
}

function warning(s: CategorySnapshot): string {
  const p = s.problem!;
  const shown = s.days[0] ? `showing papers announced up to ${s.days[0].date}` : "no papers cached";
  return `${s.category}: ${p.message}; ${shown}; next try ${new Date(p.retryAt).toISOString()}`;
}

/** A replaced paper can be announced on two kept days: keep it on the newest, under one id. */
function dropRepeats(days: AnnouncementDay<RankedPaper>[]): AnnouncementDay<RankedPaper>[] {
  const seen = new Set<string>();
  return days.map((day) => ({
    date: day.date,
    papers: day.papers.filter((r) => !seen.has(r.paper.id) && seen.add(r.paper.id)),
  }));
}
