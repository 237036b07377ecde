// What arXiv sends is checked, not trusted: a feed must be the category asked for, no larger than arXiv
// ever makes one, and no single item can bloat the cache. And what is kept is split into bounded parts.
import { describe, expect, it } from "vitest";
import { checkFeedIsFor, type FetchOutcome } from "../../lib/arxiv/fetch";
import { MAX_FEED_ITEMS, parseArxivRss } from "../../lib/arxiv/parse";
import { splitIntoParts } from "../../lib/arxiv/source";
import { parseConfig } from "../../lib/config";
import { parseFeedParams } from "../../lib/params";
import type { AnnouncementDay, Paper } from "../../lib/types";
import { catchAppError, makePaper, parseFixture, readFixture, syntheticFeed, syntheticItem, dayFixture } from "../helpers/fixtures";

type Feed = Extract<FetchOutcome, { kind: "feed" }> & { channelCategories?: string[] };

function feedOf(xml: string): Feed {
  const outcome = parseArxivRss(xml);
  if (outcome.kind !== "feed") throw new Error(`expected a feed, got ${outcome.kind}`);
  return outcome;
}

function withChannel(xml: string, category: string): string {
  return xml
    .replace(/<title>[^<]*updates on arXiv\.org<\/title>/, `<title>${category} updates on arXiv.org</title>`)
    .replace(/<link>http:\/\/rss\.arxiv\.org\/rss\/[^<]*<\/link>/, `<link>http://rss.arxiv.org/rss/${category}</link>`);
}

