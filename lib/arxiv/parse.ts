// Pure: arXiv RSS 2.0 text → Paper records. Wire types stay in this file.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { cleanLine, cleanText } from "../text";
import { ANNOUNCE_TYPES, type AnnounceType, type Paper } from "../types";
import { isArxivId, isCategoryCode, VERSIONED_ID } from "./ids";

export type ParseOutcome =
  | {
      kind: "feed";
      /** The channel's announcement day (`YYYY-MM-DD`), if it names one. */
      date?: string;
      papers: Paper[];
      /** Items that were present but could not be read (logged, never fatal on their own). */
      skipped: number;
      /** The categories the channel says it is for (its link, else its title), when it names any. */
      channelCategories?: string[];
    }
  /** arXiv's answer to an unknown category: a channel titled "Feed error for query: …". */
  | { kind: "unknown-category"; message: string }
  | { kind: "malformed"; message: string };

// preserveOrder: the parser's own ordered tree is walked as it is, not rebuilt into objects that are
// then checked and thrown away. jPath: false: no path string is built for every tag and text.
const PARSER_OPTIONS = {
  ignoreAttributes: true,
  // Tag values stay strings: otherwise `2501.00010` becomes a number and a title `0` becomes 0.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // Also decodes numeric references (&#233;), which fast-xml-parser leaves alone otherwise.
  htmlEntities: true,
  preserveOrder: true,
  jPath: false,
} as const;
/** Reads every text of the document: for what the quick scan cannot vouch for, and for entities. */
const parser = new XMLParser(PARSER_OPTIONS);
// Items (nine tenths of a feed's bytes) are taken as written, one cut per item, instead of being read
// tag by tag and character by character; readLeanItems then cuts each item's fields with indexOf, trims
// them and has the few with an entity decoded by `parser`, together. Only for documents the quick scan
// vouches for (matched tags, no DOCTYPE, CDATA, comment or processing instruction), where that gives the
// very text `parser` gives.
const leanParser = new XMLParser({ ...PARSER_OPTIONS, stopNodes: ["rss.channel.item"] });

/** A node of fast-xml-parser's ordered tree: `{ tag: children }`, or `{ "#text": text }`. */
type XmlNode = Record<string, XmlNode[] | string>;
const TEXT = "#text";
/** What a field that holds elements, or is there more than once, reads as: never text. */
const NOT_TEXT = Symbol("not text");
type Field = string | typeof NOT_TEXT | undefined;

/** arXiv's own maximum per feed; a feed with more is not one of arXiv's. */
export const MAX_FEED_ITEMS = 2000;
// Far above any real paper (arXiv caps abstracts at 1,920 characters), so one item cannot bloat the cache.
const MAX_TITLE_CHARS = 1000;
const MAX_ABSTRACT_CHARS = 10_000;
const MAX_AUTHORS = 1000;

const DESCRIPTION_PREFIX = /^\s*arXiv:\S+\s+Announce Type:\s*[\w-]+\s*(?:Abstract:\s*)?/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function parseArxivRss(xml: string): ParseOutcome {
  // A document the quick scan cannot vouch for (cut short, damaged, or XML of a kind arXiv never
  // writes) gets the full validator's verdict, so what is rejected, and the message, stay as they were.
  const plain = isPlainWellFormed(xml);
  if (!plain) {
    const validation = XMLValidator.validate(xml);
    if (validation !== true) {
      const { msg, line } = validation.err;
      return { kind: "malformed", message: `invalid XML at line ${line}: ${msg}` };
    }
  }
  let document: ReadDocument;
  try {
    document = readDocument(xml, plain);
  } catch (err) {
    return { kind: "malformed", message: `unreadable XML: ${(err as Error).message}` };
  }
  return fromDocument(document);
}

/** How the body of a response is read as text: UTF-8, a byte order mark taken off. */
const UTF8 = new TextDecoder("utf-8");

/**
 * parseArxivRss of `bytes` read as UTF-8 text (UTF8.decode), with most of the decoding left out. arXiv
 * writes every tag, and all but the odd paper's text, in ASCII: so the bytes are first read one character
 * a byte (a copy, where UTF-8 decoding is three times as slow and makes the whole document two bytes a
 * character once one character needs it), and only the items holding other bytes are decoded, each on
 * its own. That is the very text of decoding the whole document whenever every non-ASCII byte is inside
 * an item's content: UTF-8 never puts an ASCII byte inside a character, so decoding stops and starts
 * cleanly at a tag. Anything else (a non-ASCII byte outside the items, a byte order mark, a document the
 * quick scan or the lean reading does not take) is decoded whole and parsed as text.
 */
