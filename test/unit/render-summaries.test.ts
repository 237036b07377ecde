// How an AI summary shows up in the three feed formats: a heading naming the model, the rendered Markdown,
// then the abstract; JSON Feed's _arxiv.ai_summary. Items without one say nothing about summaries, and a
// hostile summary is inert everywhere (and the XML stays well-formed).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { parseConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import { toFeedDocument, type FeedLinks } from "../../lib/render/document";
import { renderAtom, renderJson, renderRss } from "../../lib/render/feeds";
import { renderMarkdown } from "../../lib/render/markdown";
import { escapeHtml } from "../../lib/render/escape";
import { cleanLine, cleanText } from "../../lib/text";
import type { Feed, Paper, RankedPaper, SummaryRecord } from "../../lib/types";
import { DAY, dayFixture, illegalXmlContext, parseFixture, withSummaries } from "../helpers/fixtures";
import { htmlSafetyProblems } from "../helpers/html-safety";

const LINKS: FeedLinks = {
  rss: "https://feeds.example.test/rss/cs.AI?limit=6",
  atom: "https://feeds.example.test/atom/cs.AI?limit=6",
  json: "https://feeds.example.test/json/cs.AI?limit=6",
  html: "https://feeds.example.test/",
};
const NOW = Date.parse("2026-06-30T16:00:00Z");
const config = parseConfig({ categories: ["cs.AI"], keywords: ["LLM", "agent"], announce_types: ["new", "cross", "replace", "replace-cross"] });

const SUMMARIES = fileURLToPath(new URL("../fixtures/summaries/", import.meta.url));
const realSummary = (id: string) => readFileSync(`${SUMMARIES}${id}.md`, "utf8");

function summary(markdown: string, model: string, extra: Partial<SummaryRecord> = {}): SummaryRecord {
  return { markdown, model, sourceUsed: "abstract", createdAt: "2026-06-30T15:00:00.000Z", ...extra };
}

function feedOf(papers: Paper[]): Feed {
  const snapshot: CategorySnapshot = {
    category: "cs.AI",
    version: "cs.AI-v1",
    days: [{ date: DAY, papers }],
    changedAt: Date.parse("2026-06-30T08:00:00Z"),
    nextCheckAt: NOW + 3_600_000,
  };
  const params = parseFeedParams(["cs.AI"], new URLSearchParams("limit=6"), config);
  return buildFeed(params, [snapshot], { daysBack: 5, now: NOW });
}

const reader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ["item", "entry", "category", "link", "author"].includes(name),
});
const text = (node: unknown): string => (typeof node === "string" ? node : ((node as Record<string, string>)["#text"] ?? ""));

interface Contents {
  rss: Map<string, string>;
  atom: Map<string, string>;
  json: Map<string, string>;
  jsonExtension: Map<string, Record<string, unknown>>;
}

/** Each format's item HTML by paper id, read back as a feed reader would. */
function contentsOf(rss: string, atom: string, json: string): Contents {
  const rssItems = (reader.parse(rss) as { rss: { channel: { item: Record<string, unknown>[] } } }).rss.channel.item;
  const atomEntries = (reader.parse(atom) as { feed: { entry: Record<string, unknown>[] } }).feed.entry;
  const jsonItems = (JSON.parse(json) as { items: { id: string; content_html: string; _arxiv: Record<string, unknown> }[] }).items;
  return {
    rss: new Map(rssItems.map((i) => [text(i.guid), text(i["content:encoded"])])),
    atom: new Map(atomEntries.map((e) => [text(e.id).replace("https://arxiv.org/abs/", ""), text(e.content)])),
    json: new Map(jsonItems.map((i) => [i.id, i.content_html])),
    jsonExtension: new Map(jsonItems.map((i) => [i.id, i._arxiv])),
  };
}

const FORMATS = ["rss", "atom", "json"] as const;