describe("a feed must be the one asked for", () => {
  it("reads the categories a channel names, from its link or its title", () => {
    expect(feedOf(readFixture(dayFixture("cs.AI+cs.CL+cs.DC+cs.LG"))).channelCategories).toEqual(["cs.AI", "cs.CL", "cs.DC", "cs.LG"]);
    const titleOnly = syntheticFeed([syntheticItem("2606.00001v1")]).replace(/\s*<link>[^<]*<\/link>/, "");
    expect(feedOf(titleOnly).channelCategories).toEqual(["cs.AI"]);
  });

  it.each(["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG"])("arXiv's own %s day passes whole", (category) => {
    const feed = feedOf(readFixture(dayFixture(category)));
    const checked = checkFeedIsFor([category], feed);
    expect(checked).toMatchObject({ kind: "feed", skipped: 0 });
    expect((checked as Feed).papers).toHaveLength(feed.papers.length);
    expect(checked).not.toHaveProperty("channelCategories");
  });

  it("another category's feed under this category's URL is a wrong-feed fault", () => {
    const checked = checkFeedIsFor(["cs.DC"], feedOf(readFixture(dayFixture("cs.CV"))));
    expect(checked).toMatchObject({ kind: "unavailable", reason: "wrong-feed" });
    expect((checked as { message: string }).message).toBe("arXiv sent the feed of cs.CV for cs.DC");
  });

  it("a union feed must name exactly the union asked for, in any order", () => {
    const union = feedOf(readFixture(dayFixture("cs.AI+cs.CL+cs.DC+cs.LG")));
    expect(checkFeedIsFor(["cs.LG", "cs.DC", "cs.CL", "cs.AI"], union).kind).toBe("feed");
    expect(checkFeedIsFor(["cs.AI", "cs.CL"], union)).toMatchObject({ kind: "unavailable", reason: "wrong-feed" });
  });

  it("a channel that names the right category but carries another's papers is a fault too", () => {
    const cv = readFixture(dayFixture("cs.CV"));
    const checked = checkFeedIsFor(["cs.DC"], feedOf(withChannel(cv, "cs.DC")));
    expect(checked).toMatchObject({ kind: "unavailable", reason: "wrong-feed" });
    expect((checked as { message: string }).message).toMatch(/^\d+ of the feed's 426 papers are not in cs\.DC$/);
  });

  it("the odd paper of no asked category is dropped and counted, the rest kept", () => {
    const items = [
      syntheticItem("2606.00001v1", { categories: ["cs.AI"] }),
      syntheticItem("2606.00002v1", { categories: ["math.CO", "cs.AI"] }),
      syntheticItem("2606.00003v1", { categories: ["hep-th"] }),
    ];
    const checked = checkFeedIsFor(["cs.AI"], feedOf(syntheticFeed(items)));
    expect(checked).toMatchObject({ kind: "feed", skipped: 1 });
    expect((checked as Feed).papers.map((p) => p.id)).toEqual(["2606.00001", "2606.00002"]);
  });

  it("an archive covers its categories: math holds math.CO", () => {
    const xml = withChannel(syntheticFeed([syntheticItem("2606.00001v1", { categories: ["math.CO"] })]), "math");
    expect(checkFeedIsFor(["math"], feedOf(xml))).toMatchObject({ kind: "feed", skipped: 0 });
  });

  it("a channel that names no category is judged by its items alone", () => {
    const xml = syntheticFeed([syntheticItem("2606.00001v1")]).replace(/<title>[^<]*<\/title>/, "<title>Papers</title>").replace(/\s*<link>[^<]*<\/link>/, "");
    expect(checkFeedIsFor(["cs.AI"], feedOf(xml)).kind).toBe("feed");
    expect(checkFeedIsFor(["cs.DC"], feedOf(xml))).toMatchObject({ kind: "unavailable", reason: "wrong-feed" });
  });
});

describe("bounded by what arXiv ever sends", () => {
  it(`arXiv's largest feed (${MAX_FEED_ITEMS} items) is read; one item more is malformed`, () => {
    expect(parseFixture("rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml").papers).toHaveLength(MAX_FEED_ITEMS);
    const items = Array.from({ length: MAX_FEED_ITEMS + 1 }, (_, i) => syntheticItem(`2606.${String(10000 + i)}v1`));
    const outcome = parseArxivRss(syntheticFeed(items));
    expect(outcome).toEqual({ kind: "malformed", message: `${MAX_FEED_ITEMS + 1} items, more than arXiv ever sends (${MAX_FEED_ITEMS})` });
  });

  it("a megabyte abstract, a huge title and ten thousand authors are cut to sane sizes", () => {
    const xml = syntheticFeed([
      syntheticItem("2606.00001v1", {
        title: "T".repeat(50_000),
        description: `arXiv:2606.00001v1 Announce Type: new \nAbstract: ${"word ".repeat(200_000)}`,
        creator: Array.from({ length: 10_000 }, (_, i) => `Author ${i}`).join(", "),
      }),
    ]);
    const [paper] = feedOf(xml).papers;
    expect(paper!.title.length).toBeLessThanOrEqual(1000);
    expect(paper!.title.endsWith("…")).toBe(true);
    expect(paper!.abstract.length).toBeLessThanOrEqual(10_000);
    expect(paper!.abstract.endsWith("…")).toBe(true);
    expect(paper!.authors).toHaveLength(1000);
    expect(paper!.authors[999]).toBe("Author 999");
  });

  it("a cut never splits a character made of two UTF-16 units", () => {
    const [paper] = feedOf(syntheticFeed([syntheticItem("2606.00001v1", { title: "𝔸".repeat(2000) })])).papers;
    expect(paper!.title.endsWith("…")).toBe(true);
    expect(paper!.title).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe("splitIntoParts: stored values stay small however large a feed", () => {
  const days = (sizes: number[], abstract = "x".repeat(1500)): AnnouncementDay<Paper>[] =>
    sizes.map((n, d) => ({
      date: `2026-06-${String(30 - d).padStart(2, "0")}`,
      papers: Array.from({ length: n }, () => makePaper({ abstract, announced: `2026-06-${String(30 - d).padStart(2, "0")}` })),
    }));
  const merged = (parts: AnnouncementDay<Paper>[][]) => {
    const out: AnnouncementDay<Paper>[] = [];
    for (const day of parts.flat()) {
      const last = out.at(-1);
      if (last?.date === day.date) last.papers.push(...day.papers);
      else out.push({ date: day.date, papers: [...day.papers] });
    }
    return out;
  };

  it("a small feed is one part", () => {
    const input = days([2, 3]);
    expect(splitIntoParts(input, 512 * 1024)).toEqual([input]);
  });

  it("arXiv's largest day (2,000 papers) splits into parts under the limit that join back to the same days", () => {
    const input = days([2000, 400]);
    const parts = splitIntoParts(input, 512 * 1024);
    expect(parts.length).toBeGreaterThan(4);
    for (const part of parts) expect(JSON.stringify(part).length).toBeLessThanOrEqual(512 * 1024);
    expect(merged(parts)).toEqual(input);
  });

  it("no papers, no parts", () => {
    expect(splitIntoParts([], 1000)).toEqual([]);
  });
});

describe("only_configured_categories", () => {
  const config = parseConfig({ categories: ["cs.AI", "cs.CL"], only_configured_categories: true });

  it("serves the configured categories, alone or together", () => {
    expect(parseFeedParams(["cs.CL"], new URLSearchParams(), config).categories).toEqual(["cs.CL"]);
    expect(parseFeedParams(["cs.AI+cs.CL"], new URLSearchParams(), config).categories).toEqual(["cs.AI", "cs.CL"]);
    expect(parseFeedParams(undefined, new URLSearchParams(), config).categories).toEqual(["cs.AI", "cs.CL"]);
  });

  it("any other category is a 404 that says which ones are served", () => {
    const err = catchAppError(() => parseFeedParams(["cs.AI+hep-th"], new URLSearchParams(), config));
    expect(err.code).toBe("not_found");
    expect(err.message).toBe("This deployment serves only its own categories (cs.AI, cs.CL), not hep-th");
  });

  it("is off by default", () => {
    expect(parseFeedParams(["hep-th"], new URLSearchParams(), parseConfig({ categories: ["cs.AI"] })).categories).toEqual(["hep-th"]);
  });
});
