// Pure: a built feed → the format-neutral document every renderer writes out. Every text from arXiv, a
// model or the store is cleaned here (lib/text.ts); the renderers escape it for their format (./escape.ts).
import { categoryName } from "../arxiv/categories";
import { arxivLinks, isCategoryCode } from "../arxiv/ids";
import { announcementInstant } from "../arxiv/schedule";
import { LruCache } from "../lru";
import { cleanLine, cleanText } from "../text";
import type { Feed, FeedEntry, KeywordMatch, Paper, RankProfile, RankedPaper, SummaryRecord } from "../types";
import { escapeHtml, escapeHtmlAttr, safeHttpUrl } from "./escape";
import { renderMarkdown } from "./markdown";

export interface FeedLinks {
  /** This feed in each format, absolute, with the request's query string. */
  rss: string;
  atom: string;
  json: string;
  /** The human page for these categories. */
  html: string;
}

export interface FeedItem {
  /** The versionless arXiv id: the same for every version of the paper and in every feed. */
  guid: string;
  /** Plain text, one line. */
  title: string;
  /** The paper's abstract page, made from its id. */
  link: string;
  /** The announcement instant. */
  published: Date;
  /** When the item last changed: its announcement, or later when its AI summary arrived. */
  updated: Date;
  authors: string[];
  /** Category codes, the primary first. */
  categories: string[];
  /** The abstract as plain text. */
  summary: string;
  /** Why it ranked where it did, its metadata, the AI summary if any and the whole abstract, as HTML. */
  contentHtml: string;
  /** The ranked paper with every text cleaned. */
  ranked: RankedPaper;
  aiSummary?: SummaryRecord;
}

export interface FeedDocument {
  title: string;
  description: string;
  links: FeedLinks;
  updated: Date;
  items: FeedItem[];
}

export const GENERATOR = "arxiv-rss-bot";

/**
 * `arXiv cs.LG: ranked` for the configured profile; a personal feed says what it follows
 * (`arXiv cs.LG: diffusion, RL`), so a reader with several can tell them apart.
 */
export function feedTitle(categories: readonly string[], custom?: { profile: RankProfile; base: RankProfile }): string {
  const head = `arXiv ${categories.join(" + ")}`;
  if (!custom) return `${head}: ranked`;
  const { profile, base } = custom;
  const terms = profile.keywords.map((k) => k.term);
  const sameKeywords = JSON.stringify(profile.keywords) === JSON.stringify(base.keywords);
  if (!sameKeywords) {
    if (terms.length === 0) return `${head}: all papers`;
    const shown = terms.slice(0, 4).join(", ");
    return cleanLine(`${head}: ${shown}${terms.length > 4 ? `, +${terms.length - 4} more` : ""}`);
  }
  return `${head}: ranked (custom)`;
}

export function feedDescription(feed: Feed): string {
  const { profile, categories } = feed.params;
  const names = categories.map((c) => `${c} (${categoryName(c) ?? c})`).join(", ");
  const keywords = profile.keywords.length
    ? `ranked by ${profile.keywords.length} keyword${profile.keywords.length > 1 ? "s" : ""} (${profile.keywords
        .slice(0, 12)
        .map((k) => k.term)
        .join(", ")}${profile.keywords.length > 12 ? ", …" : ""})`
    : "unranked (no keywords)";
  return cleanLine(
    `Today's arXiv papers in ${names}, ${keywords}; the top ${profile.limit} of each announcement day. By ${GENERATOR}.`,
  );
}

export function toFeedDocument(feed: Feed, links: FeedLinks, base?: RankProfile): FeedDocument {
  const items: FeedItem[] = [];
  for (const day of feed.days) {
    for (const entry of day.papers) items.push(toItem(entry));
  }
  return { ...documentFrame(feed, links, base), items };
}

/** A document's own fields, without its items. */
export function documentFrame(feed: Feed, links: FeedLinks, base?: RankProfile): Omit<FeedDocument, "items"> {
  return {
    title: feedTitle(feed.params.categories, feed.params.custom && base ? { profile: feed.params.profile, base } : undefined),
    description: feedDescription(feed),
    links,
    updated: new Date(feed.updatedAt),
  };
}

