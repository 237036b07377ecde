import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { announcementInstant } from "../../lib/arxiv/schedule";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { parseConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import { formatScore, itemHtml, licenseLabel, toFeedDocument, type FeedDocument, type FeedLinks } from "../../lib/render/document";
import { renderAtom, renderJson, renderRss } from "../../lib/render/feeds";
import type { Feed, Paper, RankedPaper } from "../../lib/types";
import { DAY, dayFixture, illegalXmlContext, makePaper, parseFixture, withSummaries } from "../helpers/fixtures";

const LINKS: FeedLinks = {
  rss: "https://feeds.example.test/rss/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
  atom: "https://feeds.example.test/atom/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
  json: "https://feeds.example.test/json/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
  html: "https://feeds.example.test/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
};
const NOW = Date.parse("2026-09-24T12:00:00Z");

const config = parseConfig({ categories: ["cs.AI", "cs.LG"], keywords: ["LLM"] });

function snapshot(category: string, days: { date: string; papers: Paper[] }[]): CategorySnapshot {
  return { category, version: `${category}-v1`, days, changedAt: Date.parse("2026-09-24T08:00:00Z"), nextCheckAt: NOW + 3_600_000 };
}

function feedOf(query: string, snapshots: CategorySnapshot[]): Feed {
  const params = parseFeedParams([snapshots.map((s) => s.category).join("+")], new URLSearchParams(query), config);
  return buildFeed(params, snapshots, { daysBack: 5, now: NOW });
}

/** Reads rendered XML back the way a feed reader would; `arrays` are the elements that may repeat. */
const xmlReader = (arrays: string[]) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: false,
    isArray: (name) => arrays.includes(name),
  });
const rssReader = xmlReader(["item", "category", "atom:link"]);
const atomReader = xmlReader(["entry", "category", "author", "link"]);
const readRss = (text: string) =>
  (rssReader.parse(text) as { rss: { channel: { item: RssItem[]; "atom:link": { "@_href": string; "@_rel": string }[] } } }).rss.channel;
const readAtom = (text: string) =>
  (atomReader.parse(text) as { feed: { entry: AtomEntry[]; link: { "@_href": string; "@_rel": string }[] } }).feed;

/** Every dc:creator of an item, in order. */
const creators = (item: RssItem) => [item["dc:creator"]].flat();
/** An RSS title or Atom `type="html"` text (HTML-escaped) as a reader shows it. */
const unescapeHtml = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const text = (node: unknown): string => (typeof node === "string" ? node : ((node as Record<string, string>)["#text"] ?? ""));

interface RssItem {
  title: string;
  link: string;
  guid: { "#text": string; "@_isPermaLink": string };
  pubDate: string;
  description: string;
  "content:encoded": string;
  category: (string | { "#text": string })[];
  "dc:creator": string | string[];
}
interface AtomEntry {
  title: { "#text": string; "@_type": string };
  id: string;
  link: { "@_href": string; "@_rel"?: string }[];
  updated: string;
  published: string;
  author: { name: string }[];
  category: { "@_term": string; "@_label": string }[];
  content: { "#text": string; "@_type": string };
}
interface JsonFeed {
  version: string;
  feed_url: string;
  home_page_url: string;
  title: string;
  items: {
    id: string;
    url: string;
    title: string;
    author?: unknown;
    authors: { name: string }[];
    tags: string[];
    content_html: string;
    date_published: string;
    _arxiv: {
      id: string;
      version: number;
      score: number;
      title_score: number;
      matches: { term: string; weight: number; in_title: boolean; in_abstract: boolean }[];
      announce_type: string;
      primary_category: string;
      categories: string[];
      doi: string | null;
      license: string | null;
    };
  }[];
}