export function parseArxivRssBytes(bytes: Uint8Array): ParseOutcome {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const document = isPlainWellFormed(latin1) ? readLatin1Document(latin1) : undefined;
  return document ? fromDocument(document) : parseArxivRss(UTF8.decode(bytes));
}

/**
 * The lean reading of a document read a byte a character, each item holding non-ASCII bytes decoded as
 * UTF-8; undefined unless every non-ASCII byte of the document is in an item's content.
 */
function readLatin1Document(latin1: string): ReadDocument | undefined {
  // In UTF-8, a character of U+0080–U+00FF takes two bytes: the count of bytes that are not ASCII.
  const nonAscii = Buffer.byteLength(latin1, "utf8") - latin1.length;
  let tree: XmlNode[];
  try {
    tree = leanParser.parse(latin1) as XmlNode[];
  } catch {
    return undefined;
  }
  let inItems = 0;
  const leanPapers = readLeanItems(tree, latin1, (content) => {
    const n = Buffer.byteLength(content, "utf8") - content.length;
    if (n === 0) return content;
    inItems += n;
    return Buffer.from(content, "latin1").toString("utf8");
  });
  return leanPapers && inItems === nonAscii ? { tree, leanPapers } : undefined;
}

/** The outcome of a document read. */
function fromDocument({ tree, leanPapers }: ReadDocument): ParseOutcome {
  const channel = readChannel(tree);
  if (!channel) return { kind: "malformed", message: "not an RSS 2.0 channel" };
  if (channel.title?.startsWith("Feed error for query")) {
    return { kind: "unknown-category", message: channel.description || channel.title };
  }
  if (channel.items.length > MAX_FEED_ITEMS) {
    return { kind: "malformed", message: `${channel.items.length} items, more than arXiv ever sends (${MAX_FEED_ITEMS})` };
  }
  const papers: Paper[] = [];
  let skipped = 0;
  for (const children of channel.items) {
    let paper: Paper | undefined;
    if (leanPapers) paper = leanPapers.get(children);
    else {
      const item = readItem(children);
      paper = item && toPaper(item);
    }
    if (paper) papers.push(paper);
    else skipped++;
  }
  const channelCategories = namedCategories(channel.link, channel.title);
  return { kind: "feed", date: parseRfc822Date(channel.pubDate), papers, skipped, ...(channelCategories ? { channelCategories } : {}) };
}