/**
 * Every text of a paper as it may be shown: cleaned, one line where it is one, categories only codes, and
 * never an empty title (a reader would show nothing to click).
 */
export function cleanPaper(paper: Paper): Paper {
  const cleaned: Paper = {
    ...paper,
    title: cleanLine(paper.title) || `arXiv:${paper.id}`,
    abstract: cleanText(paper.abstract).trim(),
    authors: paper.authors.map(cleanLine).filter(Boolean),
    categories: paper.categories.map(cleanLine).filter(isCategoryCode),
  };
  for (const key of ["license", "doi", "journalRef"] as const) {
    const value = cleanLine(paper[key] ?? "");
    if (value) cleaned[key] = value;
    else delete cleaned[key];
  }
  return cleaned;
}

interface SummaryBody {
  /** The summary's Markdown, cleaned. */
  markdown: string;
  /** That Markdown as HTML. */
  html: string;
}

// A summary is kept forever and shows in every format, profile and feed of its paper, and in each render
// after every new summary of the day; its Markdown is cleaned and rendered once. Keyed by the Markdown as
// stored; sizes in bytes (UTF-16), keys included.
const summaryBodies = new LruCache<SummaryBody>(2_000, 16 * 1024 * 1024);

function summaryBody(markdown: string): SummaryBody {
  let body = summaryBodies.get(markdown);
  if (!body) {
    const cleaned = cleanText(markdown);
    body = { markdown: cleaned, html: renderMarkdown(cleaned) };
    summaryBodies.set(markdown, body, 2 * (markdown.length + (cleaned === markdown ? 0 : cleaned.length) + body.html.length));
  }
  return body;
}

/** The AI summary in an item: a heading naming its model, then its HTML. */
function summarySection(model: string, html: string): string {
  return `<h3>AI summary (by ${escapeHtml(model)})</h3>${html}`;
}

/**
 * An entry as a document item. With `head`, the item's HTML starts with `head` in place of its score and
 * matches (itemHead: what its ranking adds to the paper), so that the item reads the same in any ranking.
 */
export function toItem(entry: FeedEntry, head?: string): FeedItem {
  const { summary: originalSummary, ...original } = entry;
  const p = cleanPaper(original.paper);
  const ranked: RankedPaper = { ...original, paper: p, matches: cleanMatches(original.matches) };
  let aiSummary: SummaryRecord | undefined;
  let summaryHtml: string | undefined;
  if (originalSummary) {
    const body = summaryBody(originalSummary.markdown);
    aiSummary = { ...originalSummary, model: cleanLine(originalSummary.model), markdown: body.markdown };
    summaryHtml = summarySection(aiSummary.model, body.html);
  }
  // Remembered per day (lib/arxiv/schedule.ts): not an Intl call per paper.
  const published = new Date(announcementInstant(p.announced));
  return {
    ...(aiSummary ? { aiSummary } : {}),
    guid: p.id,
    title: p.title,
    link: arxivLinks(p.id).abs,
    published,
    updated: aiSummary && Date.parse(aiSummary.createdAt) > published.getTime() ? new Date(aiSummary.createdAt) : published,
    authors: p.authors,
    categories: p.categories,
    summary: p.abstract,
    contentHtml: itemHtmlWith(ranked, summaryHtml, head),
    ranked,
  };
}

/** A ranking's matches with their terms as they may be shown. */
export function cleanMatches(matches: readonly KeywordMatch[]): KeywordMatch[] {
  return matches.map((m) => ({ ...m, term: cleanLine(m.term) }));
}

export function formatScore(score: number): string {
  return Number.isInteger(score) ? score.toFixed(1) : String(Math.round(score * 100) / 100);
}

export function licenseLabel(url: string): string {
  const cc = /creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)\/(\d\.\d)/i.exec(url);
  if (cc) return cc[2] === "zero" ? `CC0 ${cc[3]}` : `CC ${cc[2]!.toUpperCase()} ${cc[3]}`;
  if (/arxiv\.org\/licenses\/nonexclusive-distrib/i.test(url)) return "arXiv non-exclusive license";
  if (/arxiv\.org\/licenses\/assumed/i.test(url)) return "arXiv assumed license";
  return url;
}

