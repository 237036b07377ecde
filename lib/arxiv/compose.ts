// Pure: one feed for several categories, built from their per-category papers, as arXiv would build it.
import type { AnnounceType, AnnouncementDay, Paper } from "../types";

/** Whether `category` is one of `selected`, counting an archive (`cs`) as all its categories. */
function inSelection(category: string, selected: ReadonlySet<string>): boolean {
  if (selected.has(category)) return true;
  const dot = category.indexOf(".");
  return dot > 0 && selected.has(category.slice(0, dot));
}

/**
 * A paper is new to a union when its primary category is in the union, or when any of the union's
 * feeds announced it as new (arXiv knows category aliases we do not, like cs.SY = eess.SY).
 */
function unionAnnounceType(paper: Paper, sawNew: boolean, selected: ReadonlySet<string>): AnnounceType {
  const primary = sawNew || inSelection(paper.categories[0]!, selected);
  const replacement = paper.announceType === "replace" || paper.announceType === "replace-cross";
  if (replacement) return primary ? "replace" : "replace-cross";
  return primary ? "new" : "cross";
}

function isNewType(type: AnnounceType): boolean {
  return type === "new" || type === "replace";
}

/**
 * Merges the days of each category: papers deduplicated by id (the latest version wins), announce types
 * recomputed for the union, days newest first, at most `daysBack` of them.
 */
export function composeDays(
  categories: readonly string[],
  perCategory: readonly (readonly AnnouncementDay<Paper>[])[],
  daysBack: number,
): AnnouncementDay<Paper>[] {
  const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  if (perCategory.length === 1) return [...perCategory[0]!].sort((a, b) => newestFirst(a.date, b.date)).slice(0, daysBack);
  const selected = new Set(categories);
  const byDate = new Map<string, Map<string, { paper: Paper; sawNew: boolean }>>();
  for (const days of perCategory) {
    for (const day of days) {
      let papers = byDate.get(day.date);
      if (!papers) byDate.set(day.date, (papers = new Map()));
      for (const paper of day.papers) {
        const seen = papers.get(paper.id);
        const sawNew = isNewType(paper.announceType) || (seen?.sawNew ?? false);
        const latest = !seen || paper.version > seen.paper.version ? paper : seen.paper;
        papers.set(paper.id, { paper: latest, sawNew });
      }
    }
  }
  return [...byDate]
    .sort(([a], [b]) => newestFirst(a, b))
    .slice(0, daysBack)
    .map(([date, papers]) => ({
      date,
      papers: [...papers.values()].map(({ paper, sawNew }) => {
        const announceType = unionAnnounceType(paper, sawNew, selected);
        return announceType === paper.announceType ? paper : { ...paper, announceType };
      }),
    }));
}
