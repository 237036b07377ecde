// The Markdown digest (/md, npm run digest) in the old bot's README layout, section by section, compared
// with the old bot's own output (fixtures/seed); text escaped, math kept as TeX, model HTML made text.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { getConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import { renderDigest } from "../../lib/render/digest";
import { renderMarkdown } from "../../lib/render/markdown";
import type { SummaryRecord } from "../../lib/types";
import { DAY, dayFixture, makePaper, parseFixture, withSummaries } from "../helpers/fixtures";
import { unsafeHtml } from "../helpers/html-tree";

const config = getConfig();
const NOW = Date.parse("2026-06-30T16:00:00Z");
const SEED = readFileSync(new URL("../fixtures/seed/arxiv-papers-bot-README.md", import.meta.url), "utf8");
const SUMMARIES = new URL("../fixtures/summaries/", import.meta.url);
const realSummaries = readdirSync(SUMMARIES).map((f) => readFileSync(new URL(f, SUMMARIES), "utf8"));

function snapshot(category: string, papers = parseFixture(dayFixture(category)).papers): CategorySnapshot {
  return { category, version: `${category}-v1`, days: [{ date: DAY, papers }], changedAt: NOW, nextCheckAt: NOW + 3_600_000 };
}

/** The layout of a README: each line reduced to its markup, the content left out; summaries collapsed. */
function skeleton(markdown: string): string[] {
  const out: string[] = [];
  let inDetails = false;
  for (const line of markdown.split("\n")) {
    if (line === "<details>") inDetails = true;
    if (inDetails) {
      if (line.startsWith("<summary>")) out.push(line.replace(/\(by [^)]*\)/, "(by MODEL)"));
      else if (line === "<details>" || line === "</details>") out.push(line);
      if (line === "</details>") inDetails = false;
      continue;
    }
    const field = /^(- )?\*\*([^*]+)\*\*: .*?( {2})?$/.exec(line);
    if (field) out.push(`${field[1] ?? ""}**${field[2]}**:${field[3] ?? ""}`);
    else if (/^### \d+\. \[.*\]\(https:\/\/arxiv\.org\/abs\/[^)]+\)$/.test(line)) out.push("### N. [TITLE](https://arxiv.org/abs/ID)");
    else if (/^#{1,4} /.test(line) || line === "---" || line === "") out.push(line.replace(/^# .*/, "# TITLE"));
    else out.push("TEXT");
  }
  return out;
}

/** The part of a skeleton from one `## ` heading to the next. */
function section(lines: string[], heading: string): string[] {
  const start = lines.indexOf(heading);
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  return lines.slice(start, end === -1 ? undefined : end);
}

const PAPER_WITH_SUMMARY = [
  "### N. [TITLE](https://arxiv.org/abs/ID)", "", "**Authors**:  ", "**Category**:  ", "**Published**:  ", "**Score**:  ",
  "**Type**:  ", "**ArXiv ID**:  ", "", "#### Abstract", "TEXT", "", "<details>",
  "<summary><strong>🤖 AI Summary (by MODEL)</strong> - Click to expand</summary>", "</details>", "", "---", "",
];

describe("the digest of the fixture day, beside the old bot's README", () => {
  const feed = buildFeed(parseFeedParams(undefined, new URLSearchParams(), config), config.categories.map((c) => snapshot(c)), { daysBack: 5, now: NOW });
  const top = feed.days[0]!.papers;
  const summaries = new Map<string, SummaryRecord>(
    top.slice(0, realSummaries.length).map((e, i) => [e.paper.id, { markdown: realSummaries[i]!, model: "qwen-long", sourceUsed: "abstract", createdAt: "2026-06-30T12:00:00Z" }]),
  );
  const digest = renderDigest(withSummaries(feed, summaries));
  const ours = skeleton(digest);
  const seed = skeleton(SEED);

  it("opens with the title, then Statistics, Recent Papers and Configuration, in that order", () => {
    const headings = (lines: string[]) => lines.filter((l) => /^## (📊|📚|🔧)/.test(l));
    expect(headings(ours)).toEqual(["## 📊 Statistics", "## 📚 Recent Papers", "## 🔧 Configuration"]);
    expect(headings(seed)).toEqual(headings(ours));
    expect(ours[0]).toBe("# TITLE");
  });

  it("Statistics: Last Updated, Total Papers Found, Categories Monitored, as the old bot wrote them", () => {
    const fields = (lines: string[]) => section(lines, "## 📊 Statistics").filter((l) => l.startsWith("- **"));
    expect(fields(ours).slice(0, 3)).toEqual(fields(seed));
    expect(digest).toContain(`- **Total Papers Found**: ${top.length}`);
    expect(digest).toContain("- **Categories Monitored**: cs.AI, cs.CL, cs.DC, cs.LG");
  });

  it("each paper: title link, Authors, Category, Published, Score, Type, ArXiv ID, Abstract, the summary folded", () => {
    const seedFirst = section(seed, "## 📚 Recent Papers").slice(2, 2 + PAPER_WITH_SUMMARY.length);
    expect(seedFirst).toEqual(PAPER_WITH_SUMMARY);
    expect(section(ours, "## 📚 Recent Papers").slice(2, 2 + PAPER_WITH_SUMMARY.length)).toEqual(PAPER_WITH_SUMMARY);
    const first = top[0]!;
    expect(digest).toContain(`### 1. [`);
    expect(digest).toContain(`**ArXiv ID**: ${first.paper.id}v${first.paper.version}  `);
    expect(digest).toContain(`**Category**: ${first.paper.categories[0]}  `);
    expect(digest).toContain(`**Published**: ${DAY}  `);
    expect(digest).toContain("<summary><strong>🤖 AI Summary (by qwen-long)</strong> - Click to expand</summary>");
    expect(digest.match(/^### \d+\. /gm)).toHaveLength(top.length);
  });

  it("a paper without a summary has no details block, as in the old bot's output", () => {
    const withoutSummary = [...PAPER_WITH_SUMMARY.slice(0, 12), "---", ""];
    const seedLast = section(seed, "## 📚 Recent Papers").slice(-withoutSummary.length);
    const oursLast = section(ours, "## 📚 Recent Papers").slice(-withoutSummary.length);
    expect(seedLast).toEqual(withoutSummary);
    expect(oursLast).toEqual(withoutSummary);
    expect(digest.match(/<details>/g)).toHaveLength(summaries.size);
  });

  it("abstracts are cut at 300 characters with '...', as the old bot did", () => {
    const abstracts = [...digest.matchAll(/#### Abstract\n(.*)\n/g)].map((m) => m[1]!);
    expect(abstracts.length).toBe(top.length);
    expect(abstracts.some((a) => a.endsWith("..."))).toBe(true);
  });
});

describe("what a paper or a model writes stays text in the digest", () => {
  const hostile = makePaper({
    id: "2606.90001",
    title: "Links [x](javascript:alert(1)) and <img src=x onerror=alert(1)> *bold* for $a<b$",
    authors: ["# Heading Person", "O'Brien & Sons"],
    abstract: "1. Not a list. <script>alert(1)</script> with math $\\pi_{0.5}$.",
  });
  const feed = buildFeed(parseFeedParams(["cs.AI"], new URLSearchParams("keywords="), config), [snapshot("cs.AI", [hostile])], { daysBack: 5, now: NOW });
  const summary: SummaryRecord = { markdown: "# Sum\n\n</details><script>alert(1)</script>\n\n`<kept>`", model: "m<b>x</b>", sourceUsed: "abstract", createdAt: "x" };
  const digest = renderDigest(withSummaries(feed, new Map([[hostile.id, summary]])));

  it("rendered as GitHub would (Markdown to HTML), nothing runs and the details block is not broken out of", () => {
    const html = renderMarkdown(digest);
    expect(unsafeHtml(html).filter((p) => !p.startsWith("element <details>") && !p.startsWith("element <summary>"))).toEqual([]);
    expect(digest.match(/<\/details>/g)).toHaveLength(1);
    expect(digest).toContain("&lt;/details>&lt;script>");
    expect(digest).toContain("`<kept>`");
  });

  it("title and abstract keep their text: markup escaped, math as TeX", () => {
    expect(digest).toContain("$\\pi_{0.5}$");
    expect(digest).toContain("$a\\lt b$");
    expect(digest).toContain("\\[x\\](javascript:alert(1))");
    expect(digest).toContain("\\<img src=x onerror=alert(1)\\>");
    expect(digest).toContain("#### Abstract\n1\\. Not a list.");
    expect(digest).toContain("**Authors**: \\# Heading Person, O'Brien & Sons  ");
  });
});
