// Domain types. Wire types (arXiv XML, query strings) stay in their parsers.

export const ANNOUNCE_TYPES = ["new", "cross", "replace", "replace-cross"] as const;
export type AnnounceType = (typeof ANNOUNCE_TYPES)[number];

export const MATCH_MODES = ["prefix", "substring", "word"] as const;
export type MatchMode = (typeof MATCH_MODES)[number];

export interface Paper {
  /** Versionless arXiv id: `2606.30639` or `hep-th/9901001`. */
  id: string;
  version: number;
  title: string;
  /** The whole abstract, without arXiv's `arXiv:… Announce Type: … Abstract:` prefix. */
  abstract: string;
  authors: string[];
  /** Primary category first. */
  categories: string[];
  /** As announced in the feed it came from; recomputed when feeds are combined. */
  announceType: AnnounceType;
  /** Announcement day, `YYYY-MM-DD` (US Eastern, as arXiv dates it). */
  announced: string;
  license?: string;
  doi?: string;
  journalRef?: string;
}

export interface Keyword {
  term: string;
  weight: number;
}

/** What decides which papers a feed shows and in what order. */
export interface RankProfile {
  keywords: Keyword[];
  exclude: string[];
  match: MatchMode;
  minScore: number;
  titleWeight: number;
  announceTypes: AnnounceType[];
  /** Papers kept per announcement day. */
  limit: number;
}

export interface KeywordMatch {
  term: string;
  weight: number;
  inTitle: boolean;
  inAbstract: boolean;
}

export interface RankedPaper {
  paper: Paper;
  score: number;
  /** Weighted number of keywords found in the title. */
  titleScore: number;
  matches: KeywordMatch[];
}

export interface AnnouncementDay<T> {
  date: string;
  papers: T[];
}

/** What a feed request asks for: categories and the profile that ranks them. */
export interface FeedParams {
  /** Canonical category codes, in the order asked, without duplicates. */
  categories: string[];
  /** True when the path named no categories: the configured ones. */
  allConfigured: boolean;
  profile: RankProfile;
  /** True when the query string changed the configured profile. */
  custom: boolean;
  /** Stable text of everything above, for cache keys and ETags. */
  cacheKey: string;
}

/** An AI summary of one paper version, kept forever. */
export interface SummaryRecord {
  markdown: string;
  model: string;
  /** What the model read: the abstract, or the full text. */
  sourceUsed: "abstract" | "fulltext";
  createdAt: string;
  truncated?: boolean;
}

/** A ranked paper as every reader gets it: why it ranked, and its summary when there is one. */
export interface FeedEntry extends RankedPaper {
  summary?: SummaryRecord;
}

/** Why a category's papers are older than they should be (arXiv failed, or could not be asked yet). */
export interface FeedProblem {
  category: string;
  reason: string;
  message: string;
  /** When arXiv will be asked again (epoch ms). */
  retryAt: number;
  /** When this run of failures began (epoch ms), if known. */
  since?: number;
  /** The newest announcement day still shown for the category, if any. */
  shownUpTo?: string;
}

/** loadFeed's answer: plain data every reader renders (feeds, page, digest, OPML, summary candidates). */
export interface Feed {
  params: FeedParams;
  /** Newest day first; each day's papers in rank order. A paper appears once, on its newest day. */
  days: AnnouncementDay<FeedEntry>[];
  /** When any of its papers or summaries last changed (epoch ms). */
  updatedAt: number;
  /** Until when nothing new can appear: the earliest next check of its categories (epoch ms). */
  freshUntil: number;
  /** One line per category shown from older papers, or missing, because arXiv could not be reached. */
  warnings: string[];
  problems: FeedProblem[];
  /** Equal versions, equal feeds: the params, each category's papers version and the summaries' epoch. */
  version: string;
}