// The quick scan's grammar: XML as arXiv writes it, a subset of what XMLValidator accepts (ASCII names,
// quoted attribute values without < or >, whitespace as the validator counts it: space, tab, CR, LF).
const DECLARATION = /<\?xml(?:[ \t\n\r]+[A-Za-z_][\w.:-]*[ \t\n\r]*=[ \t\n\r]*(?:"[^"<>?]*"|'[^'<>?]*'))*[ \t\n\r]*\?>/y;
const OPEN_TAG = /([A-Za-z_][\w.:-]*)((?:[ \t\n\r]+[A-Za-z_][\w.:-]*[ \t\n\r]*=[ \t\n\r]*(?:"[^"<>]*"|'[^'<>]*'))*)[ \t\n\r]*(\/?)>/y;
const ATTRIBUTE_NAME = /[ \t\n\r]([A-Za-z_][\w.:-]*)[ \t\n\r]*=/g;
// A reference as the validator accepts it: &name; of 1–20 word characters, &#…; or &#x…;.
const REFERENCE = /&(?:#(?:x[\da-fA-F]*|\d*)|\w{1,20});/y;

/**
 * True when `xml` is, beyond doubt, a document XMLValidator accepts: an optional declaration at the very
 * start, one root element whose tags all match (plain names, quoted and unrepeated attributes), complete
 * entity references, nothing but whitespace after the root. One pass of indexOf and two small regexes,
 * against the validator's character-by-character walk. False means "cannot tell", never "invalid": a
 * truncated or damaged feed, and anything arXiv does not write (comments, CDATA, a DOCTYPE, a BOM,
 * `</tag >`), are left to the validator.
 */
export function isPlainWellFormed(xml: string): boolean {
  for (let at = xml.indexOf("&"); at >= 0; at = xml.indexOf("&", at + 1)) {
    REFERENCE.lastIndex = at;
    if (!REFERENCE.test(xml)) return false;
  }
  DECLARATION.lastIndex = 0;
  let i = DECLARATION.test(xml) ? DECLARATION.lastIndex : 0;
  while (isXmlSpace(xml.charCodeAt(i))) i++;
  if (xml.charCodeAt(i) !== 60 /* < */) return false;
  // The open elements' names, as where each starts in `xml` and how long it is: no string made per tag.
  const openAt: number[] = [];
  const openLength: number[] = [];
  for (;;) {
    if (xml.charCodeAt(i + 1) === 47 /* / */) {
      const at = openAt.pop();
      const length = openLength.pop();
      if (at === undefined || length === undefined || !sameName(xml, at, i + 2, length) || xml.charCodeAt(i + 2 + length) !== 62 /* > */) return false;
      i += 3 + length;
      if (openAt.length === 0) {
        while (isXmlSpace(xml.charCodeAt(i))) i++;
        return i === xml.length;
      }
    } else {
      // Most tags are a bare name and `>`, read here; any other goes through OPEN_TAG.
      let end = i + 1;
      if (isNameStart(xml.charCodeAt(end))) while (isNameChar(xml.charCodeAt(++end)));
      if (end > i + 1 && xml.charCodeAt(end) === 62 /* > */) {
        openAt.push(i + 1);
        openLength.push(end - i - 1);
        i = end + 1;
      } else {
        OPEN_TAG.lastIndex = i + 1;
        const tag = OPEN_TAG.exec(xml);
        if (!tag) return false;
        if (tag[2] && tag[2].indexOf("=") !== tag[2].lastIndexOf("=") && hasRepeatedAttribute(tag[2])) return false;
        if (!tag[3]) {
          openAt.push(i + 1);
          openLength.push(tag[1]!.length);
        } else if (openAt.length === 0) return false;
        i = OPEN_TAG.lastIndex;
      }
    }
    i = xml.indexOf("<", i);
    if (i < 0) return false;
  }
}

/** Whether the name at `from` is the `length` characters at `at`. */
function sameName(xml: string, at: number, from: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (xml.charCodeAt(at + k) !== xml.charCodeAt(from + k)) return false;
  return true;
}

/** OPEN_TAG's first character of a name, `[A-Za-z_]`. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** OPEN_TAG's other characters of a name, `[\w.:-]`. */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 58) /* 0-9 : */ || c === 46 || c === 45;
}

function isXmlSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function hasRepeatedAttribute(attributes: string): boolean {
  const names = [...attributes.matchAll(ATTRIBUTE_NAME)].map((m) => m[1]);
  return new Set(names).size !== names.length;
}

interface ReadDocument {
  tree: XmlNode[];
  /** When read the lean way: each item's paper (by the item's children in `tree`), read from its fields as written. */
  leanPapers?: Map<XmlNode[], Paper | undefined>;
}

/**
 * The document's ordered tree: read the lean way when the quick scan vouched for it and its item fields
 * are plain text, else by `parser`, which reads markup in a field as it reads any element in an element.
 * When leanParser throws, `parser` reads it too, so that the error is the one `parser` meets first.
 */
function readDocument(xml: string, plain: boolean): ReadDocument {
  if (plain) {
    let tree: XmlNode[] | undefined;
    try {
      tree = leanParser.parse(xml) as XmlNode[];
    } catch {
      // `parser` says why, below.
    }
    const leanPapers = tree && readLeanItems(tree, xml, oneByte);
    if (tree && leanPapers) return { tree, leanPapers };
  }
  return { tree: parser.parse(xml) as XmlNode[] };
}

/** The tag of a node (its one key). */
function tagOf(node: XmlNode): string {
  for (const key in node) return key;
  return TEXT;
}

/** The children of the one element `name` among `nodes` that holds elements, else undefined. */
function onlyElement(nodes: XmlNode[], name: string): XmlNode[] | undefined {
  let found: XmlNode[] | undefined;
  for (const node of nodes) {
    if (tagOf(node) !== name) continue;
    if (found) return undefined;
    found = node[name] as XmlNode[];
  }
  return found && holdsElements(found) ? found : undefined;
}

function holdsElements(children: XmlNode[]): boolean {
  for (const child of children) if (tagOf(child) !== TEXT) return true;
  return false;
}

/** An element's text, as fast-xml-parser joins it ("" when empty); NOT_TEXT when it holds elements. */
function textOf(children: XmlNode[]): string | typeof NOT_TEXT {
  let text = "";
  for (const child of children) {
    const value = child[TEXT];
    if (value === undefined) return NOT_TEXT;
    text += value as string;
  }
  return text;
}

/** A field there at most once, as text. */
const isText = (field: Field): field is string | undefined => field !== NOT_TEXT;

/** A field seen again: present once it is its text, twice or more it is not text. */
const seen = (field: Field, children: XmlNode[]): Field => (field === undefined ? textOf(children) : NOT_TEXT);

interface WireChannel {
  title?: string;
  link?: string;
  description?: string;
  pubDate?: string;
  items: XmlNode[][];
}

/** The one channel of the one rss element, or undefined when the document is not an RSS channel. */
function readChannel(tree: XmlNode[]): WireChannel | undefined {
  const rss = onlyElement(tree, "rss");
  const nodes = rss && onlyElement(rss, "channel");
  if (!nodes) return undefined;
  let title: Field, link: Field, description: Field, pubDate: Field;
  const items: XmlNode[][] = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === "item") items.push(node[tag] as XmlNode[]);
    else if (tag === "title") title = seen(title, node[tag] as XmlNode[]);
    else if (tag === "link") link = seen(link, node[tag] as XmlNode[]);
    else if (tag === "description") description = seen(description, node[tag] as XmlNode[]);
    else if (tag === "pubDate") pubDate = seen(pubDate, node[tag] as XmlNode[]);
  }
  // A field there more than once, or holding elements, is not an RSS channel.
  if (!isText(title) || !isText(link) || !isText(description) || !isText(pubDate)) return undefined;
  return { title, link, description, pubDate, items };
}

