import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parseArxivRss, parseArxivRssBytes, parseRfc822Date, splitAuthors, type ParseOutcome } from "../../lib/arxiv/parse";
import { arxivLinks } from "../../lib/arxiv/ids";
import type { Paper } from "../../lib/types";
import {
  DAY,
  XML_ILLEGAL,
  collapse,
  dayFixture,
  parseFixture,
  rawAbstract,
  rawItems,
  readFixture,
  syntheticFeed,
  syntheticItem,
  type ParsedFeed,
} from "../helpers/fixtures";

/** Item counts of the 30 Jun 2026 day fixtures (counted in the files). */
const DAY_COUNTS: Record<string, number> = {
  "cs.AI": 352,
  "cs.CL": 241,
  "cs.CV": 426,
  "cs.DC": 2,
  "cs.LG": 112,
  "cs.AI+cs.CL+cs.DC+cs.LG": 525,
};
const DAY_CATEGORIES = Object.keys(DAY_COUNTS);

function expectFeed(outcome: ParseOutcome): Extract<ParseOutcome, { kind: "feed" }> {
  if (outcome.kind !== "feed") throw new Error(`expected a feed, got ${outcome.kind}: ${outcome.message}`);
  return outcome;
}

function onlyPaper(xml: string): Paper {
  const feed = expectFeed(parseArxivRss(xml));
  expect(feed.skipped).toBe(0);
  expect(feed.papers).toHaveLength(1);
  return feed.papers[0]!;
}

