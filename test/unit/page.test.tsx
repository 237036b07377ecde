// The reading page as data (buildPageView) and as markup (the components, rendered to HTML): the day's
// papers in the feed's order, matches highlighted, math as MathML, summaries collapsible below the paper's
// own headings, the day selector, notices, subscribe links and the personalize form; nothing that runs.
import { readdirSync } from "node:fs";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { getConfig, parseConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import { FeedPage, matchedTerms, RichText } from "../../lib/render/page/components";
import { buildPageView, DayNotKept } from "../../lib/render/page/view";
import type { Feed, MatchMode, SummaryRecord } from "../../lib/types";
import { DAY, dayFixture, makePaper, parseFixture, withSummaries } from "../helpers/fixtures";
import { hrefsOf, runnableHtml, unsafeHtml } from "../helpers/html-tree";

const config = parseConfig({ categories: ["cs.AI", "cs.LG"], keywords: ["LLM", "agent"], announce_types: ["new", "cross"] });
const TUE_NOON = Date.parse("2026-06-30T16:00:00Z");
const SAT_NOON = Date.parse("2026-07-04T16:00:00Z");
const ORIGIN = "https://feeds.example.org";

function snapshot(days: { date: string; papers: ReturnType<typeof makePaper>[] }[], extra: Partial<CategorySnapshot> = {}): CategorySnapshot {
  return { category: "cs.AI", version: "v1", days, changedAt: TUE_NOON, nextCheckAt: TUE_NOON + 3_600_000, ...extra };
}

function feedOf(query: string, snapshots: CategorySnapshot[], segments: string[] | undefined = ["cs.AI"]): Feed {
  return buildFeed(parseFeedParams(segments, new URLSearchParams(query), config), snapshots, { daysBack: 5, now: TUE_NOON });
}

const render = (feed: Feed, options: { day?: string; now?: number } = {}) => {
  const view = buildPageView(feed, { config, origin: ORIGIN, now: options.now ?? TUE_NOON, ...(options.day ? { day: options.day } : {}) });
  return { view, html: renderToStaticMarkup(<FeedPage view={view} description="d" />) };
};

describe("the page of a real day", () => {
  const papers = parseFixture(dayFixture("cs.AI")).papers;
  const feed = feedOf("", [snapshot([{ date: DAY, papers }])]);
  const { view, html } = render(feed);

  it("lists the day's papers in the feed's order, each once, ranked 1, 2, 3…", () => {
    const ids = [...html.matchAll(/href="https:\/\/arxiv\.org\/abs\/([^"]+)"><span class="paper/g)].map((m) => m[1]);
    const titleLinks = [...html.matchAll(/<h3 id="[^"]+" class="paper-title"><a href="https:\/\/arxiv\.org\/abs\/([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([]);
    expect(titleLinks).toEqual(feed.days[0]!.papers.map((e) => e.paper.id));
    expect([...html.matchAll(/aria-label="Rank (\d+)"/g)].map((m) => Number(m[1]))).toEqual(titleLinks.map((_, i) => i + 1));
    expect(view.day?.date).toBe(DAY);
  });

  it("marks every matched keyword where it occurs, and renders nothing that runs", () => {
    expect(html).toMatch(/<mark>LLM<\/mark>|<mark>agent<\/mark>/i);
    expect(runnableHtml(html)).toEqual([]);
  });

  it("links each paper to its abs, PDF, HTML and BibTeX pages", () => {
    const first = feed.days[0]!.papers[0]!.paper.id;
    for (const kind of ["abs", "pdf", "html", "bibtex"]) expect(hrefsOf(html)).toContain(`https://arxiv.org/${kind}/${first}`);
  });

  it("offers RSS, Atom, JSON Feed and OPML for exactly this view, and the absolute feed URL to copy", () => {
    expect(view.links).toMatchObject({ rss: "/rss/cs.AI", atom: "/atom/cs.AI", json: "/json/cs.AI", opml: "/opml", feedUrl: `${ORIGIN}/rss/cs.AI` });
    expect(html).toContain(`value="${ORIGIN}/rss/cs.AI"`);
  });

  it("the personalize form is a GET to this page, filled with the current profile", () => {
    expect(html).toMatch(/<form (method="get" action="\/c\/cs\.AI"|action="\/c\/cs\.AI" method="get")>/);
    expect(html).toMatch(/<input type="text"[^>]* name="keywords" value="LLM, agent"\/>/);
    expect(html).toMatch(/<input type="checkbox" name="types" checked="" value="new"\/>/);
    expect(html).toMatch(/<input type="checkbox" name="types" value="replace"\/>/);
  });
});

describe("math, summaries and custom views", () => {
  const paper = makePaper({ id: "2606.00001", title: "An LLM for $\\pi_{0.5}$ and $\\frac{1", abstract: "We bound $O(n \\log n)$ agents." });
  const summary: SummaryRecord = {
    markdown: "# 论文总结\n\n## 1. Contributions\n\nUses $x^2$ and [a link](javascript:alert(1)) and <script>alert(1)</script>.",
    model: "qwen-long",
    sourceUsed: "abstract",
    createdAt: "2026-06-30T12:00:00Z",
  };
  const feed = withSummaries(feedOf("", [snapshot([{ date: DAY, papers: [paper] }])]), new Map([[paper.id, summary]]));
  const { html } = render(feed);

  it("TeX in titles and abstracts becomes MathML with its source kept; a broken formula shows as its source", () => {
    expect(html).toMatch(/<math[^>]*>[\s\S]*π[\s\S]*<\/math>/);
    expect(html).toContain("\\pi_{0.5}");
    expect(html).toContain("\\log n");
    expect(html).toContain("$\\frac{1");
  });

  it("the summary is a collapsible block labelled with its model, its headings below the paper's own", () => {
    expect(html).toMatch(/<details class="ai-summary"><summary>AI summary <span class="model">by qwen-long<\/span><\/summary>/);
    const block = /<div class="markdown">([\s\S]*?)<\/div><\/details>/.exec(html)![1]!;
    expect(block).toContain("<h4>论文总结</h4>");
    expect(block).toContain("<h5>1. Contributions</h5>");
    expect(block).not.toMatch(/<h[123]\b/);
    expect(block).toMatch(/<math[^>]*>[\s\S]*x[\s\S]*<\/math>/);
    expect(unsafeHtml(block)).toEqual([]);
    expect(runnableHtml(html)).toEqual([]);
  });

  it("a custom view carries only its own settings into every link", () => {
    const custom = feedOf("keywords=agent^2&limit=5", [snapshot([{ date: DAY, papers: [paper] }])]);
    const { view } = render(custom);
    expect(view.custom).toBe(true);
    expect(view.links.rss).toBe("/rss/cs.AI?keywords=agent^2&limit=5");
    expect(view.links.opml).toBe("/opml?keywords=agent^2&limit=5");
  });
});

describe("days and notices", () => {
  const older = makePaper({ id: "2606.00002", title: "LLM agents, Monday", announced: "2026-06-29" });
  const newer = makePaper({ id: "2606.00003", title: "LLM agents, Tuesday" });
  const days = [{ date: DAY, papers: [newer] }, { date: "2026-06-29", papers: [older] }];

  it("shows the latest day by default and offers every kept day; ?day= picks one, with a note", () => {
    const feed = feedOf("", [snapshot(days)]);
    const latest = render(feed).view;
    expect(latest.day?.date).toBe(DAY);
    expect(latest.days.map((d) => [d.date, d.href, d.current])).toEqual([
      [DAY, "/c/cs.AI", true],
      ["2026-06-29", "/c/cs.AI?day=2026-06-29", false],
    ]);
    const monday = render(feed, { day: "2026-06-29" });
    expect(monday.view.day?.papers.map((e) => e.paper.id)).toEqual(["2606.00002"]);
    expect(monday.view.notices.map((n) => n.text).join(" ")).toMatch(/You are reading Monday 29 June 2026/);
    expect(() => render(feed, { day: "2026-06-01" })).toThrow(DayNotKept);
  });

  it("on a weekend it says arXiv made no announcement and shows the latest one", () => {
    const { view } = render(feedOf("", [snapshot(days)]), { now: SAT_NOON });
    expect(view.notices).toEqual([{ tone: "info", text: "arXiv makes no announcement on weekends. This is the latest one, Tuesday 30 June 2026." }]);
  });

  it("on a weekday without a new announcement (a holiday) it says so", () => {
    const { view } = render(feedOf("", [snapshot([{ date: "2026-06-29", papers: [older] }])]));
    expect(view.notices[0]!.text).toMatch(/no announcement for Tuesday 30 June 2026 \(yet, or it is a holiday\)/);
  });

  it("while arXiv fails it shows the last good papers with a notice saying since when", () => {
    const failing = snapshot(days, {
      problem: { reason: "http-error", message: "arXiv answered HTTP 503", retryAt: TUE_NOON + 600_000, since: Date.parse("2026-06-30T09:00:00Z") },
    });
    const { view, html } = render(feedOf("", [failing]));
    expect(view.day?.papers).toHaveLength(1);
    expect(view.notices[0]).toEqual({
      tone: "warning",
      text: "arXiv has been failing for cs.AI since 30 Jun, 09:00 UTC (arXiv answered HTTP 503): showing its last good papers, announced up to Tuesday 30 June 2026. Next try 30 Jun, 16:10 UTC.",
    });
    expect(html).toContain('role="alert"');
  });
});

describe("highlighting", () => {
  const files = ["day", "real", "hostile"].flatMap((dir) =>
    readdirSync(new URL(`../fixtures/arxiv/${dir}/`, import.meta.url)).filter((f) => f.endsWith(".xml")).map((f) => `${dir}/${f}`),
  );
  const shipped = getConfig().profile.keywords.map((k) => k.term);
  const keywordSets = [
    shipped,
    ["LLM", "agent", "large language model", "graph neural network", "self-supervised", "x", "C++", "k-NN", "(RL)", "é"],
  ];

  // Thousands of texts, each rendered twice: seconds, and more on a loaded machine.
  it("marks in each title and abstract what searching for every keyword marks, from only those the ranking found there", { timeout: 30_000 }, () => {
    const markup = (text: string, terms: readonly string[], mode: MatchMode) => renderToStaticMarkup(<RichText text={text} terms={terms} mode={mode} />);
    let marked = 0;
    for (const file of files) {
      const papers = parseFixture(file).papers;
      for (const mode of ["prefix", "word", "substring"] as const) {
        for (const terms of keywordSets) {
          const query = new URLSearchParams({ keywords: terms.join(","), match: mode, types: "all", limit: "500", min_score: "0" });
          const feed = buildFeed(parseFeedParams(["cs.AI"], query, config), [snapshot([{ date: DAY, papers }])], { daysBack: 5, now: TUE_NOON });
          for (const { paper, matches } of feed.days.flatMap((d) => d.papers)) {
            const all = feed.params.profile.keywords.map((k) => k.term);
            for (const [text, where] of [[paper.title, "inTitle"], [paper.abstract, "inAbstract"]] as const) {
              const want = markup(text, all, mode);
              expect(markup(text, matchedTerms(matches, where), mode), `${file}, ${mode}, ${paper.id}, ${where}`).toBe(want);
              if (want.includes("<mark>")) marked++;
            }
          }
        }
      }
    }
    expect(marked).toBeGreaterThan(1000);
  });
});