describe("items with an AI summary", () => {
  let ranked: RankedPaper[];
  let withSummary: Map<string, SummaryRecord>;
  let contents: Contents;
  let rss: string;
  let atom: string;

  beforeAll(() => {
    const feed = feedOf(parseFixture(dayFixture("cs.AI")).papers);
    ranked = feed.days.flatMap((d) => d.papers);
    expect(ranked.length).toBeGreaterThanOrEqual(5);
    withSummary = new Map([
      [ranked[0]!.paper.id, summary(realSummary("2512.10977"), "qwen-long")],
      [ranked[2]!.paper.id, summary(realSummary("2512.11127"), "gpt-4o-mini <preview> & co", { sourceUsed: "fulltext", truncated: true })],
      // A summary of a paper that is not in this feed is simply not used.
      ["2001.00001", summary("## Elsewhere\n\nNot in this feed.", "qwen-long")],
    ]);
    const doc = toFeedDocument(withSummaries(feed, withSummary), LINKS);
    rss = renderRss(doc);
    atom = renderAtom(doc);
    contents = contentsOf(rss, atom, renderJson(doc));
  });

  it("RSS and Atom stay well-formed", () => {
    expect(XMLValidator.validate(rss)).toBe(true);
    expect(XMLValidator.validate(atom)).toBe(true);
  });

  it.each(FORMATS)("%s: the summary's heading names the model, then its rendered Markdown, then the abstract", (format) => {
    for (const index of [0, 2]) {
      const r = ranked[index]!;
      const record = withSummary.get(r.paper.id)!;
      const html = contents[format].get(r.paper.id)!;
      const heading = `<h3>AI summary (by ${escapeHtml(record.model)})</h3>`;
      const body = renderMarkdown(record.markdown);
      const firstAbstractParagraph = escapeHtml(r.paper.abstract.split(/\n\s*\n|\n(?=\s)/)[0]!.trim());
      expect(html).toContain(`${heading}${body}<h3>Abstract</h3><p>${firstAbstractParagraph}`);
      // Once each, and in that order after the paper's facts.
      expect(html.split("AI summary (by").length - 1).toBe(1);
      expect(html.split("<h3>Abstract</h3>").length - 1).toBe(1);
      expect(html.indexOf("Score ")).toBeLessThan(html.indexOf(heading));
      // The real summary's structure is there: its headings and tables.
      expect((html.match(/<h2>/g) ?? []).length).toBe(record.markdown.split("\n").filter((l) => l.startsWith("## ")).length);
      expect(html).toContain("<table>");
      expect(htmlSafetyProblems(html)).toEqual([]);
      expect(illegalXmlContext(html)).toBeNull();
    }
  });

  it("the model name is escaped in the heading", () => {
    for (const format of FORMATS) {
      const html = contents[format].get(ranked[2]!.paper.id)!;
      expect(html).toContain("<h3>AI summary (by gpt-4o-mini &lt;preview&gt; &amp; co)</h3>");
      expect(html).not.toContain("<preview>");
    }
  });

  it("JSON Feed's _arxiv.ai_summary is exactly {model, markdown}", () => {
    expect(contents.jsonExtension.get(ranked[0]!.paper.id)!.ai_summary).toEqual({ model: "qwen-long", markdown: realSummary("2512.10977") });
    expect(contents.jsonExtension.get(ranked[2]!.paper.id)!.ai_summary).toEqual({
      model: "gpt-4o-mini <preview> & co",
      markdown: realSummary("2512.11127"),
    });
  });

  it.each(FORMATS)("%s: items without a summary say nothing about summaries", (format) => {
    for (const r of ranked.filter((_, i) => i !== 0 && i !== 2)) {
      const html = contents[format].get(r.paper.id)!;
      expect(html).not.toMatch(/AI summary/i);
      expect(html).not.toContain("<h3>");
      expect(html).toContain(`<p>${escapeHtml(r.paper.abstract.split(/\n\s*\n|\n(?=\s)/)[0]!.trim())}`);
    }
    for (const r of ranked.filter((_, i) => i !== 0 && i !== 2)) {
      expect(contents.jsonExtension.get(r.paper.id)).not.toHaveProperty("ai_summary");
    }
  });

  it("a summary for a paper not in the feed appears nowhere", () => {
    for (const format of FORMATS) for (const html of contents[format].values()) expect(html).not.toContain("Elsewhere");
    expect(contents.rss.has("2001.00001")).toBe(false);
  });
});