/**
 * A copy of a cut of the document (an item) in one byte a character unless a character needs two: V8
 * stores a whole document in two bytes a character once any character needs it, and papers are kept in
 * memory and read by regexes that run faster on one-byte text.
 */
function oneByte(s: string): string {
  const latin1 = Buffer.from(s, "latin1").toString("latin1");
  return latin1 === s ? latin1 : s;
}

/**
 * A copy of a text a paper keeps, so that it keeps nothing else alive: V8 cuts (slices, trims, a
 * replace's result) are views of the text they were cut from, the item or the whole document.
 */
function own(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1); // V8 copies cuts shorter than 13 characters anyway
}

/** The children of every element `name` among `nodes`. */
function* elements(nodes: XmlNode[], name: string): Generator<XmlNode[]> {
  for (const node of nodes) if (tagOf(node) === name) yield node[name] as XmlNode[];
}


/** An item's fields as they are read: each there once as text, or NOT_TEXT when seen twice or holding elements. */
class ItemFields {
  title: Field;
  link: Field;
  description: Field;
  guid: Field;
  pubDate: Field;
  announceType: Field;
  rights: Field;
  creator: Field;
  doi: Field;
  journalRef: Field;
  category: string[] = [];
  /**
   * One ItemFields for the life of the class, so that its hidden class (map) lives on between parses.
   * cutFields', wireItem's and paperOf's optimized code assumes that map, and a map lives only while an
   * object has it. Without one kept, the full collections between two parses drop it (the first of them
   * when V8 collects to reduce memory, as on an idle server; else after a few), V8 discards that code,
   * and the next parse runs unoptimized until it is optimized again: about 10 ms of the 2,000-item
   * pipeline after a forced full collection.
   */
  static readonly kept = new ItemFields();
}
type ItemFieldKey = Exclude<keyof ItemFields, "category">;
/** The item fields kept, by tag; other tags are read past. */
const ITEM_FIELDS: ReadonlyMap<string, ItemFieldKey | "category"> = new Map([
  ["title", "title"], ["link", "link"], ["description", "description"], ["guid", "guid"], ["category", "category"],
  ["pubDate", "pubDate"], ["arxiv:announce_type", "announceType"], ["dc:rights", "rights"], ["dc:creator", "creator"],
  ["arxiv:DOI", "doi"], ["arxiv:journal_reference", "journalRef"],
]);

