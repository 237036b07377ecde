// The ranking as it was before the one-pass matcher (lib/rank.ts at 8f96cea), kept unchanged as the
// reference the equivalence tests compare lib/rank.ts against. Do not optimize it.
// Pure ranking: the old bot's score (A + title_weight × T), with word-aware matching, exclusions,
// min_score, an announce-type filter, a deterministic order and a per-day limit.
import type { AnnouncementDay, Keyword, KeywordMatch, MatchMode, Paper, RankProfile, RankedPaper } from "../../lib/types";

interface Matcher {
  /** Whether the keyword occurs in `text` (`lower` is `text.toLowerCase()`, computed once per paper). */
  test: (text: string, lower: string) => boolean;
}

const WORD_CHAR = "[\\p{L}\\p{N}]";
const WORD_CHAR_RE = /[\p{L}\p{N}]/u;

/** Whether `s[i]` is a letter or digit (ASCII answered without a regular expression: it is the hot path). */
function isWordCharAt(s: string, i: number): boolean {
  if (i < 0 || i >= s.length) return false;
  const c = s.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return WORD_CHAR_RE.test(s[i]!);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * "substring" is the old bot exactly: case-insensitive substring, so "RL" matches "world".
 * "prefix" starts at a word boundary ("RL" matches "RLHF", not "world"; "LLM" matches "LLMs").
 * "word" also ends at one. In those two, the words of a keyword match across spaces and hyphens.
 */
export function compileMatcher(term: string, mode: MatchMode): Matcher {
  const lowerTerm = term.toLowerCase();
  if (mode === "substring") {
    return { test: (_text, lower) => lower.includes(lowerTerm) };
  }
  const words = lowerTerm.split(/[\s\-\u2010-\u2015]+/).filter(Boolean);
  if (words.length === 1) {
    // One word (most keywords): scan with indexOf and look at the neighbours, no regular expression.
    const word = words[0]!;
    const wholeWord = mode === "word";
    return {
      test: (_text, lower) => {
        for (let i = lower.indexOf(word); i !== -1; i = lower.indexOf(word, i + 1)) {
          if (!isWordCharAt(lower, i - 1) && !(wholeWord && isWordCharAt(lower, i + word.length))) return true;
        }
        return false;
      },
    };
  }
  const body = words.map(escapeRegExp).join("[\\s\\-\\u2010-\\u2015]+");
  const pattern = new RegExp(`(?<!${WORD_CHAR})${body}${mode === "word" ? `(?!${WORD_CHAR})` : ""}`, "iu");
  // The first word must occur somewhere: a cheap test before the regular expression.
  const first = words[0] ?? lowerTerm;
  return { test: (text, lower) => lower.includes(first) && pattern.test(text) };
}

const SEPARATOR = "[\\s\\-\\u2010-\\u2015]+";

/**
 * Where keywords occur in `text`, by the same rules as matching, as sorted [start, end) ranges with
 * overlaps merged: for highlighting what made a paper rank.
 */
export function matchRanges(text: string, terms: readonly string[], mode: MatchMode): [number, number][] {
  const found: [number, number][] = [];
  for (const term of terms) {
    const words = term.split(/[\s\-\u2010-\u2015]+/).filter(Boolean);
    if (words.length === 0) continue;
    const body = mode === "substring" ? escapeRegExp(term) : words.map(escapeRegExp).join(SEPARATOR);
    const pattern =
      mode === "substring" ? body : `(?<!${WORD_CHAR})${body}${mode === "word" ? `(?!${WORD_CHAR})` : ""}`;
    for (const m of text.matchAll(new RegExp(pattern, "giu"))) if (m[0]) found.push([m.index, m.index + m[0].length]);
  }
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const range of found) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

interface CompiledProfile {
  keywords: (Keyword & { matcher: Matcher })[];
  exclude: Matcher[];
  profile: RankProfile;
}

function compileProfile(profile: RankProfile): CompiledProfile {
  return {
    keywords: profile.keywords.map((k) => ({ ...k, matcher: compileMatcher(k.term, profile.match) })),
    exclude: profile.exclude.map((term) => compileMatcher(term, profile.match)),
    profile,
  };
}

/** Scores one paper, or returns undefined when the profile filters it out. */
function scorePaper(paper: Paper, compiled: CompiledProfile): RankedPaper | undefined {
  const { profile } = compiled;
  if (!profile.announceTypes.includes(paper.announceType)) return undefined;
  const title = paper.title;
  const titleLower = title.toLowerCase();
  const abstract = paper.abstract;
  const abstractLower = abstract.toLowerCase();

  for (const m of compiled.exclude) {
    if (m.test(title, titleLower) || m.test(abstract, abstractLower)) return undefined;
  }

  const matches: KeywordMatch[] = [];
  let any = 0;
  let inTitleTotal = 0;
  for (const { term, weight, matcher } of compiled.keywords) {
    const inTitle = matcher.test(title, titleLower);
    const inAbstract = matcher.test(abstract, abstractLower);
    if (!inTitle && !inAbstract) continue;
    matches.push({ term, weight, inTitle, inAbstract });
    any += weight;
    if (inTitle) inTitleTotal += weight;
  }
  if (compiled.keywords.length > 0 && matches.length === 0) return undefined;

  const score = roundScore(any + profile.titleWeight * inTitleTotal);
  if (score < profile.minScore) return undefined;
  return { paper, score, titleScore: roundScore(inTitleTotal), matches };
}

// Weights like 0.1 add up to 0.30000000000000004; scores are shown and compared at 1e-6.
function roundScore(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Sortable number for "newer id first": yymm, then the sequence number. Old-style ids sort before 2007. */
export function idSortKey(id: string): number {
  const modern = /^(\d{2})(\d{2})\.(\d{4,5})$/.exec(id);
  if (modern) return (2000 + Number(modern[1])) * 1e10 + Number(modern[2]) * 1e8 + Number(modern[3]);
  const old = /\/(\d{2})(\d{2})(\d{3})$/.exec(id);
  if (old) {
    const yy = Number(old[1]);
    return (yy >= 91 ? 1900 + yy : 2000 + yy) * 1e10 + Number(old[2]) * 1e8 + Number(old[3]);
  }
  return 0;
}

export function compareRanked(a: RankedPaper, b: RankedPaper): number {
  return (
    b.score - a.score ||
    b.titleScore - a.titleScore ||
    idSortKey(b.paper.id) - idSortKey(a.paper.id) ||
    (a.paper.id < b.paper.id ? 1 : a.paper.id > b.paper.id ? -1 : 0)
  );
}

/** Ranks one announcement day's papers: filter, score, order, keep the top `limit`. */
export function rankPapers(papers: readonly Paper[], profile: RankProfile): RankedPaper[] {
  return rankWith(papers, compileProfile(profile));
}

function rankWith(papers: readonly Paper[], compiled: CompiledProfile): RankedPaper[] {
  const ranked: RankedPaper[] = [];
  scoreInto(ranked, papers, 0, papers.length, compiled);
  return ranked.sort(compareRanked).slice(0, compiled.profile.limit);
}

function scoreInto(ranked: RankedPaper[], papers: readonly Paper[], from: number, to: number, compiled: CompiledProfile): void {
  for (let i = from; i < to; i++) {
    const r = scorePaper(papers[i]!, compiled);
    if (r) ranked.push(r);
  }
}

/** Paper × term tests between two yields to the event loop: some 20 ms of work. */
const SLICE_WORK = 50_000;

/**
 * rankDays, giving the event loop a turn every slice of work: an expensive custom feed then delays the
 * other requests of the process by one slice, not by all of its ranking. Same result as rankDays.
 */
export async function rankDaysInSlices(
  days: readonly AnnouncementDay<Paper>[],
  profile: RankProfile,
  yieldTurn: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): Promise<AnnouncementDay<RankedPaper>[]> {
  const compiled = compileProfile(profile);
  const slice = Math.max(100, Math.floor(SLICE_WORK / (1 + profile.keywords.length + profile.exclude.length)));
  const result: AnnouncementDay<RankedPaper>[] = [];
  for (const day of [...days].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))) {
    const ranked: RankedPaper[] = [];
    for (let from = 0; from < day.papers.length; from += slice) {
      scoreInto(ranked, day.papers, from, Math.min(day.papers.length, from + slice), compiled);
      await yieldTurn();
    }
    result.push({ date: day.date, papers: ranked.sort(compareRanked).slice(0, profile.limit) });
  }
  return result;
}

/** Ranks each day separately (the top `limit` of every day), newest day first. */
export function rankDays(
  days: readonly AnnouncementDay<Paper>[],
  profile: RankProfile,
): AnnouncementDay<RankedPaper>[] {
  const compiled = compileProfile(profile);
  return [...days]
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
    .map((day) => ({ date: day.date, papers: rankWith(day.papers, compiled) }));
}
