// The feed renderers as they were before the lean-render change (lib/render/feeds.ts, document.ts,
// escape.ts, markdown.ts and what they call in text.ts and arxiv/schedule.ts), copied with only the imports
// adjusted (and the escapes no renderer here calls left out). test/unit/render-golden.test.ts renders every fixture
// day with these and with lib/render/, and the bytes must be the same.
import MarkdownIt from "markdown-it";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import { Feed, type FeedOptions, type Item } from "feed";
import { categoryName } from "../../lib/arxiv/categories";
import { arxivLinks, isCategoryCode } from "../../lib/arxiv/ids";
import { announcementInstant } from "../../lib/arxiv/schedule";
import { splitMath, texToMathml } from "../../lib/render/math";
import type { Feed as AppFeed, FeedEntry, Paper, RankProfile, RankedPaper, SummaryRecord } from "../../lib/types";

// ---- lib/text.ts ----
// Pure: the text we show, cleaned once. Everything that comes from arXiv, a model or a stored value goes
// through cleanText (or cleanLine for titles, names and other one-line fields) before it is rendered.

// What never belongs in shown text: characters XML 1.0 forbids (C0 controls but tab/newline/return, lone
// surrogates, U+FFFE/U+FFFF), DEL and the C1 controls, noncharacters, and the invisible format characters
// that can disguise or reorder what a reader sees: bidirectional marks, embeddings, overrides and isolates
// (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width space, word joiner and invisible operators, the
// deprecated format controls, the BOM, the soft hyphen, the Mongolian vowel separator, interlinear
// annotations and tag characters. ZWJ and ZWNJ stay: scripts and emoji need them.
const UNSHOWABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u206F\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF]|\uDB40[\uDC00-\uDC7F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Characters XML 1.0 forbids, and nothing else: for text we made ourselves (rendered Markdown).
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripInvalidXmlChars(value: string): string {
  return value.replace(INVALID_XML_CHARS, "");
}

/** Multi-line text (an abstract, a summary): unshowable characters removed, line ends as `\n`. */
export function cleanText(value: string): string {
  return value.replace(UNSHOWABLE, "").replace(/\r\n?|[\u2028\u2029]/g, "\n");
}

/** One-line text (a title, a name, a category): cleaned, whitespace runs as one space, trimmed. */
export function cleanLine(value: string): string {
  return cleanText(value).replace(/\s+/g, " ").trim();
}

// ---- lib/arxiv/schedule.ts: announcementInstant is unchanged, imported ----

// ---- lib/render/escape.ts ----
// Pure: one function per output context. Every text from arXiv, a model or the store reaches a feed, a page
// or a document only through one of these (after lib/text.ts has cleaned it).
//
// The `feed` package serializes with xml-js, which has quirks of its own that the xmlJs* functions undo:
// text nodes are first "desanitized" (`&amp;` → `&`) and then escaped, so a literal `&amp;` would come out
// as `&`; attribute values get only `"` escaped; a CDATA section gets only its *first* `]]>` split.

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text inside an HTML (or XML) element. Quotes stay as they are: they mean nothing there, and readers that
 * show an RSS title as plain text would otherwise show `&#39;` for every apostrophe.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>]/g, (c) => HTML_ESCAPES[c]!);
}

/** A quoted HTML attribute value. */
export function escapeHtmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}



/** An http(s) URL as given, or undefined for anything else (`javascript:`, `data:`, relative, broken). */
export function safeHttpUrl(value: string | undefined): string | undefined {
  if (!value || !/^https?:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A text node for xml-js: it escapes `&`, `<` and `>` itself, after turning `&amp;` back into `&`. */
export function xmlJsText(value: string): string {
  return value.replace(/&/g, "&amp;");
}

/**
 * CDATA content for xml-js, as the list of sections it writes one after another. No section contains
 * `]]>`: each is split between `]]` and `>`, so the reader joins them back into the literal text.
 */
export function xmlJsCdata(value: string): string[] {
  return value.split(/(?<=\]\])(?=>)/);
}