// Names `parser` refuses (it throws): only `parser` says so, in its words.
const REFUSED_NAMES = ["__proto__", "constructor", "prototype"];
const REFUSED = Symbol("refused");
/** The item fields' tags and the refused names, by length: what cutFields looks a tag up in, without cutting it out. */
const NAMES_BY_LENGTH: [string, ItemFieldKey | "category" | typeof REFUSED][][] = [];
for (const [name, key] of [...ITEM_FIELDS, ...REFUSED_NAMES.map((name) => [name, REFUSED] as const)]) {
  (NAMES_BY_LENGTH[name.length] ??= []).push([name, key]);
}

/** What the tag name of `length` characters at `at` of `content` is: a field, a refused name, or neither. */
function fieldNamed(content: string, at: number, length: number): ItemFieldKey | "category" | typeof REFUSED | undefined {
  const named = NAMES_BY_LENGTH[length];
  if (named) for (const [name, key] of named) if (content.startsWith(name, at)) return key;
  return undefined;
}

/** Texts holding a reference, to be decoded together, and where each decoded text goes. */
interface Encoded {
  texts: string[];
  targets: ItemFields[];
  /** The field, or for a category its index. */
  keys: (ItemFieldKey | number)[];
}

/**
 * leanParser's items, each one text as written (made the text a paper keeps by `itemText`: a copy in
 * one byte a character, or the UTF-8 decoding of its bytes), read from their fields: each field's text cut
 * out, trimmed, its entities decoded, all decoded by `parser` in one small document (after the same
 * declaration: the XML version decides what a numeric reference to a control character becomes). Text
 * beside an item's fields is read past, as readItem does. Each item's paper, or undefined, by the item;
 * undefined, with nothing decoded, when a field holds markup (elements) or has a name `parser` refuses:
 * only `parser` reads those right.
 */
function readLeanItems(
  tree: XmlNode[],
  xml: string,
  itemText: (content: string) => string,
): Map<XmlNode[], Paper | undefined> | undefined {
  const encoded: Encoded = { texts: [], targets: [], keys: [] };
  const papers = new Map<XmlNode[], Paper | undefined>();
  // Items with a reference to decode wait for the fragment; the others are made papers at once, so that
  // their cuts die young rather than live through the whole parse.
  const waiting = new Map<XmlNode[], ItemFields>();
  for (const rss of elements(tree, "rss")) {
    for (const channel of elements(rss, "channel")) {
      for (const children of elements(channel, "item")) {
        // A stop node holds one text: its content as written (line ends already made \n).
        const content = children[0]?.[TEXT];
        const before = encoded.texts.length;
        const fields = typeof content === "string" ? cutFields(itemText(content), encoded) : undefined;
        if (!fields) return undefined;
        if (encoded.texts.length > before) waiting.set(children, fields);
        else papers.set(children, paperOf(fields));
      }
    }
  }
  if (encoded.texts.length > 0) {
    DECLARATION.lastIndex = 0;
    const declaration = DECLARATION.test(xml) ? xml.slice(0, DECLARATION.lastIndex) : "";
    const fragment = `${declaration}<d>${encoded.texts.map((text) => `<e>${text}</e>`).join("")}</d>`;
    const decoded = [...elements(onlyElement(parser.parse(fragment) as XmlNode[], "d")!, "e")];
    encoded.targets.forEach((fields, i) => {
      const text = textOf(decoded[i]!) as string;
      const key = encoded.keys[i]!;
      if (typeof key === "number") fields.category[key] = text;
      // A field seen twice stays NOT_TEXT.
      else if (typeof fields[key] === "string") fields[key] = text;
    });
  }
  for (const [children, fields] of waiting) papers.set(children, paperOf(fields));
  return papers;
}

function paperOf(fields: ItemFields): Paper | undefined {
  const item = wireItem(fields);
  return item && toPaper(item);
}

/**
 * An item's content, as the quick scan vouched for it (every tag matched, attributes quoted), cut into
 * its fields: `<name …>text</name>` or `<name …/>`. Undefined when a field holds an element or has a
 * refused name.
 */