describe("documents without summaries", () => {
  it.each([
    ["no map", undefined],
    ["an empty map", new Map<string, SummaryRecord>()],
  ] as const)("with %s, no format mentions AI summaries", (_name, map) => {
    const feed = feedOf(parseFixture(dayFixture("cs.AI")).papers);
    const doc = map ? toFeedDocument(withSummaries(feed, map), LINKS) : toFeedDocument(feed, LINKS);
    expect(doc.items.every((i) => i.aiSummary === undefined)).toBe(true);
    const rss = renderRss(doc);
    const atom = renderAtom(doc);
    const json = renderJson(doc);
    for (const out of [rss, atom, json]) {
      expect(out).not.toMatch(/AI summary/i);
      expect(out).not.toContain("ai_summary");
      expect(out).not.toContain("<h3>Abstract</h3>");
      expect(out).not.toContain("&lt;h3&gt;Abstract");
    }
    for (const item of (JSON.parse(json) as { items: { _arxiv: object }[] }).items) expect(item._arxiv).not.toHaveProperty("ai_summary");
  });
});

describe("a hostile summary is inert in every format", () => {
  const HOSTILE = [
    "## Results <script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    '<a href="javascript:alert(1)">raw</a>',
    "[js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox(1)) [data](data:text/html,<script>alert(1)</script>)",
    '<div onmouseover="alert(1)">hover</div> and <span onclick=alert(1)>inline</span>',
    "![pixel](https://tracker.example/p.png)",
    "| a | b |\n|---|---|\n| <script>x</script> | [c](javascript:alert(1)) |",
    "CDATA breakers: ]]> and <![CDATA[ ]]> and ]]]]><![CDATA[>",
    "Control characters: a\u0001b\u0008c\u000Bd\uFFFEe\uD800f",
    "</content></entry></feed><script>alert(1)</script>",
    "</content:encoded></item><item><title>forged</title>",
  ].join("\n\n");
  const MODEL = '<script>alert("model")</script>';

  let rss: string;
  let atom: string;
  let json: string;
  let contents: Contents;
  let target: RankedPaper;

  beforeAll(() => {
    const feed = feedOf(parseFixture(dayFixture("cs.AI")).papers);
    target = feed.days[0]!.papers[1]!;
    const doc = toFeedDocument(withSummaries(feed, new Map([[target.paper.id, summary(HOSTILE, MODEL)]])), LINKS);
    rss = renderRss(doc);
    atom = renderAtom(doc);
    json = renderJson(doc);
    contents = contentsOf(rss, atom, json);
  });

  it("RSS and Atom are still well-formed XML, with the same items", () => {
    expect(XMLValidator.validate(rss)).toBe(true);
    expect(XMLValidator.validate(atom)).toBe(true);
    expect(illegalXmlContext(rss)).toBeNull();
    expect(illegalXmlContext(atom)).toBeNull();
    expect(contents.rss.size).toBe(contents.json.size);
    expect(contents.atom.size).toBe(contents.json.size);
    expect(rss).not.toContain("<title>forged</title>");
  });

  it.each(FORMATS)("%s: the item's HTML runs nothing and loads nothing", (format) => {
    const html = contents[format].get(target.paper.id)!;
    expect(html).toContain('<h3>AI summary (by &lt;script&gt;alert("model")&lt;/script&gt;)</h3>');
    expect(htmlSafetyProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("<h3>Abstract</h3>");
    expect(illegalXmlContext(html)).toBeNull();
  });

  it("JSON Feed carries the hostile Markdown only as data, in _arxiv.ai_summary", () => {
    const ext = contents.jsonExtension.get(target.paper.id)!;
    // The same text the HTML was made from: cleaned of characters XML forbids and invisible controls.
    expect(ext.ai_summary).toEqual({ model: cleanLine(MODEL), markdown: cleanText(HOSTILE) });
    expect(() => JSON.parse(json)).not.toThrow();
  });
});
