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

/**
 * arXiv's aliases (https://arxiv.org/category_taxonomy): a paper filed under either code is announced as
 * new in both categories' feeds.
 */
const ALIASES: Record<string, string> = {
  "cs.NA": "math.NA",
  "math.NA": "cs.NA",
  "cs.SY": "eess.SY",
  "eess.SY": "cs.SY",
  "cs.IT": "math.IT",
  "math.IT": "cs.IT",
  "math-ph": "math.MP",
  "math.MP": "math-ph",
  "math.ST": "stat.TH",
  "stat.TH": "math.ST",
  "econ.GN": "q-fin.EC",
  "q-fin.EC": "econ.GN",
};

/** Whether a paper's `paperCategory` is in the feed of `category` (an archive holds its categories). */
function inCategory(paperCategory: string, category: string): boolean {
  return paperCategory === category || ALIASES[paperCategory] === category || (paperCategory.startsWith(category) && paperCategory[category.length] === ".");
}

const TYPE_ORDER: Record<AnnounceType, number> = { new: 0, cross: 1, replace: 2, "replace-cross": 3 };

/**
 * The inverse of composing: one category's papers out of a union feed's, as arXiv's own feed of that
 * category lists them. A paper is in it when it lists the category; it is new there (or a replacement
 * there) when the category is its primary, else a cross-list; and arXiv orders its feed by announce type,
 * then newest id first.
 */
export function categoryFromUnion(union: readonly Paper[], category: string): Paper[] {
  const papers: Paper[] = [];
  for (const paper of union) {
    if (!paper.categories.some((c) => inCategory(c, category))) continue;
    const own = inCategory(paper.categories[0]!, category);
    const replacement = paper.announceType === "replace" || paper.announceType === "replace-cross";
    const announceType: AnnounceType = replacement ? (own ? "replace" : "replace-cross") : own ? "new" : "cross";
    papers.push(announceType === paper.announceType ? paper : { ...paper, announceType });
  }
  return papers.sort((a, b) => TYPE_ORDER[a.announceType] - TYPE_ORDER[b.announceType] || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