// ---- lib/render/markdown.ts ----
// Pure: a summary's Markdown (model output: untrusted) → HTML safe to put in any feed or page.
// markdown-it with raw HTML off escapes every tag; links are kept only for http(s) and mailto URLs (no
// javascript:, data:, relative or protocol-relative ones). Images show as their alt text: no tracking
// pixels. GFM tables and strikethrough stay. For the page, TeX math becomes MathML and headings move
// below the paper's own.

export interface MarkdownOptions {
  /** Added to every heading's level (capped at h6), so a summary's `#` sits below the page's headings. */
  headingOffset?: number;
  /** Render `$…$`, `$$…$$`, `\(…\)` and `\[…\]` as MathML (feeds keep the TeX: few readers show MathML). */
  math?: boolean;
}

interface RenderEnv {
  headingOffset?: number;
}

function createRenderer(math: boolean): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  md.validateLink = (url) => /^(https?:\/\/|mailto:)/i.test(url.trim());
  md.renderer.rules.image = (tokens, idx, options, env, self) =>
    escapeHtml(self.renderInlineAsText(tokens[idx]!.children ?? [], options, env));
  const defaultLinkOpen =
    md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  const heading = (tokens: { tag: string }[], idx: number, env: RenderEnv) => {
    const token = tokens[idx]!;
    const level = Number(token.tag.slice(1));
    if (env.headingOffset && level) token.tag = `h${Math.min(6, level + env.headingOffset)}`;
  };
  md.renderer.rules.heading_open = (tokens, idx, options, env: RenderEnv, self) => {
    heading(tokens, idx, env);
    return self.renderToken(tokens, idx, options);
  };
  md.renderer.rules.heading_close = (tokens, idx, options, env: RenderEnv, self) => {
    heading(tokens, idx, env);
    return self.renderToken(tokens, idx, options);
  };
  if (math) {
    // Before "escape", which would otherwise eat the backslash of \( and \[.
    md.inline.ruler.before("escape", "math", mathRule);
    md.renderer.rules.math = (tokens, idx) => {
      const token = tokens[idx]!;
      return texToMathml(token.content, token.info === "display") ?? `<code class="tex">${escapeHtml(token.markup)}</code>`;
    };
  }
  return md;
}

/** Inline TeX where a formula starts here, by the same rules as titles and abstracts (splitMath). */
function mathRule(state: StateInline, silent: boolean): boolean {
  const start = state.pos;
  const c = state.src[start];
  if (c !== "$" && !(c === "\\" && (state.src[start + 1] === "(" || state.src[start + 1] === "["))) return false;
  // A formula ends within its paragraph: only the rest of this inline block is read.
  const first = splitMath(state.src.slice(start))[0];
  if (first?.kind !== "math") return false;
  if (!silent) {
    const token = state.push("math", "math", 0);
    token.content = first.tex;
    token.markup = first.source;
    token.info = first.display ? "display" : "inline";
  }
  state.pos = start + first.source.length;
  return true;
}

const feedRenderer = createRenderer(false);
const pageRenderer = createRenderer(true);

export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  const md = options.math ? pageRenderer : feedRenderer;
  const env: RenderEnv = { headingOffset: options.headingOffset };
  return stripInvalidXmlChars(md.render(markdown, env));
}

// ---- lib/render/document.ts ----
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

// Pure: a built feed → the format-neutral document every renderer writes out. Every text from arXiv, a
// model or the store is cleaned here (lib/text.ts); the renderers escape it for their format (./escape.ts).

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

