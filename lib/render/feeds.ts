// Pure: FeedDocument → RSS 2.0, Atom 1.0 and JSON Feed text, through the `feed` package.
import { Feed, type FeedOptions, type Item } from "feed";
import { escapeHtml } from "../text";
import { GENERATOR, type FeedDocument, type FeedItem } from "./document";

export type FeedFormat = "rss" | "atom" | "json";

export const CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
};


function feedOptions(doc: FeedDocument, self: string): FeedOptions {
  return {
    id: self,
    title: doc.title,
    description: doc.description,
    link: doc.links.html,
    feed: self,
    feedLinks: { rss: doc.links.rss, atom: doc.links.atom, json: doc.links.json },
    updated: doc.updated,
    generator: GENERATOR,
    language: "en",
    // Atom needs an author for entries without one; arXiv papers always name theirs, but be safe.
    author: { name: "arXiv authors, ranked by arxiv-rss-bot" },
  };
}

function categories(item: FeedItem) {
  return item.categories.map((c) => ({ name: c, term: c }));
}

function build(doc: FeedDocument, self: string, toItem: (item: FeedItem) => Item): Feed {
  const feed = new Feed(feedOptions(doc, self));
  for (const item of doc.items) feed.addItem(toItem(item));
  return feed;
}

export function renderRss(doc: FeedDocument): string {
  return build(doc, doc.links.rss, (item) => ({
    // RSS titles are plain text; the package wraps them in CDATA, which readers take literally.
    title: item.title,
    guid: item.guid,
    link: item.link,
    date: item.date,
    description: escapeHtml(item.summary),
    content: item.contentHtml,
    category: categories(item).map(({ name }) => ({ name })),
    // <author> must be an e-mail address in RSS 2.0; Dublin Core's creator is what readers show.
    extensions: [{ name: "dc:creator", objects: { _text: item.authors.join(", ") } }],
  })).rss2();
}

export function renderAtom(doc: FeedDocument): string {
  const xml = build(doc, doc.links.atom, (item) => ({
    title: item.title,
    // Atom ids are IRIs: the versionless abstract URL names the paper across all its versions.
    id: item.link,
    link: item.link,
    date: item.date,
    published: item.date,
    description: escapeHtml(item.summary),
    content: item.contentHtml,
    author: item.authors.map((name) => ({ name })),
    category: categories(item).map(({ name, term }) => ({ name, term })),
  })).atom1();
  // The package declares entry titles type="html"; ours are plain text (in CDATA), so that readers show
  // `a < b` rather than parse it. Titles are one line, so only the element's own line can match.
  return xml.replace(/^(\s*)<title type="html">/gm, '$1<title type="text">');
}

export function renderJson(doc: FeedDocument): string {
  const text = build(doc, doc.links.json, (item) => ({
    title: item.title,
    id: item.guid,
    link: item.link,
    date: item.date,
    published: item.date,
    description: item.summary,
    content: item.contentHtml,
    category: categories(item).map(({ name }) => ({ name })),
    extensions: [
      { name: "authors", objects: item.authors.map((name) => ({ name })) as unknown as Record<string, unknown> },
      { name: "_arxiv", objects: arxivExtension(item) },
    ],
  })).json1();
  // The package writes JSON Feed 1.0 with one author per item; 1.1 lists them all.
  const json = JSON.parse(text) as { version: string; language?: string; items: { author?: unknown }[] };
  json.version = "https://jsonfeed.org/version/1.1";
  json.language = "en";
  for (const entry of json.items) delete entry.author;
  return JSON.stringify(json);
}

/** Machine-readable ranking and metadata for JSON Feed clients (an `_`-prefixed extension). */
function arxivExtension(item: FeedItem): Record<string, unknown> {
  const { paper, score, titleScore, matches } = item.ranked;
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
    pdf: paper.links.pdf,
    html: paper.links.html,
    ...(item.aiSummary ? { ai_summary: { model: item.aiSummary.model, markdown: item.aiSummary.markdown } } : {}),
  };
}

export function renderFeed(format: FeedFormat, doc: FeedDocument): string {
  return format === "rss" ? renderRss(doc) : format === "atom" ? renderAtom(doc) : renderJson(doc);
}
