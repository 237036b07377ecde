// Generators of hostile data for property-based tests: strings made of the pieces that break serializers
// and fool readers, papers and summaries carrying them in every text field, and the feed built from them.
import fc from "fast-check";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import type { AppConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import { ANNOUNCE_TYPES, type Feed, type Paper, type SummaryRecord } from "../../lib/types";

/** Pieces that have broken feeds somewhere: markup, CDATA ends, entities, URLs that run, invisible and illegal characters. */
export const HOSTILE_PIECES = [
  "]]>", "]]", ">", "<", "&", "&amp;", "&lt;", "&#0;", "&nbsp;", '"', "'", "<![CDATA[", "</title>", "</item><item>",
  "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<a href=\"javascript:alert(1)\">x</a>",
  "javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)", "[x](javascript:alert(1))", "![p](https://evil.example/pixel.png)", "<iframe src=//evil.example>",
  "<svg onload=alert(1)>", "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>", "{{7*7}}", "${7*7}",
  "\u202E", "\u202D", "\u2066", "\u2069", "\u200B", "\u200E", "\uFEFF", "\u00AD", "\u2028", "\u0085",
  "\u0000", "\u0001", "\u001F", "\u007F", "\uFFFE", "\uFFFF", "\uD800", "\uDFFF", "\uD83D\uDE00", "\r\n", "\r", "\t", "\n\n",
  "$\\pi_{0.5}$", "$a<b$", "\\emph{x}", "é", "ü", "中文", "👩‍🔬", " ", "  ",
  "https://evil.example/phish", "mailto:x@evil.example", "# heading", "| a | b |\n|---|---|\n| c | d |",
];

/** Any string, weighted towards hostile pieces; now and then a very long one. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: "binary", maxLength: 6 })), { maxLength: 12 }).map((p) => p.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...HOSTILE_PIECES), fc.integer({ min: 2_000, max: 60_000 })).map(([p, n]) => p.repeat(Math.ceil(n / p.length))) },
);

const DAY = "2026-06-30";

export function hostilePaper(id: string): fc.Arbitrary<Paper> {
  return fc
    .record({
      version: fc.integer({ min: 1, max: 9 }),
      title: hostileString,
      abstract: hostileString,
      authors: fc.array(hostileString, { maxLength: 4 }),
      categories: fc.array(fc.oneof(fc.constantFrom("cs.AI", "cs.LG", "stat.ML"), hostileString), { minLength: 1, maxLength: 3 }),
      announceType: fc.constantFrom(...ANNOUNCE_TYPES),
      license: fc.option(fc.oneof(hostileString, fc.constant("http://creativecommons.org/licenses/by/4.0/")), { nil: undefined }),
      doi: fc.option(fc.oneof(hostileString, fc.constant('10.1000/x"><script>alert(1)</script>')), { nil: undefined }),
      journalRef: fc.option(hostileString, { nil: undefined }),
    })
    .map((fields) => {
      const paper: Paper = { id, announced: DAY, ...fields };
      for (const key of ["license", "doi", "journalRef"] as const) if (paper[key] === undefined) delete paper[key];
      return paper;
    });
}

export const hostileSummary: fc.Arbitrary<SummaryRecord> = fc.record({
  markdown: hostileString,
  model: hostileString,
  sourceUsed: fc.constantFrom("abstract" as const, "fulltext" as const),
  createdAt: fc.constant("2026-06-30T12:00:00.000Z"),
});

export interface HostileDay {
  papers: Paper[];
  summaries: Map<string, SummaryRecord>;
}

/** One to `max` hostile papers with distinct ids, some with a hostile summary. */
export function hostileDay(max = 5): fc.Arbitrary<HostileDay> {
  return fc.integer({ min: 1, max }).chain((n) => {
    const ids = Array.from({ length: n }, (_, i) => `2606.${String(30000 + i)}`);
    return fc
      .tuple(fc.tuple(...ids.map(hostilePaper)), fc.array(fc.option(hostileSummary, { nil: undefined }), { minLength: n, maxLength: n }))
      .map(([papers, summaries]) => ({
        papers,
        summaries: new Map(papers.flatMap((p, i) => (summaries[i] ? [[p.id, summaries[i]] as const] : []))),
      }));
  });
}

/** The feed of exactly these papers: no keyword filter, every type, nothing cut. */
export function feedOfEvery(papers: Paper[], config: AppConfig, now: number): Feed {
  const params = parseFeedParams(["cs.AI"], new URLSearchParams("keywords=&exclude=&types=all&limit=500"), config);
  const snapshot: CategorySnapshot = { category: "cs.AI", version: "hostile", days: [{ date: DAY, papers }], changedAt: now, nextCheckAt: now + 3_600_000 };
  return buildFeed(params, [snapshot], { daysBack: 5, now });
}
