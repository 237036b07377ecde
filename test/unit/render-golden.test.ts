// The feed renderers (lib/render/) write exactly the bytes they wrote before they were made lean
// (test/helpers/render-reference.ts is that renderer, kept as it was): every fixture day, real and hostile,
// in several profiles, with real and hostile AI summaries, over days on both sides of a DST change, in RSS,
// Atom and JSON Feed; and feeds of arbitrary text in every field of every paper, match and summary.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { Feed as PackageFeed } from "feed";
import { describe, expect, it, vi } from "vitest";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { getConfig, parseConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import type { FeedLinks } from "../../lib/render/document";
import { compactJson } from "../../lib/render/feeds";
import { FORMATS } from "../../lib/render/formats";
import { ANNOUNCE_TYPES, type AnnouncementDay, type Feed, type FeedEntry, type Paper, type SummaryRecord } from "../../lib/types";
import { cleanLine, cleanText } from "../../lib/text";
import { parseFixture } from "../helpers/fixtures";
import { hostilePaper, hostileString, hostileSummary } from "../helpers/hostile";
import * as reference from "../helpers/render-reference";

// `npm run test:fuzz` (FUZZ_RUNS=2000) renders many more random feeds, and every fixture in every profile.
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const PROPERTY_TIMEOUT = 20_000 + RUNS * 100;
const EVERY_PROFILE = RUNS >= 1000;
const FEED_FORMATS = ["rss", "atom", "json"] as const;

const FIXTURE_FILES = [
  ...readdirSync(new URL("../fixtures/arxiv/day/", import.meta.url)).map((f) => `day/${f}`),
  ...readdirSync(new URL("../fixtures/arxiv/real/", import.meta.url)).map((f) => `real/${f}`),
  "hostile/rss-cs.CR.xml",
  "rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml",
].filter((f) => f.endsWith(".xml"));
/** Day fixtures whose papers are all in the union's day fixture, which is rendered unranked (every paper). */
const IN_UNION = new Set(["day/rss-cs.AI.xml", "day/rss-cs.CL.xml", "day/rss-cs.DC.xml", "day/rss-cs.LG.xml"]);

const SUMMARY_FILES = readdirSync(new URL("../fixtures/summaries/", import.meta.url)).filter((f) => f.endsWith(".md"));
const SUMMARIES = SUMMARY_FILES.map((f) => readFileSync(new URL(`../fixtures/summaries/${f}`, import.meta.url), "utf8"));
/** Summaries that make Markdown emit what the XML strip exists for, and that try to break out of their block. */
const HOSTILE_MARKDOWN = [
  "Form feed &#12; entity, <https://x.example/%01%0C%EF%BF%BE> autolink, [a](https://x.example/%0B) link",
  "]]> ]]]]> <![CDATA[ </content:encoded></item><item> <script>alert(1)</script> [x](javascript:alert(1))",
  "\u202Ebidi\u202C \u0000nul \uD800 lone \uFFFE \r\n crlf ![pixel](https://evil.example/p.png) https://linkify.example/a&b",
];
const MODELS = ["qwen-long", "gpt-4o-mini <preview> & co", "m]]>odel \u202E"];

const config = getConfig();
const LINKS: FeedLinks = {
  rss: "https://feeds.example.test/rss/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
  atom: "https://feeds.example.test/atom/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
  json: "https://feeds.example.test/json/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
  html: "https://feeds.example.test/cs.AI+cs.LG?keywords=LLM,agent^2&types=all",
};
const PLAIN_LINKS: FeedLinks = {
  rss: "https://feeds.example.test/rss",
  atom: "https://feeds.example.test/atom",
  json: "https://feeds.example.test/json",
  html: "https://feeds.example.test/",
};
const NOW = Date.parse("2026-11-02T16:00:00Z");

/**
 * The profiles a fixture is rendered in, with or without summaries on each day's top papers: the configured
 * one, a personal one, and every paper unranked (so every paper of every fixture is rendered).
 */
const QUERIES: [query: string, summaries: boolean][] = [
  ["", false],
  ["keywords=LLM,agent^2,diffusion,network&exclude=survey&types=all&limit=40", true],
  ["keywords=&exclude=&types=all&limit=500", true],
];

/** A fixture's papers over three announcement days: its own, and the days before and after the end of DST. */
function daysOf(papers: readonly Paper[]): AnnouncementDay<Paper>[] {
  const own = papers[0]?.announced ?? "2026-06-30";
  const third = Math.ceil(papers.length / 3);
  const on = (date: string, part: readonly Paper[]) => part.map((p) => ({ ...p, announced: date }));
  return [
    { date: "2026-11-02", papers: on("2026-11-02", papers.slice(2 * third)) },
    { date: "2026-10-30", papers: on("2026-10-30", papers.slice(third, 2 * third)) },
    { date: own, papers: papers.slice(0, third) },
  ].sort((a, b) => (a.date < b.date ? 1 : -1));
}

function fixtureFeed(file: string, query: string, summaries: boolean): Feed {
  const papers = parseFixture(file).papers;
  const snapshot: CategorySnapshot = {
    category: "cs.AI",
    version: file,
    days: daysOf(papers),
    changedAt: Date.parse("2026-11-02T08:00:00Z"),
    nextCheckAt: NOW + 3_600_000,
  };
  const params = parseFeedParams(["cs.AI+cs.LG"], new URLSearchParams(query), config);
  const feed = buildFeed({ ...params, profile: { ...params.profile, limit: Math.min(params.profile.limit, 2000) } }, [snapshot], { daysBack: 5, now: NOW });
  if (!summaries) return feed;
  // The top papers of each day get a summary, as the cron makes them: real ones, and some hostile.
  let n = 0;
  const summaryOf = (): SummaryRecord => {
    const i = n++;
    const markdown = i % 5 === 4 ? HOSTILE_MARKDOWN[i % HOSTILE_MARKDOWN.length]! : SUMMARIES[i % SUMMARIES.length]!;
    // Some summaries arrive after their paper's announcement (so the item's updated date is theirs), some before.
    const createdAt = new Date(Date.parse("2026-10-29T12:00:00Z") + i * 7_200_000).toISOString();
    return { markdown, model: MODELS[i % MODELS.length]!, sourceUsed: i % 2 ? "fulltext" : "abstract", createdAt, ...(i % 3 ? {} : { truncated: true }) };
  };
  return { ...feed, days: feed.days.map((d) => ({ ...d, papers: d.papers.map((e, i) => (i < 15 ? { ...e, summary: summaryOf() } : e)) })) };
}

function expectSameRender(feed: Feed, links: FeedLinks): void {
  for (const format of FEED_FORMATS) {
    const got = FORMATS[format].render(feed, links, config.profile);
    const want = reference.renderFeed(format, feed, links, config.profile);
    if (got !== want) {
      let at = 0;
      while (at < got.length && got[at] === want[at]) at++;
      expect(JSON.stringify(got.slice(Math.max(0, at - 120), at + 120)), `${format}: first difference at ${at}`).toBe(
        JSON.stringify(want.slice(Math.max(0, at - 120), at + 120)),
      );
    }
    expect(got.length, format).toBe(want.length);
    // What a response sends: the same text as UTF-8.
    expect(Buffer.from(FORMATS[format].bytes(feed, links, config.profile)).equals(Buffer.from(want, "utf8")), `${format} as bytes`).toBe(true);
  }
}

describe("every fixture renders to the same bytes as before", () => {
  for (const file of FIXTURE_FILES) {
    it(file, () => {
      const queries = EVERY_PROFILE || !IN_UNION.has(file) ? QUERIES : QUERIES.slice(0, 2);
      for (const [query, summaries] of queries) expectSameRender(fixtureFeed(file, query, summaries), query ? LINKS : PLAIN_LINKS);
    });
  }

  it("an empty feed (a weekend) and a one-paper feed", () => {
    const feed = fixtureFeed("day/rss-cs.AI.xml", QUERIES[2]![0], false);
    expectSameRender({ ...feed, days: [] }, LINKS);
    expectSameRender({ ...feed, days: [{ date: "2026-06-30", papers: feed.days[0]!.papers.slice(0, 1) }] }, LINKS);
  });

  it("a feed of only custom and configured titles: every feedTitle and feedDescription branch", () => {
    const feed = fixtureFeed("day/rss-cs.CL.xml", "", true);
    const base = { ...feed, days: feed.days.map((d) => ({ ...d, papers: d.papers.slice(0, 3) })) };
    for (const query of ["keywords=a,b,c,d,e,f&limit=3", "keywords=&limit=3", "limit=3", "types=all&min_score=1"]) {
      const params = parseFeedParams(["cs.CL+cs.AI"], new URLSearchParams(query), config);
      expectSameRender({ ...base, params }, LINKS);
    }
  });
});

/** A day in 1995–2045: any of them may hold a DST change, which the announcement instant must get right. */
const isoDay = fc.date({ min: new Date("1995-01-01T00:00:00Z"), max: new Date("2045-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

const arbitraryEntry = (id: string, announced: string): fc.Arbitrary<FeedEntry> =>
  fc
    .record({
      paper: hostilePaper(id),
      score: fc.oneof(fc.integer({ min: -3, max: 50 }), fc.double({ min: -10, max: 100, noNaN: true })),
      titleScore: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.double({ min: 0, max: 10, noNaN: true })),
      matches: fc.array(
        fc.record({ term: hostileString, weight: fc.oneof(fc.constant(1), fc.integer({ min: -5, max: 5 }), fc.double({ min: -5, max: 5, noNaN: true })), inTitle: fc.boolean(), inAbstract: fc.boolean() }),
        { maxLength: 4 },
      ),
      summary: fc.option(
        fc.tuple(hostileSummary, fc.date({ min: new Date("1995-01-01T00:00:00Z"), max: new Date("2045-12-31T00:00:00Z"), noInvalidDate: true })).map(
          ([s, at]): SummaryRecord => ({ ...s, createdAt: at.toISOString() }),
        ),
        { nil: undefined },
      ),
    })
    .map(({ paper, summary, ...rest }): FeedEntry => ({ ...rest, paper: { ...paper, announced }, ...(summary ? { summary } : {}) }));

/** A feed of one to three days of up to two hostile papers each, with a hostile profile (its terms are in the title and description). */
const arbitraryFeed: fc.Arbitrary<Feed> = fc
  .record({
    dates: fc.uniqueArray(isoDay, { minLength: 1, maxLength: 3 }),
    sizes: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
    keywords: fc.array(fc.record({ term: hostileString, weight: fc.integer({ min: -3, max: 5 }) }), { maxLength: 14 }),
    categories: fc.uniqueArray(fc.constantFrom("cs.AI", "cs.LG", "stat.ML", "math.OC", "hep-th"), { minLength: 1, maxLength: 3 }),
    custom: fc.boolean(),
    limit: fc.integer({ min: 1, max: 500 }),
    updatedAt: fc.integer({ min: Date.parse("1995-01-01T00:00:00Z"), max: Date.parse("2045-12-31T00:00:00Z") }),
  })
  .chain(({ dates, sizes, keywords, categories, custom, limit, updatedAt }) => {
    const sorted = [...dates].sort().reverse();
    let next = 0;
    const days = sorted.map((date, d) => {
      const ids = Array.from({ length: sizes[d]! }, () => `2606.${String(40000 + next++)}`);
      return fc.tuple(...ids.map((id) => arbitraryEntry(id, date))).map((papers) => ({ date, papers }));
    });
    return fc.tuple(...days).map((ds): Feed => {
      const params = parseFeedParams([categories.join("+")], new URLSearchParams(), parseConfig({ categories }));
      return {
        params: { ...params, custom, profile: { ...params.profile, keywords, limit, announceTypes: [...ANNOUNCE_TYPES] } },
        days: ds,
        updatedAt,
        freshUntil: updatedAt + 3_600_000,
        warnings: [],
        problems: [],
        version: "arbitrary",
      };
    });
  });

describe("arbitrary feeds render to the same bytes as before", { timeout: PROPERTY_TIMEOUT }, () => {
  it("RSS, Atom and JSON Feed, with arbitrary text in every field", () => {
    fc.assert(
      fc.property(arbitraryFeed, fc.boolean(), (feed, plain) => {
        expectSameRender(feed, plain ? PLAIN_LINKS : LINKS);
      }),
      { numRuns: RUNS },
    );
  });

  it("the same papers again in another ranking, with other summaries: from the items written the first time", () => {
    fc.assert(
      fc.property(arbitraryFeed, arbitraryFeed, fc.boolean(), (feed, other, plain) => {
        expectSameRender(feed, LINKS);
        // Each of feed's papers with another's ranking and summary (or none), in another order.
        const others = other.days.flatMap((d) => d.papers);
        const entries = feed.days.flatMap((d) => d.papers);
        const reranked = entries.map((e, i): FeedEntry => {
          const o = others[i % Math.max(1, others.length)];
          const { summary, ...rest } = o ? { ...e, score: o.score, titleScore: o.titleScore, matches: o.matches, summary: i % 2 ? e.summary : o.summary } : e;
          return summary ? { ...rest, summary } : rest;
        });
        const again = { ...other, days: [{ date: feed.days[0]!.date, papers: reranked.reverse() }] };
        expectSameRender(again, plain ? PLAIN_LINKS : LINKS);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("items written once serve every feed and ranking of their papers", () => {
  it("a fixture's papers, ranked by each profile in turn, with and without summaries, then the first again", () => {
    for (const file of ["day/rss-cs.LG.xml", "hostile/rss-cs.CR.xml", "real/rss-cs.AI-2026-04-27-trimmed.xml"].filter((f) => FIXTURE_FILES.includes(f))) {
      const sequence = [...QUERIES, QUERIES[0]!, [QUERIES[1]![0], false] as [string, boolean]];
      const feeds = sequence.map(([query, summaries]) => fixtureFeed(file, query, summaries));
      // fixtureFeed makes new paper objects for two of the three days: make them the same objects throughout.
      const first = new Map(feeds[2]!.days.flatMap((d) => d.papers.map((e) => [`${e.paper.id}@${d.date}`, e.paper])));
      for (const [i, feed] of feeds.entries()) {
        const shared = { ...feed, days: feed.days.map((d) => ({ ...d, papers: d.papers.map((e) => ({ ...e, paper: first.get(`${e.paper.id}@${d.date}`) ?? e.paper })) })) };
        expectSameRender(shared, i % 2 ? LINKS : PLAIN_LINKS);
      }
    }
  });

  it("has the package write only the frame's one item for a feed of papers it wrote before, whatever their ranking", () => {
    const feed = fixtureFeed("day/rss-cs.CL.xml", QUERIES[1]![0], true);
    const reranked = { ...feed, days: feed.days.map((d) => ({ ...d, papers: d.papers.map((e) => ({ ...e, score: e.score + 1, matches: e.matches.slice(1) })) })) };
    const items = feed.days.reduce((n, d) => n + d.papers.length, 0);
    const added = vi.spyOn(PackageFeed.prototype, "addItem");
    try {
      for (const format of FEED_FORMATS) {
        added.mockClear();
        FORMATS[format].render(feed, LINKS, config.profile);
        expect(added.mock.calls.length, `${format}, first`).toBeLessThanOrEqual(items);
        const want = reference.renderFeed(format, reranked, LINKS, config.profile);
        added.mockClear();
        expect(FORMATS[format].render(reranked, LINKS, config.profile)).toBe(want);
        expect(added, `${format}, again`).toHaveBeenCalledTimes(1);
      }
    } finally {
      added.mockRestore();
    }
  });
});

describe("items written once serve the same paper as another object", () => {
  /** feed with each paper made by `change` (a copy), the rest of each entry as it is. */
  const withPapers = (feed: Feed, change: (paper: Paper, i: number) => Paper): Feed => {
    let i = 0;
    return { ...feed, days: feed.days.map((d) => ({ ...d, papers: d.papers.map((e) => ({ ...e, paper: change(e.paper, i++) })) })) };
  };

  it("takes a paper equal in every field, as the store reads it back, for the one it wrote", () => {
    const feed = fixtureFeed("day/rss-cs.CL.xml", QUERIES[1]![0], true);
    const copies = withPapers(feed, (paper) => structuredClone(paper));
    const added = vi.spyOn(PackageFeed.prototype, "addItem");
    try {
      for (const format of FEED_FORMATS) {
        FORMATS[format].render(feed, LINKS, config.profile);
        const want = reference.renderFeed(format, copies, LINKS, config.profile);
        added.mockClear();
        expect(FORMATS[format].render(copies, LINKS, config.profile)).toBe(want);
        // The frame's own item: every paper's was written before.
        expect(added, format).toHaveBeenCalledTimes(1);
      }
    } finally {
      added.mockRestore();
    }
  });

  it("writes its own item for a paper changed in any field, under the same id, version, type and day", () => {
    const changes: [string, (p: Paper) => Paper][] = [
      ["title", (p) => ({ ...p, title: `${p.title} (revised)` })],
      ["abstract", (p) => ({ ...p, abstract: `${p.abstract} And more.` })],
      ["one more author", (p) => ({ ...p, authors: [...p.authors, "A. Newcomer"] })],
      ["an author renamed", (p) => ({ ...p, authors: ["A. Renamed", ...p.authors.slice(1)] })],
      ["one more category", (p) => ({ ...p, categories: [...p.categories, "math.CO"] })],
      ["a license", (p) => ({ ...p, license: "http://creativecommons.org/publicdomain/zero/1.0/" })],
      ["a DOI", (p) => ({ ...p, doi: "10.1234/changed.5678" })],
      ["a journal reference", (p) => ({ ...p, journalRef: "J. Changed 12 (2026) 34-56" })],
      ["no license", ({ license: _, ...p }) => p],
    ];
    const feed = fixtureFeed("day/rss-cs.LG.xml", QUERIES[0]![0], false);
    for (const [what, change] of changes) {
      // Every third paper changed, the others copies.
      const changed = withPapers(feed, (paper, i) => (i % 3 === 0 ? change(paper) : { ...paper }));
      for (const format of FEED_FORMATS) {
        FORMATS[format].render(feed, LINKS, config.profile);
        expect(FORMATS[format].render(changed, LINKS, config.profile), `${what}, ${format}`).toBe(reference.renderFeed(format, changed, LINKS, config.profile));
      }
    }
  });
});

describe("compactJson", { timeout: PROPERTY_TIMEOUT }, () => {
  it("writes any JSON value the package indented as JSON.stringify writes it compact", () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '\\"', '": ', "\n", "a\\", "\u2028"));
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: "small" }, fc.jsonValue(), hostileString, fc.array(tie("any")), fc.dictionary(key, tie("any"))),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        expect(compactJson(JSON.stringify(v, null, 4))).toBe(JSON.stringify(v));
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe("cleanText and cleanLine", { timeout: PROPERTY_TIMEOUT }, () => {
  it("clean any text as they did before they skipped clean text", () => {
    const space = fc.constantFrom(" ", "  ", "\t", "\n", "\r", "\r\n", "\u00A0", "\u2028", "\u3000", "\uFEFF", "\u200B", "\uDB40\uDC01", "\uD83D\uDE00");
    const text = fc.oneof(
      hostileString,
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
      fc.array(fc.oneof(space, fc.string({ unit: "grapheme-ascii", maxLength: 3 })), { maxLength: 8 }).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(cleanText(s)).toBe(reference.cleanText(s));
        expect(cleanLine(s)).toBe(reference.cleanLine(s));
      }),
      { numRuns: RUNS * 20 },
    );
  });
});
