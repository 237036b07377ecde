// Pure: FeedDocument → RSS 2.0, Atom 1.0 and JSON Feed text, through the `feed` package; and a feed's
// bytes from items the package wrote once (renderFeedBytes: the same bytes, kept items aside). The
// document's text is clean; what goes into XML is escaped here for the context it lands in (./escape.ts).
import { Feed, type FeedOptions, type Item } from "feed";
import { arxivLinks } from "../arxiv/ids";
import { LruCache } from "../lru";
import type { Feed as RankedFeed, FeedEntry, KeywordMatch, Paper, RankProfile, SummaryRecord } from "../types";
import { cleanMatches, documentFrame, GENERATOR, itemHead, toItem, type FeedDocument, type FeedItem, type FeedLinks } from "./document";
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

/**
 * The package's feed of `doc`'s items, each made by `toItem`: a function of the module's, not a callback
 * made per render, whose optimized code a full collection between two renders would discard.
 */
function build(doc: FeedDocument, self: string, xml: boolean, toItem: (item: FeedItem, marked: boolean) => Item, marked: boolean): Feed {
  const feed = new Feed(feedOptions(doc, self, xml));
  for (const item of doc.items) feed.addItem(toItem(item, marked));
  return feed;
}

export function renderRss(doc: FeedDocument): string {
  return rssText(doc);
}

export function renderAtom(doc: FeedDocument): string {
  return finishAtom(atomText(doc));
}

export function renderJson(doc: FeedDocument): string {
  return finishJson(jsonText(doc, false), doc);
}

/**
 * An item's summary (HTML-escaped) and content as CDATA for the package's RSS and Atom; `marked`: as the
 * placeholders fillXml fills in, where they are not empty.
 */
function xmlBodies(item: FeedItem, marked: boolean): Pick<Item, "description" | "content"> {
  return {
    description: cdata(marked && item.summary ? FILL_SUMMARY : escapeHtml(item.summary)),
    content: cdata(marked && item.contentHtml ? FILL_CONTENT : item.contentHtml),
  };
}

/** The package's RSS 2.0; `marked`: each item's summary and content as placeholders (see LAYOUTS). */
function rssText(doc: FeedDocument, marked = false): string {
  const feed = build(doc, doc.links.rss, true, rssItem, marked);
  // arXiv announces nothing on weekends, and says so in its own feeds.
  feed.addExtension({ name: "skipDays", objects: { day: [{ _text: "Saturday" }, { _text: "Sunday" }] } });
  return feed.rss2();
}

/** An item as rssText gives it to the package. */
function rssItem(item: FeedItem, marked: boolean): Item {
  return {
    // Readers disagree on whether an RSS title is text or HTML; escaped, it reads the same either way
    // (feedparser, for one, takes a title with an entity or a tag in it as HTML).
    title: cdata(escapeHtml(item.title)),
    guid: xmlJsText(item.guid),
    link: item.link,
    date: item.published,
    ...xmlBodies(item, marked),
    category: item.categories.map((c) => ({ name: xmlJsText(c), domain: CATEGORY_DOMAIN })),
    // <author> must be an e-mail address in RSS 2.0; Dublin Core's creator, one per author, is what readers show.
    extensions: [{ name: "dc:creator", objects: item.authors.map((name) => ({ _text: xmlJsText(name) })) as unknown as Record<string, unknown> }],
  };
}

/** The package's Atom 1.0, before its root element gets its language; `marked` as for rssText. */
function atomText(doc: FeedDocument, marked = false): string {
  return build(doc, doc.links.atom, true, atomItem, marked).atom1();
}

/** An item as atomText gives it to the package. */
function atomItem(item: FeedItem, marked: boolean): Item {
  return {
    // The package declares entry titles type="html": so the title goes in as HTML-escaped text.
    title: cdata(escapeHtml(item.title)),
    // Atom ids are IRIs: the versionless abstract URL names the paper across all its versions.
    id: item.link,
    link: item.link,
    date: item.updated,
    published: item.published,
    ...xmlBodies(item, marked),
    // A name as a text node, not a string: xml-js asks of every string element whether it has content by
    // enumerating its characters (for…in): a fifth of an Atom render when every name was a string. Same output.
    author: item.authors.map((name) => ({ name: textNode(xmlJsText(name)) })),
    // Category codes hold no character that needs escaping (the package escapes `&` in attributes itself).
    category: item.categories.map((c) => ({ name: c, term: c })),
  };
}

const ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';

/** The package writes no language for Atom: the root element's xml:lang says it. */
function finishAtom(xml: string): string {
  return xml.replace(ATOM_ROOT, '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
}

/**
 * The package's JSON Feed, compacted. `marked`: each item's ranking (score, title score, matches) written
 * as placeholders, for items kept apart from any one ranking (see renderFeed), and its summary and
 * content as placeholders too (see LAYOUTS).
 */
function jsonText(doc: FeedDocument, marked: boolean): string {
  return compactJson(build(doc, doc.links.json, false, jsonItem, marked).json1());
}

/** An item as jsonText gives it to the package. */
function jsonItem(item: FeedItem, marked: boolean): Item {
  return {
    title: item.title,
    id: item.guid,
    link: item.link,
    date: item.updated,
    published: item.published,
    // The package leaves out an empty summary (and content) in JSON Feed: no placeholder for those.
    description: marked && item.summary ? FILL_SUMMARY : item.summary,
    content: marked && item.contentHtml ? FILL_CONTENT : item.contentHtml,
    category: item.categories.map((name) => ({ name })),
    extensions: [
      { name: "authors", objects: item.authors.map((name) => ({ name })) as unknown as Record<string, unknown> },
      { name: "_arxiv", objects: arxivExtension(item, marked) },
    ],
  };
}

/**
 * The package writes JSON Feed 1.0, indented; the feed is JSON Feed 1.1, compact, with its language and
 * authors last: the same text as parsing the package's output, changing it and writing it out again.
 */
function finishJson(json: string, doc: Pick<FeedDocument, "links">): string {
  const { prefix, suffix } = finishJsonFrame(json, "", doc);
  return `${prefix}${suffix}`;
}

/** finishJson of a text cut in two, `prefix` then `suffix` (which may be empty). */
function finishJsonFrame(prefix: string, suffix: string, doc: Pick<FeedDocument, "links">): { prefix: string; suffix: string } {
  if (!prefix.startsWith(JSON_FEED_1) || !(suffix || prefix).endsWith("}")) throw new Error("feed: unexpected JSON Feed output");
  const tail = `,"language":"en","authors":${JSON.stringify([{ name: FEED_AUTHOR, url: doc.links.html }])}}`;
  const start = `${JSON_FEED_1_1}${prefix.slice(JSON_FEED_1.length)}`;
  return suffix ? { prefix: start, suffix: `${suffix.slice(0, -1)}${tail}` } : { prefix: start.slice(0, -1), suffix: tail };
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

/** A JSON Feed item's matches, as its `_arxiv` extension lists them. */
function jsonMatches(matches: readonly KeywordMatch[]) {
  return matches.map((m) => ({ term: m.term, weight: m.weight, in_title: m.inTitle, in_abstract: m.inAbstract }));
}

/** Machine-readable ranking and metadata for JSON Feed clients (an `_`-prefixed extension). */
function arxivExtension(item: FeedItem, marked: boolean): Record<string, unknown> {
  const { paper, score, titleScore, matches } = item.ranked;
  const links = arxivLinks(paper.id);
  return {
    id: paper.id,
    version: paper.version,
    score: marked ? `${MARK}${SLOT_SCORE}` : score,
    title_score: marked ? `${MARK}${SLOT_TITLE_SCORE}` : titleScore,
    matches: marked ? `${MARK}${SLOT_MATCHES}` : jsonMatches(matches),
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

// --- Feeds from their items, each written by the package once.
//
// A feed's items are most of its text and of its render; the same paper is an item of many feeds (the
// configured ones, each category, every custom feed that ranks it) and of each of their versions. So the
// package writes an item once, with placeholders where a ranking shows through (its score line, and in
// JSON Feed its score, title score and matches), and a feed is its frame (written by the package with one
// item, then cut around it) with each item's text and its ranking's values in the placeholders: the same
// bytes the package writes for the whole feed, which renderRss, renderAtom and renderJson still do.

export type ItemFormat = "rss" | "atom" | "json";

/** U+FFFF: never in shown text (lib/text.ts takes it out of everything), so only where we put it. */
const MARK = "\uFFFF";
const SLOT_HEAD = 0;
const SLOT_SCORE = 1;
const SLOT_TITLE_SCORE = 2;
const SLOT_MATCHES = 3;
/**
 * Where an item's summary and content go, in the text the package writes for items to keep: filled in
 * with what the package writes for them, once per item (ItemLayout.fill). Those two are most of an item,
 * and the package's serializer copies an element's text once for every element it is in.
 */
const FILL_SUMMARY = `${MARK}4`;
const FILL_CONTENT = `${MARK}5`;
/** A placeholder as written: bare inside a text, a quoted string where a JSON value goes. */
const PLACEHOLDER = /"\uFFFF([123])"|\uFFFF0/g;

interface ItemLayout {
  /** The package's text for a document, before its finishing touches (JSON Feed: compacted). */
  text: (doc: FeedDocument, marked: boolean) => string;
  /** Where the items are in that text: each item's text, and the frame around them. */
  cut: (text: string, count: number) => { prefix: string; items: string[]; suffix: string } | undefined;
  /** An item's text with its summary and content where the package wrote their placeholders; undefined when they are not there once each. */
  fill: (text: string, item: FeedItem) => string | undefined;
  /** Between two items. */
  separator: string;
  /** The placeholders an item has, in order. */
  slots: readonly number[];
  finish: (prefix: string, suffix: string, doc: FeedDocument) => { prefix: string; suffix: string };
}

/** An XML format's items: each begins with its open tag on a line of its own, at a fixed depth. */
function cutXml(open: string, close: string) {
  return (text: string, count: number) => {
    const starts: number[] = [];
    for (let at = text.indexOf(open); at >= 0; at = text.indexOf(open, at + open.length)) starts.push(at);
    const end = text.lastIndexOf(close) + close.length;
    if (starts.length !== count || end < close.length || end < starts.at(-1)!) return undefined;
    starts.push(end);
    return { prefix: text.slice(0, starts[0]), items: starts.slice(0, -1).map((at, i) => text.slice(at, starts[i + 1])), suffix: text.slice(end) };
  };
}

// In JSON text a quote outside a string is never escaped and one inside always is: `},{"id":` is only ever
// where one item ends and the next begins (each item's first member is its id), `"items":[` only the list.
const JSON_ITEMS = '"items":[';
const JSON_NEXT_ITEM = '},{"id":';

function cutJson(text: string, count: number) {
  const from = text.indexOf(JSON_ITEMS) + JSON_ITEMS.length;
  const to = text.length - 2;
  if (from < JSON_ITEMS.length || !text.endsWith("]}")) return undefined;
  const starts = [from];
  for (let at = text.indexOf(JSON_NEXT_ITEM, from); at >= 0 && at < to; at = text.indexOf(JSON_NEXT_ITEM, at + 1)) starts.push(at + 2);
  if (starts.length !== count) return undefined;
  starts.push(to + 1);
  return { prefix: text.slice(0, from), items: starts.slice(0, -1).map((at, i) => text.slice(at, starts[i + 1]! - 1)), suffix: text.slice(to) };
}

/**
 * `text` with its one `placeholder` replaced by `write(value)`; undefined unless it is there exactly once,
 * or, for an empty value (which gets no placeholder), not at all.
 */
function fillOnce(text: string | undefined, placeholder: string, value: string, write: (value: string) => string): string | undefined {
  if (text === undefined) return undefined;
  const at = text.indexOf(placeholder);
  if (!value) return at < 0 ? text : undefined;
  if (at < 0 || text.includes(placeholder, at + placeholder.length)) return undefined;
  return text.slice(0, at) + write(value) + text.slice(at + placeholder.length);
}

/** The CDATA the package writes for xmlJsCdata's sections: each in a section of its own, none with `]]>` to split. */
function cdataText(text: string): string {
  return xmlJsCdata(text).map((section) => `<![CDATA[${section}]]>`).join("");
}

function fillXml(text: string, item: FeedItem): string | undefined {
  const summary = fillOnce(text, `<![CDATA[${FILL_SUMMARY}]]>`, item.summary, (summary) => cdataText(escapeHtml(summary)));
  return fillOnce(summary, `<![CDATA[${FILL_CONTENT}]]>`, item.contentHtml, cdataText);
}

const LAYOUTS: Record<ItemFormat, ItemLayout> = {
  rss: {
    text: (doc, marked) => rssText(doc, marked),
    cut: cutXml("\n        <item>", "</item>"),
    fill: fillXml,
    separator: "",
    slots: [SLOT_HEAD],
    finish: (prefix, suffix) => ({ prefix, suffix }),
  },
  atom: {
    text: (doc, marked) => atomText(doc, marked),
    cut: cutXml("\n    <entry>", "</entry>"),
    fill: fillXml,
    separator: "",
    slots: [SLOT_HEAD],
    finish: (prefix, suffix) => ({ prefix: finishAtom(prefix), suffix }),
  },
  json: {
    text: (doc, marked) => jsonText(doc, marked),
    cut: cutJson,
    // JSON.stringify writes a string the same wherever it stands, and compacting leaves strings alone.
    fill: (text, item) => fillOnce(fillOnce(text, `"${FILL_SUMMARY}"`, item.summary, JSON.stringify), `"${FILL_CONTENT}"`, item.contentHtml, JSON.stringify),
    separator: ",",
    slots: [SLOT_HEAD, SLOT_SCORE, SLOT_TITLE_SCORE, SLOT_MATCHES],
    // What finishJson does to the whole text, done to its frame: the items between change nothing of it.
    finish: (prefix, suffix, doc) => finishJsonFrame(prefix, suffix, doc),
  },
};

/** An item as the package wrote it, cut at its placeholders and encoded: pieces[0], a slot's value, pieces[1], … */
interface WrittenItem {
  paper: Paper;
  summary: SummaryRecord | undefined;
  pieces: Uint8Array[];
}

// Bytes, at most: some two thousand items in each format (4 KB each, and the paper's text).
const writtenItems = new LruCache<WrittenItem>(20_000, 32 * 1024 * 1024);

// Each paper's keys, made once: a custom feed looks up every one of its items at every render.
const itemKeys = new WeakMap<Paper, Partial<Record<ItemFormat, string>>>();
function itemKey(format: ItemFormat, paper: Paper): string {
  let keys = itemKeys.get(paper);
  if (!keys) itemKeys.set(paper, (keys = {}));
  return (keys[format] ??= `${format}\n${paper.id}\n${paper.version}\n${paper.announceType}\n${paper.announced}`);
}

/**
 * The item written for this paper and summary, if it is kept: for the very paper object (papers are
 * immutable), or one equal to it in every field, as a paper read back from the store or made again for a
 * union is.
 */
function writtenItem(format: ItemFormat, entry: FeedEntry): WrittenItem | undefined {
  const written = writtenItems.get(itemKey(format, entry.paper));
  if (!written || (written.paper !== entry.paper && !samePaper(written.paper, entry.paper))) return undefined;
  const a = written.summary;
  const b = entry.summary;
  if (a !== b && (!a || !b || a.markdown !== b.markdown || a.model !== b.model || a.createdAt !== b.createdAt)) return undefined;
  return written;
}

/** Whether two papers are equal in every field (their lists item by item): what an item is written from. */
function samePaper(a: Paper, b: Paper): boolean {
  const keys = Object.keys(a) as (keyof Paper)[];
  const others = Object.keys(b);
  if (keys.length !== others.length || others.some((key) => !Object.hasOwn(a, key))) return false;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** An item's text cut at its placeholders, or undefined when they are not the layout's, in its order. */
function cutAtPlaceholders(text: string, slots: readonly number[]): string[] | undefined {
  const texts: string[] = [];
  let from = 0;
  let n = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (Number(m[1] ?? SLOT_HEAD) !== slots[n++]) return undefined;
    texts.push(text.slice(from, m.index));
    from = m.index + m[0].length;
  }
  if (n !== slots.length) return undefined;
  texts.push(text.slice(from));
  return texts;
}

/** What an entry's ranking puts in its item's placeholders, or undefined when it cannot go in as text. */
function slotValues(format: ItemFormat, entry: FeedEntry): string[] | undefined {
  const head = itemHead(entry);
  if (format !== "json") return head.includes("]]>") ? undefined : [head];
  const matches = cleanMatches(entry.matches);
  return [JSON.stringify(head).slice(1, -1), JSON.stringify(entry.score), JSON.stringify(entry.titleScore), JSON.stringify(jsonMatches(matches))];
}

/**
 * A feed in RSS 2.0, Atom 1.0 or JSON Feed 1.1, as UTF-8: the same bytes as encoding its whole document's
 * text, from items the package wrote before where it has (see above), kept encoded. Any item whose text
 * the cut cannot vouch for makes it render the whole document instead.
 */
export function renderFeedBytes(format: ItemFormat, feed: RankedFeed, links: FeedLinks, base?: RankProfile): Uint8Array<ArrayBuffer> {
  const entries = feed.days.flatMap((d) => d.papers);
  const whole = () => {
    const render = { rss: renderRss, atom: renderAtom, json: renderJson }[format];
    return encoder.encode(render({ ...documentFrame(feed, links, base), items: entries.map((e) => toItem(e)) }));
  };
  if (entries.length === 0) return whole();
  const layout = LAYOUTS[format];
  // Loops, not callbacks, on the way of every custom feed: a callback made per call loses its optimized
  // code to any full collection between two calls.
  const written: (WrittenItem | undefined)[] = [];
  const missing: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const item = writtenItem(format, entries[i]!);
    written.push(item);
    if (!item) missing.push(i);
  }
  // The frame comes with the items to write, or around a small item of its own when none are missing.
  const head = `${MARK}${SLOT_HEAD}`;
  const items = missing.length > 0 ? missing.map((i) => toItem(entries[i]!, head)) : [frameItem()];
  const doc: FeedDocument = { ...documentFrame(feed, links, base), items };
  const cut = layout.cut(layout.text(doc, true), items.length);
  if (!cut) return whole();
  for (const [k, i] of missing.entries()) {
    const filled = layout.fill(cut.items[k]!, items[k]!);
    const texts = filled && cutAtPlaceholders(filled, layout.slots);
    if (!texts) return whole();
    const { paper, summary } = entries[i]!;
    const pieces = texts.map((t) => encoder.encode(t));
    written[i] = { paper, summary, pieces };
    // The pieces, and the paper and summary the item keeps alive, as if it alone held them.
    const held = 2 * (paper.title.length + paper.abstract.length + (summary?.markdown.length ?? 0));
    writtenItems.set(itemKey(format, paper), written[i], pieces.reduce((n, b) => n + b.byteLength, 256 + held));
  }
  const { prefix, suffix } = layout.finish(cut.prefix, cut.suffix, doc);
  // The ranking's values, then all of it encoded into one buffer of the exact size.
  const values: string[][] = [];
  let size = Buffer.byteLength(prefix) + Buffer.byteLength(suffix) + layout.separator.length * (entries.length - 1);
  for (const [i, entry] of entries.entries()) {
    const v = slotValues(format, entry);
    if (!v) return whole();
    values.push(v);
    for (const text of v) size += Buffer.byteLength(text);
    for (const piece of written[i]!.pieces) size += piece.byteLength;
  }
  const out = new Uint8Array(size);
  let at = encoder.encodeInto(prefix, out).written;
  for (const [i, { pieces }] of (written as WrittenItem[]).entries()) {
    if (i > 0) at = putText(out, at, layout.separator);
    out.set(pieces[0]!, at);
    at += pieces[0]!.byteLength;
    const v = values[i]!;
    for (let k = 0; k < v.length; k++) {
      at = putText(out, at, v[k]!);
      out.set(pieces[k + 1]!, at);
      at += pieces[k + 1]!.byteLength;
    }
  }
  at = putText(out, at, suffix);
  if (at !== size) throw new Error(`feed: ${at} bytes written of ${size}`);
  return out;
}

/** `text` encoded into `out` at `at`; where it ends. */
function putText(out: Uint8Array, at: number, text: string): number {
  return text ? at + encoder.encodeInto(text, out.subarray(at)).written : at;
}

let frameItemMade: FeedItem | undefined;

/** What a feed's frame is written around when all its items were written before: as small as an item gets, and cut away. */
function frameItem(): FeedItem {
  const paper: Paper = { id: "0000.00000", version: 1, title: "-", abstract: "-", authors: [], categories: [], announceType: "new", announced: "2000-01-03" };
  frameItemMade ??= toItem({ paper, score: 0, titleScore: 0, matches: [] }, "-");
  return frameItemMade;
}

/** renderFeedBytes as text. */
export function renderFeed(format: ItemFormat, feed: RankedFeed, links: FeedLinks, base?: RankProfile): string {
  return decoder.decode(renderFeedBytes(format, feed, links, base));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
