// Shared test helpers: fixture loading (parsed once per test file), an independent regex reading of
// arXiv's raw items to compare the parser against, and builders for synthetic papers and feeds.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { AppError, type ErrorCode } from "../../lib/errors";
import type { AnnounceType, Feed, Paper, RankProfile, SummaryRecord } from "../../lib/types";

const FIXTURES = fileURLToPath(new URL("../fixtures/arxiv/", import.meta.url));

/** The announcement day every file in fixtures/arxiv/day/ carries. */
export const DAY = "2026-06-30";

const textCache = new Map<string, string>();
export function readFixture(relative: string): string {
  let text = textCache.get(relative);
  if (text === undefined) {
    text = readFileSync(FIXTURES + relative, "utf8");
    textCache.set(relative, text);
  }
  return text;
}

export interface ParsedFeed {
  date?: string;
  papers: Paper[];
  skipped: number;
}

const parsedCache = new Map<string, ParsedFeed>();
/** Parses a fixture that must be a feed (memoized: each test file parses a big fixture once). */
export function parseFixture(relative: string): ParsedFeed {
  let parsed = parsedCache.get(relative);
  if (!parsed) {
    const outcome = parseArxivRss(readFixture(relative));
    if (outcome.kind !== "feed") throw new Error(`${relative} did not parse as a feed: ${outcome.kind} ${outcome.message}`);
    parsed = { date: outcome.date, papers: outcome.papers, skipped: outcome.skipped };
    parsedCache.set(relative, parsed);
  }
  return parsed;
}

export const dayFixture = (category: string) => `day/rss-${category}.xml`;

/** One `<item>` as the raw text says it, read with regular expressions only (independent of the parser). */
export interface RawItem {
  title: string;
  description: string;
  guid: string;
  categories: string[];
  pubDate: string;
  announceType?: string;
  rights?: string;
  creator?: string;
  doi?: string;
  journalRef?: string;
}

