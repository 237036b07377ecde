// The parser as it was before issue 10 made it leaner, kept unchanged as the reference the new one is
// compared with (test/unit/parse-equivalence.test.ts). Do not edit: it is what "today's records" means.
// Pure: arXiv RSS 2.0 text → Paper records. Wire types stay in this file.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { cleanLine, cleanText } from "../../lib/text";
import { ANNOUNCE_TYPES, type AnnounceType, type Paper } from "../../lib/types";
import { isArxivId, isCategoryCode, VERSIONED_ID } from "../../lib/arxiv/ids";

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

const text = z.string();
const optionalText = z.string().optional();

const wireItemSchema = z.object({
  title: text,
  link: optionalText,
  description: text,
  guid: optionalText,
  category: z.array(text).default([]),
  pubDate: optionalText,
  "arxiv:announce_type": optionalText,
  "dc:rights": optionalText,
  "dc:creator": optionalText,
  "arxiv:DOI": optionalText,
  "arxiv:journal_reference": optionalText,
});
type WireItem = z.infer<typeof wireItemSchema>;

const wireFeedSchema = z.object({
  rss: z.object({
    channel: z.object({
      title: optionalText,
      link: optionalText,
      description: optionalText,
      pubDate: optionalText,
      item: z.array(z.unknown()).default([]),
    }),
  }),
});

const parser = new XMLParser({
  ignoreAttributes: true,
  // Tag values stay strings: otherwise `2501.00010` becomes a number and a title `0` becomes 0.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // Also decodes numeric references (&#233;), which fast-xml-parser leaves alone otherwise.
  htmlEntities: true,
  isArray: (name) => name === "item" || name === "category",
});

/** arXiv's own maximum per feed; a feed with more is not one of arXiv's. */
export const MAX_FEED_ITEMS = 2000;
// Far above any real paper (arXiv caps abstracts at 1,920 characters), so one item cannot bloat the cache.
const MAX_TITLE_CHARS = 1000;
const MAX_ABSTRACT_CHARS = 10_000;
const MAX_AUTHORS = 1000;

const DESCRIPTION_PREFIX = /^\s*arXiv:\S+\s+Announce Type:\s*[\w-]+\s*(?:Abstract:\s*)?/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function parseArxivRss(xml: string): ParseOutcome {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line } = validation.err;
    return { kind: "malformed", message: `invalid XML at line ${line}: ${msg}` };
  }
  let feed: z.infer<typeof wireFeedSchema>;
  try {
    const parsed = wireFeedSchema.safeParse(parser.parse(xml));
    if (!parsed.success) return { kind: "malformed", message: "not an RSS 2.0 channel" };
    feed = parsed.data;
  } catch (err) {
    return { kind: "malformed", message: `unreadable XML: ${(err as Error).message}` };
  }
  const channel = feed.rss.channel;
  if (channel.title?.startsWith("Feed error for query")) {
    return { kind: "unknown-category", message: channel.description || channel.title };
  }
  if (channel.item.length > MAX_FEED_ITEMS) {
    return { kind: "malformed", message: `${channel.item.length} items, more than arXiv ever sends (${MAX_FEED_ITEMS})` };
  }
  const papers: Paper[] = [];
  let skipped = 0;
  for (const raw of channel.item) {
    const item = wireItemSchema.safeParse(raw);
    const paper = item.success ? toPaper(item.data) : undefined;
    if (paper) papers.push(paper);
    else skipped++;
  }
  const channelCategories = namedCategories(channel.link, channel.title);
  return { kind: "feed", date: parseRfc822Date(channel.pubDate), papers, skipped, ...(channelCategories ? { channelCategories } : {}) };
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

  const announceType = (item["arxiv:announce_type"] ?? /Announce Type:\s*([\w-]+)/.exec(item.description)?.[1])?.trim();
  if (!ANNOUNCE_TYPES.includes(announceType as AnnounceType)) return undefined;

  // The primary category comes first and must look like a category code; others that do not are dropped.
  const categories = [...new Set(item.category.map(cleanLine))];
  if (!categories[0] || !isCategoryCode(categories[0])) return undefined;

  return {
    id,
    version,
    title,
    abstract,
    authors: splitAuthors(item["dc:creator"] ?? "").slice(0, MAX_AUTHORS),
    categories: categories.filter(isCategoryCode),
    announceType: announceType as AnnounceType,
    announced,
    ...optional("license", item["dc:rights"]),
    ...optional("doi", item["arxiv:DOI"]),
    ...optional("journalRef", item["arxiv:journal_reference"]),
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
  return (cleaned ? { [key]: cleaned } : {}) as { [P in K]?: string };
}

/** `Tue, 30 Jun 2026 00:00:00 -0400` → `2026-06-30`, the day as arXiv wrote it (US Eastern). */
export function parseRfc822Date(value: string | undefined): string | undefined {
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