describe("parseArxivRss: the day fixtures (Tue 30 Jun 2026)", () => {
  const parsed: Record<string, ParsedFeed> = {};
  beforeAll(() => {
    for (const category of DAY_CATEGORIES) parsed[category] = parseFixture(dayFixture(category));
  });

  it.each(DAY_CATEGORIES)("%s: every item parses, none skipped, channel dated 2026-06-30", (category) => {
    const feed = parsed[category]!;
    const itemsInFile = readFixture(dayFixture(category)).match(/<item>/g)?.length ?? 0;
    expect(itemsInFile).toBe(DAY_COUNTS[category]);
    expect(feed.skipped).toBe(0);
    expect(feed.papers).toHaveLength(DAY_COUNTS[category]!);
    expect(feed.date).toBe(DAY);
  });

  it.each(DAY_CATEGORIES)(
    "%s: each paper's id, version, categories, type, license, DOI and journal ref match its raw item",
    (category) => {
      const raw = rawItems(readFixture(dayFixture(category)));
      const papers = parsed[category]!.papers;
      expect(papers).toHaveLength(raw.length);
      papers.forEach((paper, i) => {
        const item = raw[i]!;
        // guid is oai:arXiv.org:IDvN; the paper keeps the versionless id and N.
        expect(item.guid).toBe(`oai:arXiv.org:${paper.id}v${paper.version}`);
        expect(paper.id).not.toMatch(/v\d+$/);
        expect(paper.categories).toEqual(item.categories);
        expect(paper.announceType).toBe(item.announceType);
        expect(paper.license).toBe(item.rights);
        expect(paper.doi).toBe(item.doi === undefined ? undefined : collapse(item.doi));
        expect(paper.journalRef).toBe(item.journalRef === undefined ? undefined : collapse(item.journalRef));
        expect(paper.title).toBe(collapse(item.title));
        expect(paper.announced).toBe(DAY);
      });
    },
  );

  it.each(DAY_CATEGORIES)("%s: every abstract is the whole description minus the arXiv/Announce Type prefix", (category) => {
    const raw = rawItems(readFixture(dayFixture(category)));
    parsed[category]!.papers.forEach((paper, i) => {
      expect(paper.abstract).toBe(rawAbstract(raw[i]!.description));
      expect(paper.abstract).not.toMatch(/^arXiv:|Announce Type:|^Abstract:/);
    });
  });

  it("keeps a multi-line abstract whole, line breaks included", () => {
    const paper = parsed["cs.AI"]!.papers.find((p) => p.id === "2606.29541")!;
    expect(paper.abstract.startsWith("Role-semantic assignments provide priors over how heterogeneous agents")).toBe(true);
    expect(paper.abstract).toContain("(Terran) environments.\n  We show that label-conditioned attention");
    expect(
      paper.abstract.endsWith(
        "in cooperative MARL rather than as a new equilibrium concept or causal explanation.",
      ),
    ).toBe(true);
    const raw = rawItems(readFixture(dayFixture("cs.AI"))).find((r) => r.guid.endsWith("2606.29541v1"))!;
    expect(raw.description.startsWith("arXiv:2606.29541v1 Announce Type: new \nAbstract: Role-semantic")).toBe(true);
    expect(paper.abstract).toBe(raw.description.slice(raw.description.indexOf("Abstract: ") + 10).trim());
  });

  it("decodes XML escapes in titles and abstracts (& < >)", () => {
    const ai = parsed["cs.AI"]!.papers;
    expect(ai.find((p) => p.id === "2606.19819")!.title).toBe(
      "CREDENCE: Claim Reduction for Decomposition & Enhanced Credibility -- Semantic Metrics and Convergence Analysis",
    );
    expect(ai.find((p) => p.id === "2606.30383")!.abstract).toContain("a sharp split (<=20% vs. 53.6-75.3%");
    expect(ai.find((p) => p.id === "2606.30192")!.abstract).toContain("state -> image observation");
  });

  it("reads the first cs.AI paper completely: id, version, title, authors, categories, type, date, license", () => {
    expect(parsed["cs.AI"]!.papers[0]).toEqual({
      id: "2606.30639",
      version: 1,
      title: "Self-Evolving World Models for LLM Agent Planning",
      abstract: expect.stringMatching(/^World models offer a principled way.*planning performance\.$/s),
      authors: ["Xuan Zhang", "Wenxuan Zhang", "See-Kiong Ng", "Yang Deng"],
      categories: ["cs.AI", "cs.CL"],
      announceType: "new",
      announced: "2026-06-30",
      license: "http://creativecommons.org/licenses/by-sa/4.0/",
    });
  });

  it("reads a replaced paper's version, DOI and journal reference", () => {
    const paper = parsed["cs.AI"]!.papers.find((p) => p.id === "2606.27005")!;
    expect(paper.version).toBe(4);
    expect(paper.announceType).toBe("replace");
    expect(paper.doi).toBe("10.2199/260627005");
    expect(paper.journalRef).toBe("Accepted at IEEE Research and Technologies for Society and Industry 2026 conference");
  });

  it("sees all four announce types in the cs.AI feed, in the file's proportions", () => {
    const counts: Record<string, number> = {};
    for (const p of parsed["cs.AI"]!.papers) counts[p.announceType] = (counts[p.announceType] ?? 0) + 1;
    expect(counts).toEqual({ new: 112, cross: 102, replace: 74, "replace-cross": 64 });
  });

  it("splits every author list exactly as dc:creator lists them, non-ASCII names intact", () => {
    for (const category of DAY_CATEGORIES) {
      const raw = rawItems(readFixture(dayFixture(category)));
      parsed[category]!.papers.forEach((paper, i) => {
        expect(paper.authors.length).toBeGreaterThan(0);
        expect(paper.authors.join(", ")).toBe(collapse(raw[i]!.creator ?? ""));
      });
    }
    expect(parsed["cs.AI"]!.papers.find((p) => p.id === "2606.30256")!.authors).toEqual(["Camilo Chacón Sartori"]);
  });

  it("keeps the primary category first, as the feed lists it (a cross-list's primary is another archive)", () => {
    const dc = parsed["cs.DC"]!.papers;
    expect(dc.map((p) => [p.id, p.announceType, p.categories])).toEqual([
      ["2606.29337", "cross", ["cs.CV", "cs.DC"]],
      ["2606.28516", "cross", ["cs.CV", "cs.DC"]],
    ]);
  });
});