export function feedDescription(feed: AppFeed): string {
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

export function toFeedDocument(feed: AppFeed, links: FeedLinks, base?: RankProfile): FeedDocument {
  const items: FeedItem[] = [];
  for (const day of feed.days) {
    for (const entry of day.papers) items.push(toItem(entry));
  }
  return {
    title: feedTitle(feed.params.categories, feed.params.custom && base ? { profile: feed.params.profile, base } : undefined),
    description: feedDescription(feed),
    links,
    updated: new Date(feed.updatedAt),
    items,
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

function cleanSummary(summary: SummaryRecord): SummaryRecord {
  return { ...summary, model: cleanLine(summary.model), markdown: cleanText(summary.markdown) };
}

function toItem(entry: FeedEntry): FeedItem {
  const { summary: originalSummary, ...original } = entry;
  const p = cleanPaper(original.paper);
  const ranked: RankedPaper = { ...original, paper: p, matches: original.matches.map((m) => ({ ...m, term: cleanLine(m.term) })) };
  const aiSummary = originalSummary && cleanSummary(originalSummary);
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
    contentHtml: itemHtml(ranked, aiSummary),
    ranked,
  };
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
  const p = ranked.paper;
  const [primary, ...others] = p.categories;
  const matched = ranked.matches.length
    ? ranked.matches
        .map(
          (m) =>
            `<b>${escapeHtml(m.term)}</b>${m.weight !== 1 ? ` ×${m.weight}` : ""} (${where(m.inTitle, m.inAbstract)})`,
        )
        .join(", ")
    : "none";
  const facts = [
    `<b>Score ${formatScore(ranked.score)}</b> · matched ${matched}`,
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
  if (!aiSummary) return `${head}${abstract}<p>${links}</p>`;
  const summary = `<h3>AI summary (by ${escapeHtml(aiSummary.model)})</h3>${renderMarkdown(aiSummary.markdown)}`;
  return `${head}${summary}<h3>Abstract</h3>${abstract}<p>${links}</p>`;
}

// ---- lib/render/feeds.ts ----
// Pure: FeedDocument → RSS 2.0, Atom 1.0 and JSON Feed text, through the `feed` package. The document's
// text is clean; what goes into XML is escaped here for the context it lands in (./escape.ts).

const FEED_AUTHOR = "arXiv authors, ranked by arxiv-rss-bot";
/** The taxonomy arXiv category codes come from, as RSS 2.0's category domain. */
const CATEGORY_DOMAIN = "https://arxiv.org/category_taxonomy";

/** The feed package types CDATA fields as strings; xml-js writes an array as consecutive sections. */
const cdata = (text: string) => xmlJsCdata(text) as unknown as string;

function feedOptions(doc: FeedDocument, self: string, xml: boolean): FeedOptions {
  const text = xml ? xmlJsText : (s: string) => s;
  return {
    id: text(self),
    title: text(doc.title),
    description: text(doc.description),
    link: doc.links.html,
    feed: self,
    feedLinks: { rss: doc.links.rss, atom: doc.links.atom, json: doc.links.json },
    updated: doc.updated,
    generator: GENERATOR,
    language: "en",
    // Minutes a reader may cache the RSS feed; arXiv announces once a day, and ETags make polls cheap.
    ttl: 60,
    // Atom needs an author for entries without one; arXiv papers always name theirs, but be safe.
    author: { name: FEED_AUTHOR, link: doc.links.html },
  };
}

function build(doc: FeedDocument, self: string, xml: boolean, toItem: (item: FeedItem) => Item): Feed {
  const feed = new Feed(feedOptions(doc, self, xml));
  for (const item of doc.items) feed.addItem(toItem(item));
  return feed;
}

export function renderRss(doc: FeedDocument): string {
  const feed = build(doc, doc.links.rss, true, (item) => ({
    // Readers disagree on whether an RSS title is text or HTML; escaped, it reads the same either way
    // (feedparser, for one, takes a title with an entity or a tag in it as HTML).
    title: cdata(escapeHtml(item.title)),
    guid: xmlJsText(item.guid),
    link: item.link,
    date: item.published,
    description: cdata(escapeHtml(item.summary)),
    content: cdata(item.contentHtml),
    category: item.categories.map((c) => ({ name: xmlJsText(c), domain: CATEGORY_DOMAIN })),
    // <author> must be an e-mail address in RSS 2.0; Dublin Core's creator, one per author, is what readers show.
    extensions: [{ name: "dc:creator", objects: item.authors.map((name) => ({ _text: xmlJsText(name) })) as unknown as Record<string, unknown> }],
  }));
  // arXiv announces nothing on weekends, and says so in its own feeds.
  feed.addExtension({ name: "skipDays", objects: { day: [{ _text: "Saturday" }, { _text: "Sunday" }] } });
  return feed.rss2();
}

export function renderAtom(doc: FeedDocument): string {
  const xml = build(doc, doc.links.atom, true, (item) => ({
    // The package declares entry titles type="html": so the title goes in as HTML-escaped text.
    title: cdata(escapeHtml(item.title)),
    // Atom ids are IRIs: the versionless abstract URL names the paper across all its versions.
    id: item.link,
    link: item.link,
    date: item.updated,
    published: item.published,
    description: cdata(escapeHtml(item.summary)),
    content: cdata(item.contentHtml),
    author: item.authors.map((name) => ({ name: xmlJsText(name) })),
    // Category codes hold no character that needs escaping (the package escapes `&` in attributes itself).
    category: item.categories.map((c) => ({ name: c, term: c })),
  })).atom1();
  // The package writes no language for Atom: the root element's xml:lang says it.
  return xml.replace('<feed xmlns="http://www.w3.org/2005/Atom">', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
}

export function renderJson(doc: FeedDocument): string {
  const text = build(doc, doc.links.json, false, (item) => ({
    title: item.title,
    id: item.guid,
    link: item.link,
    date: item.updated,
    published: item.published,
    description: item.summary,
    content: item.contentHtml,
    category: item.categories.map((name) => ({ name })),
    extensions: [
      { name: "authors", objects: item.authors.map((name) => ({ name })) as unknown as Record<string, unknown> },
      { name: "_arxiv", objects: arxivExtension(item) },
    ],
  })).json1();
  // The package writes JSON Feed 1.0 with one author per item; 1.1 lists them all.
  const json = JSON.parse(text) as { version: string; language?: string; author?: unknown; authors?: unknown; items: { author?: unknown }[] };
  json.version = "https://jsonfeed.org/version/1.1";
  json.language = "en";
  delete json.author;
  json.authors = [{ name: FEED_AUTHOR, url: doc.links.html }];
  for (const entry of json.items) delete entry.author;
  return JSON.stringify(json);
}

/** Machine-readable ranking and metadata for JSON Feed clients (an `_`-prefixed extension). */
function arxivExtension(item: FeedItem): Record<string, unknown> {
  const { paper, score, titleScore, matches } = item.ranked;
  const links = arxivLinks(paper.id);
  return {
    id: paper.id,
    version: paper.version,
    score,
    title_score: titleScore,
    matches: matches.map((m) => ({ term: m.term, weight: m.weight, in_title: m.inTitle, in_abstract: m.inAbstract })),
    announce_type: paper.announceType,
    announced: paper.announced,
    primary_category: paper.categories[0],
    categories: paper.categories,
    license: paper.license ?? null,
    doi: paper.doi ?? null,
    journal_ref: paper.journalRef ?? null,
    pdf: links.pdf,
    html: links.html,
    ...(item.aiSummary ? { ai_summary: { model: item.aiSummary.model, markdown: item.aiSummary.markdown } } : {}),
  };
}

/** What FORMATS[format].render returned (lib/render/formats.ts), for the three feed formats. */
export function renderFeed(format: "rss" | "atom" | "json", feed: AppFeed, links: FeedLinks, base: RankProfile): string {
  const doc = toFeedDocument(feed, links, base);
  return format === "rss" ? renderRss(doc) : format === "atom" ? renderAtom(doc) : renderJson(doc);
}