export function decodeXmlText(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

export function rawItems(xml: string): RawItem[] {
  return [...xml.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => {
    const body = m[1]!;
    const tag = (name: string) => {
      const found = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(body);
      return found ? decodeXmlText(found[1]!) : undefined;
    };
    return {
      title: tag("title") ?? "",
      description: tag("description") ?? "",
      guid: tag("guid") ?? "",
      categories: [...body.matchAll(/<category>([^<]*)<\/category>/g)].map((c) => decodeXmlText(c[1]!)),
      pubDate: tag("pubDate") ?? "",
      announceType: tag("arxiv:announce_type"),
      rights: tag("dc:rights"),
      creator: tag("dc:creator"),
      doi: tag("arxiv:DOI"),
      journalRef: tag("arxiv:journal_reference"),
    };
  });
}

/** The abstract as the raw description carries it: everything after "Abstract: ", trimmed. */
export function rawAbstract(description: string): string {
  const at = description.indexOf("Abstract: ");
  if (at < 0) throw new Error(`no "Abstract: " in ${description.slice(0, 80)}`);
  return description.slice(at + "Abstract: ".length).trim();
}

export const collapse = (s: string) => s.replace(/\s+/g, " ").trim();

let counter = 0;
/** A synthetic paper; ids default to distinct modern ids. */
export function makePaper(overrides: Partial<Paper> = {}): Paper {
  counter++;
  const id = overrides.id ?? `2606.${String(10000 + counter)}`;
  return {
    id,
    version: 1,
    title: `Paper ${counter}`,
    abstract: "Nothing in particular.",
    authors: ["Ada Lovelace"],
    categories: ["cs.AI"],
    announceType: "new",
    announced: DAY,
    ...overrides,
  };
}

export const ALL_TYPES: AnnounceType[] = ["new", "cross", "replace", "replace-cross"];

export function makeProfile(overrides: Partial<RankProfile> = {}): RankProfile {
  return {
    keywords: [],
    exclude: [],
    match: "prefix",
    minScore: 0,
    titleWeight: 0.5,
    announceTypes: ALL_TYPES,
    limit: 1000,
    ...overrides,
  };
}

export interface SyntheticItem {
  title?: string;
  description?: string;
  guid?: string;
  categories?: string[];
  pubDate?: string;
  announceType?: string;
  creator?: string;
  rights?: string;
  doi?: string;
  journalRef?: string;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A well-formed arXiv-style item for a versioned id (`2501.00010v1`); `omit` leaves those elements out. */
export function syntheticItem(id: string, fields: SyntheticItem = {}, omit: (keyof SyntheticItem)[] = []): string {
  const type = fields.announceType ?? "new";
  const f: Required<SyntheticItem> = {
    title: `Title of ${id}`,
    description: `arXiv:${id} Announce Type: ${type} \nAbstract: The abstract of ${id}.`,
    guid: `oai:arXiv.org:${id}`,
    categories: ["cs.AI"],
    pubDate: "Tue, 30 Jun 2026 00:00:00 -0400",
    announceType: type,
    creator: "Ada Lovelace, Alan Turing",
    rights: "http://creativecommons.org/licenses/by/4.0/",
    doi: "",
    journalRef: "",
    ...fields,
  };
  const el = (key: keyof SyntheticItem, xml: string) => (omit.includes(key) ? "" : `      ${xml}\n`);
  return (
    "    <item>\n" +
    el("title", `<title>${escapeXml(f.title)}</title>`) +
    `      <link>https://arxiv.org/abs/${id.replace(/v\d+$/, "")}</link>\n` +
    el("description", `<description>${escapeXml(f.description)}</description>`) +
    el("guid", `<guid isPermaLink="false">${escapeXml(f.guid)}</guid>`) +
    (omit.includes("categories") ? "" : f.categories.map((c) => `      <category>${escapeXml(c)}</category>\n`).join("")) +
    el("pubDate", `<pubDate>${f.pubDate}</pubDate>`) +
    el("announceType", `<arxiv:announce_type>${escapeXml(f.announceType)}</arxiv:announce_type>`) +
    el("rights", `<dc:rights>${escapeXml(f.rights)}</dc:rights>`) +
    (f.doi ? el("doi", `<arxiv:DOI>${escapeXml(f.doi)}</arxiv:DOI>`) : "") +
    (f.journalRef ? el("journalRef", `<arxiv:journal_reference>${escapeXml(f.journalRef)}</arxiv:journal_reference>`) : "") +
    el("creator", `<dc:creator>${escapeXml(f.creator)}</dc:creator>`) +
    "    </item>\n"
  );
}

/** A whole arXiv-style RSS document around raw item XML. */
export function syntheticFeed(items: string[], pubDate = "Tue, 30 Jun 2026 00:00:00 -0400"): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
  <channel>
    <title>cs.AI updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.AI</link>
    <description>cs.AI updates on the arXiv.org e-print archive.</description>
    <pubDate>${pubDate}</pubDate>
${items.join("")}  </channel>
</rss>
`;
}

/** Runs `fn` and returns the AppError it throws, failing the test if it throws anything else or nothing. */
export function catchAppError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw new Error(`expected an AppError, got ${String(err)}`);
  }
  throw new Error("expected an AppError, but nothing was thrown");
}

export function expectAppError(fn: () => unknown, code: ErrorCode): AppError {
  const err = catchAppError(fn);
  if (err.code !== code) throw new Error(`expected AppError "${code}", got "${err.code}": ${err.message}`);
  return err;
}

/** Characters XML 1.0 forbids (C0 controls except tab, newline, return; U+FFFE/U+FFFF; lone surrogates). */
export const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text around the first XML-illegal character of `s` (to show in a failure), or null when there is none. */
export function illegalXmlContext(s: string): string | null {
  const m = XML_ILLEGAL.exec(s);
  return m ? JSON.stringify(s.slice(Math.max(0, m.index - 80), m.index + 20)) : null;
}

/** The feed with these summaries attached to its papers, as loadFeed attaches what the store holds. */
export function withSummaries(feed: Feed, found: ReadonlyMap<string, SummaryRecord>): Feed {
  return {
    ...feed,
    days: feed.days.map((d) => ({
      date: d.date,
      papers: d.papers.map((e) => (found.has(e.paper.id) ? { ...e, summary: found.get(e.paper.id)! } : e)),
    })),
  };
}
