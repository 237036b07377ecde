// A feed request's path and query string → FeedParams, once for every route and page.
import { z } from "zod";
import { canonicalCategory } from "./arxiv/categories";
import { dedupeKeywords, dedupeTerms, type AppConfig } from "./config";
import { AppError } from "./errors";
import { cleanLine } from "./text";
import { ANNOUNCE_TYPES, MATCH_MODES, type AnnounceType, type FeedParams, type Keyword, type RankProfile } from "./types";

/** A piece of the request, quoted in an error message: never more than a short slice of it. */
export function quoted(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

export const MAX_CATEGORIES = 10;
export const MAX_LIMIT = 500;
const MAX_TERMS = 50;
const MAX_TERM_LENGTH = 100;

/** `cs.AI+cs.LG` (or separated by commas or spaces) → canonical codes; 404 for a category arXiv lacks. */
export function parseCategories(segments: readonly string[] | undefined): string[] | undefined {
  if (!segments || segments.length === 0) return undefined;
  if (segments.length > 1) throw new AppError("not_found", `No feed at "/${quoted(segments.join("/"))}"`);
  const codes = segments[0]!.split(/[+,\s]+/).filter(Boolean);
  if (codes.length === 0) return undefined;
  const categories: string[] = [];
  for (const code of codes) {
    const canonical = canonicalCategory(code);
    if (!canonical) {
      throw new AppError(
        "not_found",
        `Unknown arXiv category "${quoted(code)}". Categories look like cs.LG, math.CO or hep-th: see https://arxiv.org/category_taxonomy`,
      );
    }
    if (!categories.includes(canonical)) categories.push(canonical);
  }
  if (categories.length > MAX_CATEGORIES) {
    throw new AppError("bad_request", `A feed can combine at most ${MAX_CATEGORIES} categories; this one asks for ${categories.length}`);
  }
  return categories;
}

function termList(name: string) {
  return z.string().transform((value, ctx) => {
    const terms = value.split(",").map((t) => t.trim()).filter(Boolean);
    if (terms.length > MAX_TERMS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_TERMS} ${name} are allowed` });
      return z.NEVER;
    }
    const tooLong = terms.find((t) => t.length > MAX_TERM_LENGTH);
    if (tooLong) {
      ctx.addIssue({ code: "custom", message: `each term must be at most ${MAX_TERM_LENGTH} characters` });
      return z.NEVER;
    }
    if (terms.some((t) => /[\u0000-\u001F\u007F]/.test(t))) {
      ctx.addIssue({ code: "custom", message: "terms cannot contain control characters" });
      return z.NEVER;
    }
    // Invisible format characters (bidirectional overrides, zero-width spaces) would only disguise a term.
    return terms.map(cleanLine).filter(Boolean);
  });
}

const WEIGHTED = /^(.*?)\^\s*(\d+(?:\.\d+)?)$/;

const querySchema = z.object({
  keywords: termList("keywords")
    .transform((terms, ctx) => {
      const keywords: Keyword[] = [];
      for (const t of terms) {
        // "term^weight"; a "^" with anything but a number after it is a mistake, not part of a term.
        const m = t.includes("^") ? WEIGHTED.exec(t) : undefined;
        const term = (m ? m[1]! : t).trim();
        const weight = m ? Number(m[2]) : t.includes("^") ? NaN : 1;
        if (!term || !(weight > 0 && weight <= 100)) {
          ctx.addIssue({ code: "custom", message: `"${quoted(t)}" is not a keyword; write "term" or "term^weight" (weight above 0, at most 100)` });
          return z.NEVER;
        }
        keywords.push({ term, weight });
      }
      return dedupeKeywords(keywords);
    })
    .optional(),
  exclude: termList("exclusions").transform(dedupeTerms).optional(),
  min_score: z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*$/, "must be a number of 0 or more, like 2 or 1.5")
    .transform(Number)
    .optional(),
  limit: z
    .string()
    .regex(/^\s*\d+\s*$/, `must be a whole number from 1 to ${MAX_LIMIT}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`)
    .optional(),
  types: z
    .string()
    .transform((value, ctx) => {
      const names = value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
      if (names.length === 1 && names[0] === "all") return [...ANNOUNCE_TYPES];
      const bad = names.find((t) => !ANNOUNCE_TYPES.includes(t as AnnounceType));
      if (bad !== undefined || names.length === 0) {
        ctx.addIssue({
          code: "custom",
          message: `must be "all" or a comma-separated list of ${ANNOUNCE_TYPES.join(", ")}${bad ? ` (not "${quoted(bad)}")` : ""}`,
        });
        return z.NEVER;
      }
      return [...new Set(names)] as AnnounceType[];
    })
    .optional(),
  match: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(MATCH_MODES, { error: `must be one of ${MATCH_MODES.join(", ")}` }))
    .optional(),
});

const QUERY_NAMES = Object.keys(querySchema.shape) as (keyof typeof querySchema.shape)[];

/**
 * The query string of a feed's own links: only the parameters we read, in a fixed order, repeated ones
 * joined, commas left readable. `?utm_source=x&limit=5&keywords=a&keywords=b` → `?keywords=a,b&limit=5`.
 */
export function canonicalSearch(search: URLSearchParams): string {
  const parts: string[] = [];
  for (const name of QUERY_NAMES) {
    const values = search.getAll(name);
    if (values.length) parts.push(`${name}=${encodeURIComponent(values.join(",")).replace(/%2C/gi, ",")}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** Tracking parameters links pick up on their way to a reader: ignored, not refused. */
const TRACKING = /^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|ref)$/i;

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** 400 for a parameter we do not read: a typo (`?keyword=`) must not silently serve the default feed. */
function refuseUnknown(search: URLSearchParams, known: readonly string[]): void {
  for (const name of new Set(search.keys())) {
    if (known.includes(name) || TRACKING.test(name)) continue;
    const lower = name.toLowerCase();
    const closest = [...known].sort((a, b) => editDistance(lower, a) - editDistance(lower, b))[0]!;
    const near = editDistance(lower, closest) <= Math.max(2, Math.floor(closest.length / 3)) || (lower.length >= 4 && closest.startsWith(lower.slice(0, 4)));
    const shown = quoted(name);
    const hint = near ? `did you mean "${closest}"?` : `known ones are ${known.join(", ")}`;
    throw new AppError("bad_request", `Unknown query parameter "${shown}": ${hint}`);
  }
}

export function parseFeedParams(
  segments: readonly string[] | undefined,
  search: URLSearchParams,
  config: AppConfig,
  options: { alsoKnown?: readonly string[] } = {},
): FeedParams {
  refuseUnknown(search, [...QUERY_NAMES, ...(options.alsoKnown ?? [])]);
  const named = parseCategories(segments);
  const categories = named ?? config.categories;
  const others = config.onlyConfiguredCategories ? categories.filter((c) => !config.categories.includes(c)) : [];
  if (others.length > 0) {
    throw new AppError(
      "not_found",
      `This deployment serves only its own categories (${config.categories.join(", ")}), not ${others.slice(0, 3).join(", ")}${others.length > 3 ? ", …" : ""}`,
    );
  }

  // Repeated parameters (?keywords=a&keywords=b) read as one list.
  const raw: Record<string, string> = {};
  for (const name of QUERY_NAMES) {
    const values = search.getAll(name);
    if (values.length) raw[name] = values.join(",");
  }
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("bad_request", `Invalid query parameter "${String(issue.path[0])}": ${issue.message}`);
  }
  const q = parsed.data;
  const base = config.profile;
  const profile: RankProfile = {
    keywords: q.keywords ?? base.keywords,
    exclude: q.exclude ?? base.exclude,
    match: q.match ?? base.match,
    minScore: q.min_score ?? base.minScore,
    titleWeight: base.titleWeight,
    announceTypes: q.types ?? base.announceTypes,
    limit: q.limit ?? base.limit,
  };
  const custom = Object.keys(raw).length > 0;
  checkQueryCost(categories, profile, config);
  return {
    categories,
    allConfigured: named === undefined,
    profile,
    custom,
    cacheKey: JSON.stringify([categories, profile]),
  };
}

/**
 * What one feed costs to build, in units of about a millisecond of CPU: matching every paper of every
 * kept day of every category against every term (arXiv announces some 500 papers a day in a busy
 * category), plus rendering what it shows. An estimate from the query alone, so a feed that works today
 * works every day.
 */
export function queryCost(categories: number, terms: number, limit: number, daysBack: number): number {
  const matching = categories * daysBack * PAPERS_PER_CATEGORY_DAY * (terms + 1) * MATCH_UNIT;
  const rendering = limit * daysBack * RENDER_UNIT;
  return Math.round(matching + rendering);
}

const PAPERS_PER_CATEGORY_DAY = 500;
const MATCH_UNIT = 0.0008;
const RENDER_UNIT = 0.1;
/** No feed may cost more than this, or half again what the deployment's own feed costs if that is more. */
export const MAX_QUERY_COST = 600;

function checkQueryCost(categories: readonly string[], profile: RankProfile, config: AppConfig): void {
  const terms = profile.keywords.length + profile.exclude.length;
  const cost = queryCost(categories.length, terms, profile.limit, config.daysBack);
  const own = config.profile;
  const ceiling = Math.max(
    MAX_QUERY_COST,
    Math.ceil(1.5 * queryCost(config.categories.length, own.keywords.length + own.exclude.length, own.limit, config.daysBack)),
  );
  if (cost <= ceiling) return;
  throw new AppError(
    "bad_request",
    `This feed would cost too much to build: ${categories.length} ${categories.length === 1 ? "category" : "categories"} × ${terms} keywords and exclusions over ${config.daysBack} days, up to ${profile.limit * config.daysBack} papers shown, is ${cost} units of work; the limit is ${ceiling}. Ask for fewer categories or keywords, or a lower limit.`,
  );
}

/** What a page request asks for: the feed it shows, and which of its kept days. */
export interface PageParams {
  feed: FeedParams;
  /** `YYYY-MM-DD`; the newest kept day when absent. */
  day?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The page's path and query string: the feed's parameters, plus `day`. */
export function parsePageParams(segments: readonly string[] | undefined, search: URLSearchParams, config: AppConfig): PageParams {
  const feed = parseFeedParams(segments, search, config, { alsoKnown: ["day"] });
  const day = search.get("day")?.trim();
  if (!day) return { feed };
  const m = DAY.exec(day);
  const valid = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().startsWith(day);
  if (!valid) throw new AppError("bad_request", `Invalid query parameter "day": must be a date like 2026-06-30`);
  return { feed, day };
}

function keywordText(keywords: readonly Keyword[]): string {
  return keywords.map((k) => (k.weight === 1 ? k.term : `${k.term}^${k.weight}`)).join(",");
}

/**
 * The shortest query string that asks for `profile` on top of the configured one: only what differs, in
 * the canonical order. What a personal feed's URL carries.
 */
export function profileSearch(profile: RankProfile, base: RankProfile): string {
  const same = (a: readonly unknown[], b: readonly unknown[]) => JSON.stringify(a) === JSON.stringify(b);
  const values: Record<string, string | undefined> = {
    keywords: same(profile.keywords, base.keywords) ? undefined : keywordText(profile.keywords),
    exclude: same(profile.exclude, base.exclude) ? undefined : profile.exclude.join(","),
    min_score: profile.minScore === base.minScore ? undefined : String(profile.minScore),
    limit: profile.limit === base.limit ? undefined : String(profile.limit),
    types: same([...profile.announceTypes].sort(), [...base.announceTypes].sort()) ? undefined : profile.announceTypes.join(","),
    match: profile.match === base.match ? undefined : profile.match,
  };
  const parts = QUERY_NAMES.flatMap((name) => {
    const value = values[name];
    return value === undefined ? [] : [`${name}=${encodeURIComponent(value).replace(/%2C/gi, ",").replace(/%5E/gi, "^")}`];
  });
  return parts.length ? `?${parts.join("&")}` : "";
}

/** The profile as the personalize form's fields show it. */
export function profileFields(profile: RankProfile): Record<"keywords" | "exclude" | "min_score" | "limit" | "match", string> & { types: string[] } {
  return {
    keywords: keywordText(profile.keywords).replaceAll(",", ", "),
    exclude: profile.exclude.join(", "),
    min_score: String(profile.minScore),
    limit: String(profile.limit),
    match: profile.match,
    types: [...profile.announceTypes],
  };
}
