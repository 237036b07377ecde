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