function where(inTitle: boolean, inAbstract: boolean): string {
  return inTitle && inAbstract ? "title, abstract" : inTitle ? "title" : "abstract";
}

/** A link when `href` is an http(s) URL, else just the text: no other scheme ever becomes a link. */
function link(href: string, text: string): string {
  const url = safeHttpUrl(href);
  return url ? `<a href="${escapeHtmlAttr(url)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

const DOI = /^10\.\d{4,9}\/\S+$/;

function doiLink(doi: string): string {
  return DOI.test(doi) ? link(`https://doi.org/${doi.split("/").map(encodeURIComponent).join("/")}`, doi) : escapeHtml(doi);
}

/**
 * The item's HTML: the score and why, the paper's metadata, the AI summary, the whole abstract, its links.
 * Takes cleaned text (cleanPaper); every text is escaped here and only http(s) URLs become links.
 */
export function itemHtml(ranked: RankedPaper, aiSummary?: SummaryRecord): string {
  return itemHtmlWith(ranked, aiSummary && summarySection(aiSummary.model, renderMarkdown(aiSummary.markdown)));
}

/**
 * An item's score and the keywords it matched, as the first line of its HTML. Terms are cleaned here
 * (cleanLine gives a cleaned term back as it is), so the ranking's own matches may be given.
 */
export function itemHead(ranked: Pick<RankedPaper, "score" | "matches">): string {
  const matched = ranked.matches.length
    ? ranked.matches
        .map((m) => `<b>${shownTerm(m.term)}</b>${m.weight !== 1 ? ` ×${m.weight}` : ""} (${where(m.inTitle, m.inAbstract)})`)
        .join(", ")
    : "none";
  return `<b>Score ${formatScore(ranked.score)}</b> · matched ${matched}`;
}

// Terms as shown, cleaned and escaped once: a feed's items show the same few keywords again and again.
// Bounded: a stranger's queries can bring any number of terms.
const shownTerms = new Map<string, string>();
function shownTerm(term: string): string {
  let shown = shownTerms.get(term);
  if (shown === undefined) {
    if (shownTerms.size >= 4096) shownTerms.clear();
    shown = escapeHtml(cleanLine(term));
    shownTerms.set(term, shown);
  }
  return shown;
}

/** itemHtml with the AI summary's heading and HTML made already, and the first line given or made. */
function itemHtmlWith(ranked: RankedPaper, summaryHtml?: string, firstLine = itemHead(ranked)): string {
  const p = ranked.paper;
  const [primary, ...others] = p.categories;
  const facts = [
    firstLine,
    `${escapeHtml(p.announceType)} · ${escapeHtml(primary ?? "")} (primary)${
      others.length ? `, ${others.map(escapeHtml).join(", ")}` : ""
    } · announced ${escapeHtml(p.announced)}`,
    p.authors.length ? `Authors: ${escapeHtml(p.authors.join(", "))}` : "",
    [
      p.license ? `License: ${link(p.license, licenseLabel(p.license))}` : "",
      p.doi ? `DOI: ${doiLink(p.doi)}` : "",
      p.journalRef ? `Journal ref: ${escapeHtml(p.journalRef)}` : "",
    ]
      .filter(Boolean)
      .join(" · "),
  ].filter(Boolean);
  const abstract = p.abstract
    .split(/\n\s*\n|\n(?=\s)/)
    .map((para) => para.trim())
    .filter(Boolean)
    .map((para) => `<p>${escapeHtml(para)}</p>`)
    .join("");
  const arxiv = arxivLinks(p.id);
  const links = [link(arxiv.abs, `arXiv:${p.id}v${p.version}`), link(arxiv.pdf, "PDF"), link(arxiv.html, "HTML")].join(" · ");
  const head = `<p>${facts.join("<br>")}</p>`;
  if (summaryHtml === undefined) return `${head}${abstract}<p>${links}</p>`;
  return `${head}${summaryHtml}<h3>Abstract</h3>${abstract}<p>${links}</p>`;
}
