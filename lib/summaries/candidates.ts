// Which papers may ever be summarized: the default profile's top `max_papers_to_summarize` of each kept
// announcement day, over the configured categories. Nothing a query string asks for adds to this list.
import { composeDays } from "../arxiv/compose";
import type { ArxivSource } from "../arxiv/source";
import type { AppConfig } from "../config";
import { feedVersionKey, loadSnapshots } from "../feed";
import { rankDays } from "../rank";
import type { Paper } from "../types";

export type CandidateFinder = () => Promise<Paper[]>;

export function createCandidateFinder(config: AppConfig, source: ArxivSource, now: () => number): CandidateFinder {
  const profile = { ...config.profile, limit: config.aiSummary.max_papers_to_summarize };
  // Ranking is the costly part; it only changes with the papers.
  let memo: { versions: string; papers: Paper[] } | undefined;
  return async () => {
    const snapshots = await loadSnapshots(config.categories, source, now);
    const versions = feedVersionKey(snapshots);
    if (memo?.versions !== versions) {
      const days = composeDays(config.categories, snapshots.map((s) => s.days), config.daysBack);
      memo = { versions, papers: rankDays(days, profile).flatMap((day) => day.papers.map((r) => r.paper)) };
    }
    return memo.papers;
  };
}