function cutFields(content: string, encoded: Encoded): ItemFields | undefined {
  const fields = new ItemFields();
  for (let lt = content.indexOf("<"); lt >= 0; lt = content.indexOf("<", lt)) {
    // The scan vouched for every tag: a name, quoted attributes without `>`, then `>` or `/>`.
    const gt = content.indexOf(">", lt);
    let nameEnd = lt + 1;
    for (let c = content.charCodeAt(nameEnd); c !== 62 && c !== 47 && c !== 32 && c !== 10 && c !== 9 && c !== 13; ) {
      c = content.charCodeAt(++nameEnd);
    }
    const nameLength = nameEnd - lt - 1;
    const key = fieldNamed(content, lt + 1, nameLength);
    if (key === REFUSED) return undefined;
    const start = gt + 1;
    let text = "";
    if (content.charCodeAt(gt - 1) === 47 /* / */) lt = start;
    else {
      // A field of text ends at the very next `<`, its own closing tag; anything else is markup.
      const end = content.indexOf("<", start);
      if (content.charCodeAt(end + 1) !== 47 /* / */ || !sameName(content, lt + 1, end + 2, nameLength) || content.charCodeAt(end + 2 + nameLength) !== 62 /* > */) {
        return undefined;
      }
      lt = end + 3 + nameLength;
      if (key !== undefined) text = content.slice(start, end).trim();
    }
    if (key === undefined) continue;
    let slot: ItemFieldKey | number;
    if (key === "category") slot = fields.category.push(text) - 1;
    else {
      fields[key] = fields[key] === undefined ? text : NOT_TEXT;
      slot = key;
    }
    if (text.includes("&")) {
      encoded.texts.push(text);
      encoded.targets.push(fields);
      encoded.keys.push(slot);
    }
  }
  return fields;
}

/** The item, unless title or description is not there once as text, or another field is not text. */
function wireItem(f: ItemFields): WireItem | undefined {
  if (typeof f.title !== "string" || typeof f.description !== "string") return undefined;
  const { link, guid, pubDate, announceType, rights, creator, doi, journalRef } = f;
  for (const field of [link, guid, pubDate, announceType, rights, creator, doi, journalRef]) if (field === NOT_TEXT) return undefined;
  return { title: f.title, link, description: f.description, guid, category: f.category, pubDate, announceType, rights, creator, doi, journalRef } as WireItem;
}

interface WireItem {
  title: string;
  link?: string;
  description: string;
  guid?: string;
  category: string[];
  pubDate?: string;
  announceType?: string;
  rights?: string;
  creator?: string;
  doi?: string;
  journalRef?: string;
}

/** An item's fields, or undefined unless title and description are there once as text, every other
 * field at most once as text, and every category text. */
function readItem(children: XmlNode[]): WireItem | undefined {
  const fields = new ItemFields();
  for (const node of children) {
    const tag = tagOf(node);
    const key = tag === TEXT ? undefined : ITEM_FIELDS.get(tag);
    if (key === undefined) continue;
    const value = node[tag] as XmlNode[];
    if (key === "category") {
      const text = textOf(value);
      if (text === NOT_TEXT) return undefined;
      fields.category.push(text);
    } else fields[key] = seen(fields[key], value);
  }
  return wireItem(fields);
}

/** `http://rss.arxiv.org/rss/cs.AI+cs.CL` or `cs.AI, cs.CL updates on arXiv.org` → [cs.AI, cs.CL]. */
function namedCategories(link: string | undefined, title: string | undefined): string[] | undefined {
  const fromLink = link && /\/rss\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(link.trim())?.[1]?.split("+");
  const fromTitle = title && /^(.+?)\s+updates on arXiv/i.exec(title.trim())?.[1]?.split(/\s*,\s*/);
  const named = (fromLink || fromTitle || []).filter(isCategoryCode);
  return named.length ? named : undefined;
}

function toPaper(item: WireItem): Paper | undefined {
  const idSource = item.guid ?? item.description;
  const versioned = VERSIONED_ID.exec(idSource) ?? VERSIONED_ID.exec(item.description);
  const id = versioned?.[1];
  if (!id || !isArxivId(id)) return undefined;
  const version = Number(versioned[2]);

  const title = capChars(cleanLine(item.title), MAX_TITLE_CHARS);
  const abstract = capChars(cleanText(item.description.replace(DESCRIPTION_PREFIX, "")).trim(), MAX_ABSTRACT_CHARS);
  const announced = parseRfc822Date(item.pubDate);
  if (!title || !announced) return undefined;

  const announceType = (item.announceType ?? /Announce Type:\s*([\w-]+)/.exec(item.description)?.[1])?.trim();
  if (!ANNOUNCE_TYPES.includes(announceType as AnnounceType)) return undefined;

  // The primary category comes first and must look like a category code; others that do not are dropped.
  const categories = [...new Set(item.category.map(cleanLine))];
  if (!categories[0] || !isCategoryCode(categories[0])) return undefined;

  return {
    id,
    version,
    title: own(title),
    abstract: own(abstract),
    authors: splitAuthors(item.creator ?? "").slice(0, MAX_AUTHORS).map(own),
    categories: categories.filter(isCategoryCode).map(own),
    announceType: announceType as AnnounceType,
    announced,
    ...optional("license", item.rights),
    ...optional("doi", item.doi),
    ...optional("journalRef", item.journalRef),
  };
}