/** The paragraphs of an item's HTML that hold the abstract (between the facts and the links), unescaped, one line. */
function abstractFromHtml(html: string): string {
  const paragraphs = [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => m[1]!);
  return paragraphs
    .slice(1, -1)
    .join(" ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

describe("rendering real papers (cs.AI day + the real cs.LG/stat.ML capture)", () => {
  let feed: Feed;
  let ranked: RankedPaper[];
  let doc: FeedDocument;
  let rss: string;
  let atom: string;
  let json: string;
  let rssItems: RssItem[];
  let atomEntries: AtomEntry[];
  let jsonFeed: JsonFeed;

  beforeAll(() => {
    const ai = parseFixture(dayFixture("cs.AI")).papers;
    const real = parseFixture("real/rss-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-trimmed.xml").papers;
    feed = feedOf("keywords=LLM,agent^2,network,outlier&types=all&limit=40", [
      snapshot("cs.AI", [{ date: DAY, papers: ai }]),
      snapshot("cs.LG", [{ date: "2026-09-24", papers: real }]),
    ]);
    ranked = feed.days.flatMap((d) => d.papers);
    doc = toFeedDocument(feed, LINKS);
    rss = renderRss(doc);
    atom = renderAtom(doc);
    json = renderJson(doc);
    rssItems = readRss(rss).item;
    atomEntries = readAtom(atom).entry;
    jsonFeed = JSON.parse(json) as JsonFeed;
  });

  it("the feed holds both days, newest first, and papers from each", () => {
    expect(feed.days.map((d) => d.date)).toEqual(["2026-09-24", DAY]);
    expect(feed.days[0]!.papers.length).toBeGreaterThan(0);
    expect(feed.days[1]!.papers).toHaveLength(40);
    expect(doc.items.map((i) => i.guid)).toEqual(ranked.map((r) => r.paper.id));
  });

  it("all three outputs are well-formed", () => {
    expect(XMLValidator.validate(rss)).toBe(true);
    expect(XMLValidator.validate(atom)).toBe(true);
    expect(() => JSON.parse(json)).not.toThrow();
  });

  describe("RSS 2.0", () => {
    it("has one <item> per ranked paper, in rank order", () => {
      expect(rss.match(/<item>/g)).toHaveLength(ranked.length);
      expect(rssItems.map((i) => i.link)).toEqual(ranked.map((r) => `https://arxiv.org/abs/${r.paper.id}`));
    });

    it('each guid is the versionless id, isPermaLink="false"', () => {
      rssItems.forEach((item, i) => {
        expect(item.guid["#text"]).toBe(ranked[i]!.paper.id);
        expect(item.guid["#text"]).not.toMatch(/v\d+$/);
        expect(item.guid["@_isPermaLink"]).toBe("false");
      });
      expect(rss).toContain('<guid isPermaLink="false">2205.06398</guid>');
    });

    it("pubDate is midnight US Eastern of the announcement day", () => {
      rssItems.forEach((item, i) => {
        expect(Date.parse(item.pubDate)).toBe(announcementInstant(ranked[i]!.paper.announced));
      });
      expect(rssItems.at(-1)!.pubDate).toBe("Tue, 30 Jun 2026 04:00:00 GMT");
      expect(rssItems[0]!.pubDate).toBe("Thu, 24 Sep 2026 04:00:00 GMT");
    });

    it("titles survive exactly, & included", () => {
      rssItems.forEach((item, i) => expect(item.title).toBe(ranked[i]!.paper.title));
    });

    it("one dc:creator per author; one <category> per arXiv category, primary first", () => {
      rssItems.forEach((item, i) => {
        const p = ranked[i]!.paper;
        expect(creators(item)).toEqual(p.authors);
        expect(item.category.map(text)).toEqual(p.categories);
        for (const c of item.category) expect((c as unknown as Record<string, string>)["@_domain"]).toBe("https://arxiv.org/category_taxonomy");
      });
    });

    it("content:encoded shows score, matched keywords, announce type, primary category, license and the whole abstract", () => {
      rssItems.forEach((item, i) => {
        const r = ranked[i]!;
        const html = item["content:encoded"];
        expect(html).toContain(`Score ${formatScore(r.score)}`);
        for (const m of r.matches) expect(html).toContain(`<b>${escape(m.term)}</b>`);
        expect(html).toContain(`${r.paper.announceType} · ${r.paper.categories[0]} (primary)`);
        if (r.paper.license) expect(html).toContain(licenseLabel(r.paper.license));
        expect(oneLine(abstractFromHtml(html))).toBe(oneLine(r.paper.abstract));
      });
    });

    it("abstracts are HTML-escaped in content:encoded", () => {
      const withSpecials = rssItems
        .map((item, i) => ({ html: item["content:encoded"], abstract: ranked[i]!.paper.abstract }))
        .filter(({ abstract }) => /[<>&]/.test(abstract));
      expect(withSpecials.length).toBeGreaterThan(0);
      for (const { html, abstract } of withSpecials) {
        const paragraphs = [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)].slice(1, -1).map((m) => m[1]!);
        for (const para of paragraphs) expect(para).not.toMatch(/<|>|&(?!(amp|lt|gt|quot|#39);)/);
        expect(paragraphs.join(" ")).toContain(escape(abstract.split(/\n/)[0]!.trim()).slice(0, 200));
      }
    });

    it("shows the DOI of the real capture's cross-list", () => {
      const i = ranked.findIndex((r) => r.paper.id === "2205.06398");
      expect(i).toBeGreaterThanOrEqual(0);
      expect(rssItems[i]!["content:encoded"]).toContain(
        '<a href="https://doi.org/10.1093/bioinformatics/btac431">10.1093/bioinformatics/btac431</a>',
      );
      expect(rssItems[i]!["content:encoded"]).toContain("cross · stat.ME (primary), stat.AP, stat.ML");
    });

    it("the self link (atom:link rel=self) is the RSS link given, query string intact", () => {
      expect(readRss(rss)["atom:link"].find((l) => l["@_rel"] === "self")!["@_href"]).toBe(LINKS.rss);
    });
  });

  describe("Atom 1.0", () => {
    it("has one entry per paper, id https://arxiv.org/abs/ID", () => {
      expect(atomEntries).toHaveLength(ranked.length);
      atomEntries.forEach((entry, i) => expect(entry.id).toBe(`https://arxiv.org/abs/${ranked[i]!.paper.id}`));
    });

    it('titles are type="html", escaped, and read back exactly', () => {
      atomEntries.forEach((entry, i) => {
        expect(entry.title["@_type"]).toBe("html");
        expect(unescapeHtml(entry.title["#text"])).toBe(ranked[i]!.paper.title);
      });
    });

    it("one <author> per author and one category term per arXiv category", () => {
      atomEntries.forEach((entry, i) => {
        const p = ranked[i]!.paper;
        expect(entry.author.map((a) => a.name)).toEqual(p.authors);
        expect(entry.category.map((c) => c["@_term"])).toEqual(p.categories);
      });
    });

    it("published is the announcement instant", () => {
      atomEntries.forEach((entry, i) => expect(Date.parse(entry.published)).toBe(announcementInstant(ranked[i]!.paper.announced)));
    });

    it("the self link is the Atom link given", () => {
      const links = readAtom(atom).link;
      expect(links.find((l) => l["@_rel"] === "self")!["@_href"]).toBe(LINKS.atom);
      expect(links.find((l) => l["@_rel"] === "alternate")!["@_href"]).toBe(LINKS.html);
    });
  });

  describe("JSON Feed", () => {
    it("is version 1.1 with feed_url = the JSON link given", () => {
      expect(jsonFeed.version).toBe("https://jsonfeed.org/version/1.1");
      expect(jsonFeed.feed_url).toBe(LINKS.json);
      expect(jsonFeed.home_page_url).toBe(LINKS.html);
    });

    it("items carry the versionless id, abs URL, exact title, every author (no 1.0 single author)", () => {
      expect(jsonFeed.items).toHaveLength(ranked.length);
      jsonFeed.items.forEach((item, i) => {
        const p = ranked[i]!.paper;
        expect(item.id).toBe(p.id);
        expect(item.url).toBe(`https://arxiv.org/abs/${p.id}`);
        expect(item.title).toBe(p.title);
        expect(item.authors).toEqual(p.authors.map((name) => ({ name })));
        expect(item.author).toBeUndefined();
        expect(item.tags).toEqual(p.categories);
        expect(Date.parse(item.date_published)).toBe(announcementInstant(p.announced));
      });
    });

    it("the _arxiv extension carries score, title score, matches and metadata", () => {
      jsonFeed.items.forEach((item, i) => {
        const r = ranked[i]!;
        expect(item._arxiv).toMatchObject({
          id: r.paper.id,
          version: r.paper.version,
          score: r.score,
          title_score: r.titleScore,
          matches: r.matches.map((m) => ({ term: m.term, weight: m.weight, in_title: m.inTitle, in_abstract: m.inAbstract })),
          announce_type: r.paper.announceType,
          primary_category: r.paper.categories[0],
          categories: r.paper.categories,
          doi: r.paper.doi ?? null,
          license: r.paper.license ?? null,
        });
      });
      const outlier = jsonFeed.items.find((it) => it.id === "2205.06398")!;
      expect(outlier._arxiv.doi).toBe("10.1093/bioinformatics/btac431");
      expect(outlier._arxiv.matches.map((m) => m.term)).toEqual(expect.arrayContaining(["network", "outlier"]));
    });
  });
});

describe("rendering hostile text", () => {
  const nasty = "Bounds for a < b & c > d: when \"]]>\" ends a 'CDATA' section";
  let rss: string;
  let atom: string;
  let json: string;

  beforeAll(() => {
    const papers = [
      makePaper({ id: "2606.90001", title: nasty, abstract: "LLM <script>alert(1)</script> & friends." }),
      makePaper({
        id: "2606.90002",
        title: "LLM\u0001 control\u000B characters\uFFFE here",
        abstract: "An LLM\u0002 abstract with a lone surrogate \uD800 inside.",
        authors: ["Ada\u0003 Lovelace", "Alan Turing"],
        journalRef: "Proc.\u0004 2026",
      }),
    ];
    const doc = toFeedDocument(feedOf("keywords=LLM", [snapshot("cs.AI", [{ date: DAY, papers }])]), LINKS);
    rss = renderRss(doc);
    atom = renderAtom(doc);
    json = renderJson(doc);
  });

  it("titles with & < > and ]]> come back exactly from RSS, Atom and JSON", () => {
    const rssItems = readRss(rss).item;
    const atomEntries = readAtom(atom).entry;
    const jsonItems = (JSON.parse(json) as JsonFeed).items;
    const find = <T>(list: T[], id: (t: T) => string) => list.find((t) => id(t).endsWith("2606.90001"))!;
    expect(unescapeHtml(find(rssItems, (i) => i.link).title)).toBe(nasty);
    expect(unescapeHtml(text(find(atomEntries, (e) => e.id).title))).toBe(nasty);
    expect(find(jsonItems, (i) => i.id).title).toBe(nasty);
  });

  it("abstract markup is escaped, never live HTML", () => {
    expect(rss).not.toContain("<script>");
    expect(atom).not.toContain("<script>");
    expect((JSON.parse(json) as JsonFeed).items.find((i) => i.id === "2606.90001")!.content_html).toContain(
      "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends.",
    );
  });

  it("XML-illegal characters in titles, abstracts, authors and metadata never reach the output", () => {
    expect(illegalXmlContext(rss)).toBeNull();
    expect(illegalXmlContext(atom)).toBeNull();
    expect(illegalXmlContext(json)).toBeNull();
    const item = readRss(rss).item.find((i) => i.link.endsWith("2606.90002"))!;
    expect(item.title).toBe("LLM control characters here");
    expect(creators(item)).toEqual(["Ada Lovelace", "Alan Turing"]);
  });

  it("XML-illegal characters in a keyword never reach the output either", () => {
    // The query string refuses them (see params.test.ts); a profile built otherwise is still stripped.
    expect(() => feedOf("keywords=%01LLM,LLM", [])).toThrow(/control characters/);
    const papers = [makePaper({ title: "LLM agents" })];
    const feed = feedOf("keywords=LLM", [snapshot("cs.AI", [{ date: DAY, papers }])]);
    feed.params.profile.keywords.unshift({ term: "\u0001LLM\uFFFE", weight: 1 });
    const doc = toFeedDocument(feed, LINKS);
    expect(doc.description).toContain("LLM");
    expect(illegalXmlContext(renderRss(doc))).toBeNull();
    expect(illegalXmlContext(renderAtom(doc))).toBeNull();
  });
});

describe("itemHtml", () => {
  const paper = makePaper({
    id: "2606.12345",
    version: 3,
    title: "T",
    abstract: "First paragraph & more.\n  Second paragraph <b>bold</b>.",
    authors: ["Ada Lovelace", "Alan Turing"],
    categories: ["cs.LG", "cs.AI", "stat.ML"],
    announceType: "replace",
    license: "http://creativecommons.org/licenses/by-nc-nd/4.0/",
    doi: "10.1000/xyz<1>",
    journalRef: "NeurIPS 2026 & friends",
  });

  it("states score, why, type, categories, date, authors, license, DOI, journal ref, abstract paragraphs and links", () => {
    const html = itemHtml({
      paper,
      score: 4.5,
      titleScore: 1,
      matches: [
        { term: "agent", weight: 2, inTitle: true, inAbstract: true },
        { term: "LLM", weight: 1, inTitle: false, inAbstract: true },
      ],
    });
    expect(html).toContain("<b>Score 4.5</b> · matched <b>agent</b> ×2 (title, abstract), <b>LLM</b> (abstract)");
    expect(html).toContain("replace · cs.LG (primary), cs.AI, stat.ML · announced 2026-06-30");
    expect(html).toContain("Authors: Ada Lovelace, Alan Turing");
    expect(html).toContain('License: <a href="http://creativecommons.org/licenses/by-nc-nd/4.0/">CC BY-NC-ND 4.0</a>');
    expect(html).toContain('DOI: <a href="https://doi.org/10.1000/xyz%3C1%3E">10.1000/xyz&lt;1&gt;</a>');
    expect(html).toContain("Journal ref: NeurIPS 2026 &amp; friends");
    expect(html).toContain("<p>First paragraph &amp; more.</p><p>Second paragraph &lt;b&gt;bold&lt;/b&gt;.</p>");
    expect(html).toContain('<a href="https://arxiv.org/abs/2606.12345">arXiv:2606.12345v3</a>');
    expect(html).toContain('<a href="https://arxiv.org/pdf/2606.12345">PDF</a>');
    expect(html).toContain('<a href="https://arxiv.org/html/2606.12345">HTML</a>');
  });

  it('says "matched none" for an unranked feed and leaves out what the paper lacks', () => {
    const bare = makePaper({ authors: [], license: undefined });
    const html = itemHtml({ paper: bare, score: 0, titleScore: 0, matches: [] });
    expect(html).toContain("<b>Score 0.0</b> · matched none");
    expect(html).not.toContain("Authors:");
    expect(html).not.toContain("License:");
    expect(html).not.toContain("DOI:");
  });
});

describe("licenseLabel and formatScore", () => {
  it.each([
    ["http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"],
    ["http://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0"],
    ["http://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA 4.0"],
    ["http://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0"],
    ["http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"],
    ["http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "arXiv non-exclusive license"],
    ["http://arxiv.org/licenses/assumed-1991-2003/", "arXiv assumed license"],
    ["https://example.org/some-license", "https://example.org/some-license"],
  ])("licenseLabel(%s) = %s", (url, label) => {
    expect(licenseLabel(url)).toBe(label);
  });

  it("formatScore shows whole numbers with one decimal and others to two", () => {
    expect(formatScore(0)).toBe("0.0");
    expect(formatScore(3)).toBe("3.0");
    expect(formatScore(7.5)).toBe("7.5");
    expect(formatScore(1.333333)).toBe("1.33");
    expect(formatScore(0.3)).toBe("0.3");
  });
});

describe("feeds by the conventions readers know", () => {
  const papers = [makePaper({ id: "2606.00001", title: "LLM agents" }), makePaper({ id: "2606.00002", title: "More LLM" })];
  const snap = () => [snapshot("cs.AI", [{ date: DAY, papers }])];
  const summary = { markdown: "A summary of the paper, long enough.", model: "m", sourceUsed: "abstract" as const, createdAt: "2026-06-30T15:00:00.000Z" };

  it("RSS: ttl, skipDays Saturday and Sunday (arXiv's own), and the language", () => {
    const rss = renderRss(toFeedDocument(feedOf("", snap()), LINKS));
    const channel = readRss(rss) as unknown as { ttl: string; language: string; skipDays: { day: string[] } };
    expect(channel.ttl).toBe("60");
    expect(channel.language).toBe("en");
    expect(rss).toMatch(/<skipDays>\s*<day>Saturday<\/day>\s*<day>Sunday<\/day>\s*<\/skipDays>/);
  });

  it("Atom says its language on the root; JSON Feed has language and feed-level authors", () => {
    const doc = toFeedDocument(feedOf("", snap()), LINKS);
    expect(renderAtom(doc)).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
    const json = JSON.parse(renderJson(doc)) as { language: string; authors: { name: string; url: string }[]; author?: unknown };
    expect(json.language).toBe("en");
    expect(json.authors).toEqual([{ name: "arXiv authors, ranked by arxiv-rss-bot", url: LINKS.html }]);
    expect(json.author).toBeUndefined();
  });

  it("an item's updated time moves when its summary arrives; its published time stays the announcement", () => {
    const feed = feedOf("", snap());
    const withSummary = withSummaries(feed, new Map([["2606.00001", summary]]));
    const atomEntries = readAtom(renderAtom(toFeedDocument(withSummary, LINKS))).entry;
    const entry = (id: string) => atomEntries.find((e) => e.id.endsWith(id))!;
    expect(entry("2606.00001").updated).toBe("2026-06-30T15:00:00.000Z");
    expect(entry("2606.00001").published).toBe(new Date(announcementInstant(DAY)).toISOString());
    expect(entry("2606.00002").updated).toBe(new Date(announcementInstant(DAY)).toISOString());
    const items = (JSON.parse(renderJson(toFeedDocument(withSummary, LINKS))) as { items: { id: string; date_modified: string; date_published: string }[] }).items;
    expect(items.find((i) => i.id === "2606.00001")).toMatchObject({ date_modified: "2026-06-30T15:00:00.000Z", date_published: new Date(announcementInstant(DAY)).toISOString() });
    const rssItems = readRss(renderRss(toFeedDocument(withSummary, LINKS))).item;
    expect(rssItems.every((i) => i.pubDate === new Date(announcementInstant(DAY)).toUTCString())).toBe(true);
  });

  it("a personal feed's title says what it follows, so a reader can tell feeds apart", () => {
    const title = (query: string) => toFeedDocument(feedOf(query, snap()), LINKS, config.profile).title;
    expect(title("")).toBe("arXiv cs.AI: ranked");
    expect(title("keywords=diffusion,RL")).toBe("arXiv cs.AI: diffusion, RL");
    expect(title("keywords=a,b,c,d,e,f")).toBe("arXiv cs.AI: a, b, c, d, +2 more");
    expect(title("keywords=")).toBe("arXiv cs.AI: all papers");
    expect(title("limit=5")).toBe("arXiv cs.AI: ranked (custom)");
  });
});