describe("parseArxivRss: untouched real captures", () => {
  it("cs.AI 2026-04-27: 3 new papers, dated, licensed", () => {
    const feed = parseFixture("real/rss-cs.AI-2026-04-27-trimmed.xml");
    expect(feed.date).toBe("2026-04-27");
    expect(feed.skipped).toBe(0);
    expect(feed.papers.map((p) => [p.id, p.version, p.announceType, p.announced])).toEqual([
      ["2604.21935", 1, "new", "2026-04-27"],
      ["2604.21936", 1, "new", "2026-04-27"],
      ["2604.21937", 1, "new", "2026-04-27"],
    ]);
    expect(feed.papers[0]!.license).toBe("http://creativecommons.org/licenses/by/4.0/");
    expect(feed.papers[1]!.license).toBe("http://arxiv.org/licenses/nonexclusive-distrib/1.0/");
    expect(feed.papers[1]!.categories).toEqual(["cs.AI", "cs.CV", "cs.MA"]);
    expect(feed.papers[1]!.authors).toHaveLength(18);
    expect(feed.papers[1]!.abstract).toContain("\\textbf{adaptability}");
  });

  it("cs.LG+cs.AI+cs.CL+stat.ML 2026-09-24: old ids with versions, arxiv:DOI, cross and replace", () => {
    const feed = parseFixture("real/rss-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-trimmed.xml");
    expect(feed.date).toBe("2026-09-24");
    expect(feed.skipped).toBe(0);
    expect(feed.papers.map((p) => [p.id, p.version, p.announceType])).toEqual([
      ["2609.26811", 1, "new"],
      ["2609.26820", 1, "new"],
      ["2205.06398", 2, "cross"],
      ["2009.13987", 3, "replace"],
    ]);
    const outlier = feed.papers[2]!;
    expect(outlier.doi).toBe("10.1093/bioinformatics/btac431");
    expect(outlier.categories).toEqual(["stat.ME", "stat.AP", "stat.ML"]);
    expect(outlier.authors).toEqual(["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]);
    expect(outlier.license).toBe("http://creativecommons.org/licenses/by-sa/4.0/");
    expect(outlier.id).toBe("2205.06398");
    expect(feed.papers.filter((p) => p.doi !== undefined)).toHaveLength(1);
    expect(feed.papers[0]!.license).toBe("http://creativecommons.org/licenses/by-nc-sa/4.0/");
    expect(feed.papers[0]!.categories).toEqual(["cs.LG"]);
  });
});

describe("parseArxivRss: the 2,000-item feed", () => {
  let feed: ParsedFeed;
  beforeAll(() => {
    feed = parseFixture("rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml");
  });

  it("parses all 2,000 items, none skipped", () => {
    expect(feed.papers).toHaveLength(2000);
    expect(feed.skipped).toBe(0);
    expect(feed.date).toBe("2026-06-29");
    expect(new Set(feed.papers.map((p) => p.id)).size).toBe(2000);
  });

  it('splits an author list ending in ", and": the last author loses the "and"', () => {
    const paper = feed.papers.find((p) => p.authors.includes("Xu Jie"))!;
    expect(paper).toBeDefined();
    expect(paper.authors).toHaveLength(14);
    expect(paper.authors[0]).toBe("Ding Jinru");
    expect(paper.authors.at(-2)).toBe("Liu Meiling");
    expect(feed.papers.some((p) => p.authors.some((a) => /^and\s/.test(a)))).toBe(false);
  });
});

describe("parseArxivRssBytes: a feed's bytes, decoded only where they are not ASCII", () => {
  const bytes = readFileSync(new URL("../fixtures/arxiv/rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml", import.meta.url));

  it("reads arXiv's largest feed without decoding it whole, to the papers its text gives", () => {
    // The feed has characters of two, three and four bytes, in some of its items only.
    expect(bytes.some((b) => b >= 0x80)).toBe(true);
    const decode = vi.spyOn(TextDecoder.prototype, "decode");
    try {
      const outcome = parseArxivRssBytes(bytes);
      expect(decode).not.toHaveBeenCalled();
      expect(outcome).toStrictEqual(parseArxivRss(new TextDecoder().decode(bytes)));
    } finally {
      decode.mockRestore();
    }
  });

  it("decodes a feed whole when a byte that is not ASCII is outside its items", () => {
    const text = bytes.toString("utf8").replace("<title>", "<title>Caf\u00E9 ");
    const decode = vi.spyOn(TextDecoder.prototype, "decode");
    try {
      const outcome = expectFeed(parseArxivRssBytes(Buffer.from(text)));
      expect(decode).toHaveBeenCalledOnce();
      expect(outcome.papers).toHaveLength(2000);
    } finally {
      decode.mockRestore();
    }
  });
});

describe("parseArxivRss: what is not a normal feed", () => {
  it("a weekend feed with no items is a feed with 0 papers", () => {
    const outcome = expectFeed(parseArxivRss(readFixture("rss-empty-weekend-cs.CL.xml")));
    expect(outcome.papers).toEqual([]);
    expect(outcome.skipped).toBe(0);
    expect(outcome.date).toBe("2026-06-27");
  });

  it("arXiv's 400 body for an unknown category is unknown-category, with arXiv's message", () => {
    const outcome = parseArxivRss(readFixture("rss-feed-error-400-cs.FOO.xml"));
    expect(outcome.kind).toBe("unknown-category");
    if (outcome.kind === "unknown-category") expect(outcome.message).toContain("cs.FOO");
  });

  it("a day fixture cut in half is malformed", () => {
    const xml = readFixture(dayFixture("cs.AI"));
    expect(parseArxivRss(xml.slice(0, Math.floor(xml.length / 2))).kind).toBe("malformed");
  });

  it("an HTML error page is malformed (whether or not it is well-formed XML)", () => {
    const html = "<!DOCTYPE html><html><head><title>arXiv</title></head><body><p>Service unavailable<br></p></body></html>";
    expect(parseArxivRss(html).kind).toBe("malformed");
    const xhtml = "<html><head><title>arXiv</title></head><body><p>Service unavailable</p></body></html>";
    expect(parseArxivRss(xhtml).kind).toBe("malformed");
  });

  it("an empty body or plain text is malformed", () => {
    expect(parseArxivRss("").kind).toBe("malformed");
    expect(parseArxivRss("Service Unavailable").kind).toBe("malformed");
  });
});

describe("parseArxivRss: synthetic items", () => {
  it("keeps an id with a trailing zero as text: 2501.00010 stays 2501.00010", () => {
    const paper = onlyPaper(syntheticFeed([syntheticItem("2501.00010v1")]));
    expect(paper.id).toBe("2501.00010");
    expect(arxivLinks(paper.id).abs).toBe("https://arxiv.org/abs/2501.00010");
  });

  it('keeps a title "0" as the text "0", and number-like titles as written ("1.10", "2501.00010")', () => {
    expect(onlyPaper(syntheticFeed([syntheticItem("2501.00011v1", { title: "0" })])).title).toBe("0");
    expect(onlyPaper(syntheticFeed([syntheticItem("2501.00013v1", { title: "1.10" })])).title).toBe("1.10");
    expect(onlyPaper(syntheticFeed([syntheticItem("2501.00014v1", { title: "2501.00010" })])).title).toBe("2501.00010");
  });

  it("reads an old-style id hep-th/9901001v2 as id hep-th/9901001, version 2", () => {
    const paper = onlyPaper(syntheticFeed([syntheticItem("hep-th/9901001v2", { announceType: "replace", categories: ["hep-th"] })]));
    expect(paper.id).toBe("hep-th/9901001");
    expect(paper.version).toBe(2);
    expect(paper.announceType).toBe("replace");
    expect(arxivLinks(paper.id)).toEqual({
      abs: "https://arxiv.org/abs/hep-th/9901001",
      pdf: "https://arxiv.org/pdf/hep-th/9901001",
      html: "https://arxiv.org/html/hep-th/9901001",
      bibtex: "https://arxiv.org/bibtex/hep-th/9901001",
    });
  });

  it("reads two-digit versions (v12)", () => {
    expect(onlyPaper(syntheticFeed([syntheticItem("2501.00012v12")])).version).toBe(12);
  });

  it("reads every announce type: new, cross, replace, replace-cross", () => {
    const types = ["new", "cross", "replace", "replace-cross"];
    const feed = expectFeed(
      parseArxivRss(syntheticFeed(types.map((t, i) => syntheticItem(`2501.0002${i}v1`, { announceType: t })))),
    );
    expect(feed.papers.map((p) => p.announceType)).toEqual(types);
  });

  it("a single <category> still gives a one-element list", () => {
    expect(onlyPaper(syntheticFeed([syntheticItem("2501.00030v1", { categories: ["cs.LG"] })])).categories).toEqual(["cs.LG"]);
  });

  it("removes XML-illegal control characters from title, abstract and authors", () => {
    const xml = syntheticFeed([
      syntheticItem("2501.00040v1", {
        title: "Robust\u0001 Agents\u000B for\u001F Everyone",
        description: "arXiv:2501.00040v1 Announce Type: new \nAbstract: We\u0002 study\u0008 agents.",
        creator: "Ada\u0003 Lovelace, Alan Turing",
      }),
    ]);
    const paper = onlyPaper(xml);
    expect(paper.title).toBe("Robust Agents for Everyone");
    expect(paper.abstract).toBe("We study agents.");
    expect(paper.authors).toEqual(["Ada Lovelace", "Alan Turing"]);
    expect(XML_ILLEGAL.test(JSON.stringify(paper))).toBe(false);
  });

  it("collapses a title wrapped over several lines into one line", () => {
    const paper = onlyPaper(syntheticFeed([syntheticItem("2501.00050v1", { title: "A Long Title\n      Wrapped Over   Lines" })]));
    expect(paper.title).toBe("A Long Title Wrapped Over Lines");
  });

  it("decodes numeric character references in titles (&#233; → é, &#x26; → &)", () => {
    const item = syntheticItem("2501.00060v1").replace(
      /<title>[^<]*<\/title>/,
      "<title>Caf&#233; Agents &#x26; Friends</title>",
    );
    expect(onlyPaper(syntheticFeed([item])).title).toBe("Café Agents & Friends");
  });

  it("falls back to the id in the description when the guid is missing", () => {
    const paper = onlyPaper(syntheticFeed([syntheticItem("2501.00070v3", {}, ["guid"])]));
    expect(paper.id).toBe("2501.00070");
    expect(paper.version).toBe(3);
  });

  it("skips and counts items missing required parts, keeping the good ones", () => {
    const items = [
      syntheticItem("2501.00100v1"),
      syntheticItem("2501.00101v1", {}, ["pubDate"]),
      syntheticItem("2501.00102v1", {}, ["categories"]),
      syntheticItem("2501.00103v1", {}, ["title"]),
      syntheticItem("2501.00104v1", {}, ["description"]),
      syntheticItem("2501.00105v1", { title: "   " }),
      syntheticItem("2501.00106v1", { announceType: "withdrawn", description: "arXiv:2501.00106v1 Announce Type: withdrawn \nAbstract: x" }),
      syntheticItem("nonsense", { guid: "oai:arXiv.org:nonsense", description: "No id here at all." }),
      syntheticItem("2501.00107v1"),
    ];
    const feed = expectFeed(parseArxivRss(syntheticFeed(items)));
    expect(feed.papers.map((p) => p.id)).toEqual(["2501.00100", "2501.00107"]);
    expect(feed.skipped).toBe(7);
  });
});

describe("splitAuthors", () => {
  it("splits a comma list", () => {
    expect(splitAuthors("Michael Cooper, Samuel Cooper")).toEqual(["Michael Cooper", "Samuel Cooper"]);
  });

  it('drops the "and" of a final ", and"', () => {
    expect(splitAuthors("Alice Smith, Bob Jones, and Carol White")).toEqual(["Alice Smith", "Bob Jones", "Carol White"]);
  });

  it('splits two authors joined by "and"', () => {
    expect(splitAuthors("Alice Smith and Bob Jones")).toEqual(["Alice Smith", "Bob Jones"]);
  });

  it('splits "A, B and C" (no Oxford comma)', () => {
    expect(splitAuthors("Alice Smith, Bob Jones and Carol White")).toEqual(["Alice Smith", "Bob Jones", "Carol White"]);
  });

  it("collapses line breaks and runs of spaces inside names", () => {
    expect(splitAuthors("  Alice\n   Smith ,\tBob  Jones ")).toEqual(["Alice Smith", "Bob Jones"]);
  });

  it("an empty dc:creator gives no authors", () => {
    expect(splitAuthors("")).toEqual([]);
  });

  it("turns TeX accents into letters (Mour\\~ao → Mourão), composed (NFC)", () => {
    const authors = splitAuthors(
      "Jo\\~ao Mour\\~ao, Kurt G\\\"odel, Paul Erd\\H{o}s, Fran\\c{c}ois Chollet, Jos{\\'e}, M\\\"{u}ller, {\\'E}mile Borel, and Al\\'{\\i}",
    );
    expect(authors).toEqual(["João Mourão", "Kurt Gödel", "Paul Erdős", "François Chollet", "José", "Müller", "Émile Borel", "Alí"]);
    expect(authors[0]).toBe("Jo\u00e3o Mour\u00e3o");
    expect(authors.every((a) => a === a.normalize("NFC"))).toBe(true);
  });

  it("keeps the space after a name ending in a TeX accent: Andr\\'e Martins → André Martins", () => {
    expect(splitAuthors("Andr\\'e Martins, Ren\\'e Vidal")).toEqual(["André Martins", "René Vidal"]);
  });

  it("turns braced TeX letters inside a name into letters: Bj{\\o}rn → Bjørn, {\\L}ukasz → Łukasz, Stra{\\ss}er → Straßer", () => {
    expect(splitAuthors("S{\\o}ren Hauberg, {\\L}ukasz Kaiser, Anna Stra{\\ss}er")).toEqual([
      "Søren Hauberg",
      "Łukasz Kaiser",
      "Anna Straßer",
    ]);
  });
});

describe("parseRfc822Date", () => {
  it("reads the day as arXiv wrote it (US Eastern)", () => {
    expect(parseRfc822Date("Mon, 30 Feb 2026 00:00:00 -0500")).toBeUndefined();
    expect(parseRfc822Date("Tue, 30 Jun 2026 00:00:00 -0400")).toBe("2026-06-30");
    expect(parseRfc822Date("Mon, 27 Apr 2026 00:00:00 -0400")).toBe("2026-04-27");
    expect(parseRfc822Date("Thu, 15 Jan 2026 00:00:00 -0500")).toBe("2026-01-15");
  });

  it("pads a one-digit day", () => {
    expect(parseRfc822Date("Wed, 1 Jul 2026 00:00:00 -0400")).toBe("2026-07-01");
  });

  it("rejects missing or unreadable dates", () => {
    expect(parseRfc822Date(undefined)).toBeUndefined();
    expect(parseRfc822Date("")).toBeUndefined();
    expect(parseRfc822Date("yesterday")).toBeUndefined();
    expect(parseRfc822Date("Tue, 30 Foo 2026 00:00:00 -0400")).toBeUndefined();
    expect(parseRfc822Date("Tue, 0 Jun 2026 00:00:00 -0400")).toBeUndefined();
  });
});
