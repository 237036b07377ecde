// Pure: FeedDocument → RSS 2.0, Atom 1.0 and JSON Feed text, through the `feed` package. The document's
// text is clean; what goes into XML is escaped here for the context it lands in (./escape.ts).
import { Feed, type FeedOptions, type Item } from "feed";
import { arxivLinks } from "../arxiv/ids";
import { GENERATOR, type FeedDocument, type FeedItem } from "./document";
import { escapeHtml, xmlJsCdata, xmlJsText } from "./escape";

const FEED_AUTHOR = "arXiv authors, ranked by arxiv-rss-bot";
/** The taxonomy arXiv category codes come from, as RSS 2.0's category domain. */
const CATEGORY_DOMAIN = "https://arxiv.org/category_taxonomy";

/** The feed package types CDATA fields as strings; xml-js writes an array as consecutive sections. */
const cdata = (text: string) => xmlJsCdata(text) as unknown as string;
/** An element's text as xml-js's own text node, where the package types a string. */
const textNode = (text: string) => ({ _text: text }) as unknown as string;

function feedOptions(doc: FeedDocument, self: string, xml: boolean): FeedOptions {
  const text = xml ? xmlJsText : (s: string) => s;
  const options: FeedOptions = {
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
  };
  // Atom needs an author for entries without one; arXiv papers always name theirs, but be safe. (JSON Feed
  // 1.1 lists its authors, which renderJson writes itself.)
  if (xml) options.author = { name: FEED_AUTHOR, link: doc.links.html };
  return options;
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
    // A name as a text node, not a string: xml-js asks of every string element whether it has content by
    // enumerating its characters (for…in): a fifth of an Atom render when every name was a string. Same output.
    author: item.authors.map((name) => ({ name: textNode(xmlJsText(name)) })),
    // Category codes hold no character that needs escaping (the package escapes `&` in attributes itself).
    category: item.categories.map((c) => ({ name: c, term: c })),
  })).atom1();
  // The package writes no language for Atom: the root element's xml:lang says it.
  return xml.replace('<feed xmlns="http://www.w3.org/2005/Atom">', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
}

export function renderJson(doc: FeedDocument): string {
  const pretty = build(doc, doc.links.json, false, (item) => ({
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
  // The package writes JSON Feed 1.0, indented; the feed is JSON Feed 1.1, compact, with its language and
  // authors last: the same text as parsing the package's output, changing it and writing it out again.
  const json = compactJson(pretty);
  if (!json.startsWith(JSON_FEED_1) || !json.endsWith("}")) throw new Error("feed: unexpected JSON Feed output");
  const tail = `,"language":"en","authors":${JSON.stringify([{ name: FEED_AUTHOR, url: doc.links.html }])}}`;
  return `${JSON_FEED_1_1}${json.slice(JSON_FEED_1.length, -1)}${tail}`;
}

const JSON_FEED_1 = '{"version":"https://jsonfeed.org/version/1",';
const JSON_FEED_1_1 = '{"version":"https://jsonfeed.org/version/1.1",';

// In JSON text a line break is never inside a string (it is written `\n` there), so each one the package
// wrote starts its indentation, followed in an object by a member's name and `": "`, else by a value or a
// closing bracket.
const INDENTATION = /\n *(?:("(?:[^"\\]|\\.)*":) )?/g;

/** `JSON.stringify(value, null, 4)` → `JSON.stringify(value)`, without parsing it. */
export function compactJson(pretty: string): string {
  return pretty.replace(INDENTATION, "$1");
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