function capChars(s: string, max: number): string {
  if (s.length <= max) return s;
  // Never cut between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(s[max - 2]!) ? max - 2 : max - 1;
  return `${s.slice(0, end).trimEnd()}…`;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  const cleaned = value === undefined ? "" : cleanLine(value);
  return (cleaned ? { [key]: own(cleaned) } : {}) as { [P in K]?: string };
}

/** The last date parseRfc822Date read, and its day: a feed's items all carry the same few dates. */
let lastDate: { value: string; day: string | undefined } | undefined;

/** `Tue, 30 Jun 2026 00:00:00 -0400` → `2026-06-30`, the day as arXiv wrote it (US Eastern). */
export function parseRfc822Date(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // A copy: the date is a cut of the document, which it would otherwise keep alive.
  if (lastDate?.value !== value) lastDate = { value: own(value), day: readRfc822Date(value) };
  return lastDate.day;
}

function readRfc822Date(value: string): string | undefined {
  const m = value && /(\d{1,2})\s+([A-Z][a-z]{2})\s+(\d{4})/.exec(value);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!) + 1;
  const day = Number(m[1]);
  const year = Number(m[3]);
  // Reject days the month does not have (30 Feb): Date.UTC would roll them over.
  if (month === 0 || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  return `${m[3]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** `A, B, and C` → [A, B, C], with TeX accents (`Mour\~ao`) turned into letters (`Mourão`). */
export function splitAuthors(creators: string): string[] {
  const parts = cleanLine(creators).split(/\s*,\s*/);
  // "A, B and C" and "A and B": the last part may join two names.
  const last = parts.pop();
  if (last !== undefined) parts.push(...last.replace(/^and\s+/, "").split(/\s+and\s+/));
  return parts.map((p) => texToUnicode(p).trim()).filter(Boolean);
}

const COMBINING: Record<string, string> = {
  '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307",
  u: "\u0306", v: "\u030C", H: "\u030B", c: "\u0327", k: "\u0328", r: "\u030A",
};
const LETTERS: Record<string, string> = {
  o: "ø", O: "Ø", l: "ł", L: "Ł", ss: "ß", aa: "å", AA: "Å", ae: "æ", AE: "Æ", oe: "œ", OE: "Œ", i: "ı",
};

function texToUnicode(s: string): string {
  if (!s.includes("\\")) return s;
  return s
    .replace(/\\([uvHckr])\s*\{\s*(\\?[A-Za-z])\s*\}|\\([uvHckr])\s+([A-Za-z])/g, (_, c1, l1, c2, l2) =>
      accent(c1 ?? c2, l1 ?? l2),
    )
    .replace(/\{\\(["'`^~=.])\s*\{?(\\?[A-Za-z])\}?\}|\\(["'`^~=.])\s*(?:\{(\\?[A-Za-z])\}|(\\?[A-Za-z]))/g,
      (_, m1, l1, m2, l2, l3) => accent(m1 ?? m2, l1 ?? l2 ?? l3))
    .replace(/\{\\(ss|aa|AA|ae|AE|oe|OE|[oOlL])\}|\\(ss|aa|AA|ae|AE|oe|OE|[oOlL])(?![A-Za-z])\s?/g,
      (_, braced: string | undefined, bare: string | undefined) => LETTERS[braced ?? bare!] ?? braced ?? bare!)
    .normalize("NFC");
}

function accent(mark: string, letter: string): string {
  const base = letter === "\\i" ? "i" : letter === "\\j" ? "j" : letter.replace("\\", "");
  return base + (COMBINING[mark] ?? "");
}
