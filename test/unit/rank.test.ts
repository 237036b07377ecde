import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../lib/config";
import { compareRanked, compileMatcher, firstInOrder, idSortKey, matchRanges, rankDays, rankPapers } from "../../lib/rank";
import type { MatchMode, Paper, RankedPaper } from "../../lib/types";
import { dayFixture, makePaper, makeProfile, parseFixture } from "../helpers/fixtures";

const matches = (term: string, mode: MatchMode, text: string) => compileMatcher(term, mode).test(text, text.toLowerCase());
const ids = (ranked: readonly RankedPaper[]) => ranked.map((r) => r.paper.id);

describe("compileMatcher: match modes", () => {
  it('substring is the old bot: "RL" matches inside "world"', () => {
    expect(matches("RL", "substring", "A world model")).toBe(true);
    expect(matches("RL", "substring", "RLHF at scale")).toBe(true);
  });

  it('prefix starts at a word: "RL" matches "RLHF" but not "world"', () => {
    expect(matches("RL", "prefix", "RLHF at scale")).toBe(true);
    expect(matches("RL", "prefix", "A world model")).toBe(false);
  });

  it('prefix: "LLM" matches "LLMs" and "Multi-LLM" but not "MLLM"', () => {
    expect(matches("LLM", "prefix", "Agents built on LLMs")).toBe(true);
    expect(matches("LLM", "prefix", "Multi-LLM debate")).toBe(true);
    expect(matches("LLM", "prefix", "An MLLM benchmark")).toBe(false);
  });

  it('word matches whole words only: "LLM" not in "LLMs", "RL" not in "RLHF", but "LLM-based" and "(RL)" do', () => {
    expect(matches("LLM", "word", "Agents built on LLMs")).toBe(false);
    expect(matches("RL", "word", "RLHF at scale")).toBe(false);
    expect(matches("LLM", "word", "An LLM-based agent")).toBe(true);
    expect(matches("RL", "word", "reinforcement learning (RL).")).toBe(true);
  });

  it("is case-insensitive in every mode", () => {
    for (const mode of ["substring", "prefix", "word"] as const) {
      expect(matches("llm", mode, "LLM AGENTS")).toBe(true);
      expect(matches("Quantization", mode, "post-training QUANTIZATION")).toBe(true);
    }
  });

  it("multi-word keywords match across spaces, line breaks and hyphens in prefix and word modes", () => {
    for (const mode of ["prefix", "word"] as const) {
      expect(matches("large language model", mode, "a Large Language Model")).toBe(true);
      expect(matches("large language model", mode, "a large-language model")).toBe(true);
      expect(matches("large language model", mode, "a large  language\n  model")).toBe(true);
      expect(matches("large language model", mode, "a large\u2010language model")).toBe(true);
      expect(matches("mixture-of-experts", mode, "sparse mixture of experts layers")).toBe(true);
    }
    expect(matches("large language model", "prefix", "large language models")).toBe(true);
    expect(matches("large language model", "word", "large language models")).toBe(false);
    expect(matches("large language model", "prefix", "large language modalities")).toBe(false);
  });

  it("treats regular-expression characters in keywords literally", () => {
    expect(matches("C++", "word", "written in C++ today")).toBe(true);
    expect(matches("C++", "word", "written in CCC today")).toBe(false);
    expect(matches("a.b", "prefix", "aXb")).toBe(false);
  });
});

describe("rankPapers: case beyond ASCII", () => {
  // Latin-1 text is read as it is, each character through its lower case; other text is lower-cased first.
  const found = (title: string, term: string, match: MatchMode = "prefix") =>
    rankPapers([makePaper({ title, abstract: "-" })], makeProfile({ keywords: [{ term, weight: 1 }], match })).length === 1;

  it.each(["substring", "prefix", "word"] as const)("%s: Latin-1 capitals match their lower case, and the other way", (match) => {
    expect(found("CAFÉ ÀÖ", "café", match)).toBe(true);
    expect(found("café àö", "CAFÉ", match)).toBe(true);
    expect(found("ÞORN", "þorn", match)).toBe(true);
    expect(found("caf\u00E9", "cafe", match)).toBe(false);
  });

  it("letters past Latin-1 in the text: lower-cased, as toLowerCase does", () => {
    expect(found("ĀB ŁÓDŹ", "āb")).toBe(true);
    expect(found("ĀB ŁÓDŹ", "łódź", "word")).toBe(true);
    expect(found("ΣΟΦΊΑ", "σοφία")).toBe(true);
    // A final capital sigma lower-cases to ς, and İ to i and a combining dot: as toLowerCase has them.
    expect(found("\u039F\u0394\u039F\u03A3", "\u03BF\u03B4\u03BF\u03C3")).toBe(false);
    expect(found("\u039F\u0394\u039F\u03A3", "\u03BF\u03B4\u03BF\u03C2")).toBe(true);
    expect(found("İSTANBUL É", "istanbul")).toBe(false);
    expect(found("İSTANBUL É", "é")).toBe(true);
  });
});

describe("rankPapers: score = A + title_weight × T", () => {
  const keywords = [
    { term: "LLM", weight: 1 },
    { term: "Inference", weight: 2 },
    { term: "Quantization", weight: 3 },
  ];
  const paper = makePaper({ title: "LLM Inference at Scale", abstract: "We study quantization of LLM weights. LLM LLM." });

  it("adds weights of keywords found anywhere, plus title_weight × weights found in the title", () => {
    const [r] = rankPapers([paper], makeProfile({ keywords, titleWeight: 0.5 }));
    // A = 1 + 2 + 3 = 6, T = 1 + 2 = 3 → 6 + 0.5 × 3
    expect(r!.score).toBe(7.5);
    expect(r!.titleScore).toBe(3);
  });

  it("title_weight scales only the title part", () => {
    expect(rankPapers([paper], makeProfile({ keywords, titleWeight: 2 }))[0]!.score).toBe(12);
    expect(rankPapers([paper], makeProfile({ keywords, titleWeight: 0 }))[0]!.score).toBe(6);
  });

  it("records each matched keyword once, in keyword order, with inTitle/inAbstract", () => {
    const [r] = rankPapers([paper], makeProfile({ keywords }));
    expect(r!.matches).toEqual([
      { term: "LLM", weight: 1, inTitle: true, inAbstract: true },
      { term: "Inference", weight: 2, inTitle: true, inAbstract: false },
      { term: "Quantization", weight: 3, inTitle: false, inAbstract: true },
    ]);
  });

  it("counts a keyword once however often it occurs", () => {
    const many = makePaper({ title: "LLM", abstract: "LLM LLM LLM LLM" });
    expect(rankPapers([many], makeProfile({ keywords: [{ term: "LLM", weight: 1 }], titleWeight: 0.5 }))[0]!.score).toBe(1.5);
  });

  it("rounds away floating-point noise (0.1 + 0.2 shows as 0.3)", () => {
    const p = makePaper({ title: "x", abstract: "alpha beta" });
    const profile = makeProfile({ keywords: [{ term: "alpha", weight: 0.1 }, { term: "beta", weight: 0.2 }] });
    expect(rankPapers([p], profile)[0]!.score).toBe(0.3);
  });

  it("the mode decides what counts: RL scores on 'world' only in substring mode", () => {
    const world = makePaper({ title: "A world model", abstract: "Planning in a world." });
    const kw = [{ term: "RL", weight: 1 }];
    expect(rankPapers([world], makeProfile({ keywords: kw, match: "substring" }))[0]!.score).toBe(1.5);
    expect(rankPapers([world], makeProfile({ keywords: kw, match: "prefix" }))).toEqual([]);
    expect(rankPapers([world], makeProfile({ keywords: kw, match: "word" }))).toEqual([]);
  });
});

describe("rankPapers: filters", () => {
  it("with keywords, a paper must match at least one", () => {
    const hit = makePaper({ title: "Efficient LLM serving" });
    const miss = makePaper({ title: "Protein folding", abstract: "Biology only." });
    expect(ids(rankPapers([hit, miss], makeProfile({ keywords: [{ term: "LLM", weight: 1 }] })))).toEqual([hit.id]);
  });

  it("without keywords, every paper passes with score 0 and no matches", () => {
    const papers = [makePaper(), makePaper(), makePaper()];
    const ranked = rankPapers(papers, makeProfile());
    expect(ranked).toHaveLength(3);
    expect(ranked.every((r) => r.score === 0 && r.titleScore === 0 && r.matches.length === 0)).toBe(true);
  });

  it("an excluded term in the title or the abstract drops the paper, whatever it scores", () => {
    const inTitle = makePaper({ title: "A Survey of LLM Agents" });
    const inAbstract = makePaper({ title: "LLM agents", abstract: "We review LLM agents." });
    const clean = makePaper({ title: "LLM agents", abstract: "New method." });
    const profile = makeProfile({ keywords: [{ term: "LLM", weight: 10 }], exclude: ["survey", "review"] });
    expect(ids(rankPapers([inTitle, inAbstract, clean], profile))).toEqual([clean.id]);
  });

  it("exclusions use the profile's match mode", () => {
    const plural = makePaper({ title: "Surveys of agents" });
    const inner = makePaper({ title: "Resurveying agents" });
    const papers = [plural, inner];
    expect(ids(rankPapers(papers, makeProfile({ exclude: ["survey"], match: "substring" })))).toEqual([]);
    expect(ids(rankPapers(papers, makeProfile({ exclude: ["survey"], match: "prefix" })))).toEqual([inner.id]);
    expect(ids(rankPapers(papers, makeProfile({ exclude: ["survey"], match: "word" }))).sort()).toEqual([plural.id, inner.id].sort());
  });

  it("exclusions are case-insensitive", () => {
    const p = makePaper({ title: "A TUTORIAL on agents" });
    expect(rankPapers([p], makeProfile({ exclude: ["Tutorial"] }))).toEqual([]);
  });

  it("min_score drops papers below it and keeps papers exactly at it", () => {
    const kw = [
      { term: "alpha", weight: 1 },
      { term: "beta", weight: 0.5 },
    ];
    const one = makePaper({ title: "x", abstract: "alpha" }); // 1
    const oneHalf = makePaper({ title: "x", abstract: "alpha beta" }); // 1.5
    const three = makePaper({ title: "alpha beta", abstract: "" }); // 1.5 + 0.75 = 2.25
    const ranked = rankPapers([one, oneHalf, three], makeProfile({ keywords: kw, minScore: 1.5 }));
    expect(ranked.map((r) => [r.paper.id, r.score])).toEqual([
      [three.id, 2.25],
      [oneHalf.id, 1.5],
    ]);
  });

  it("only the profile's announce types pass", () => {
    const papers = (["new", "cross", "replace", "replace-cross"] as const).map((t) =>
      makePaper({ announceType: t, title: `LLM ${t}` }),
    );
    const kw = [{ term: "LLM", weight: 1 }];
    expect(rankPapers(papers, makeProfile({ keywords: kw, announceTypes: ["new"] })).map((r) => r.paper.announceType)).toEqual(["new"]);
    expect(
      rankPapers(papers, makeProfile({ keywords: kw, announceTypes: ["new", "cross"] }))
        .map((r) => r.paper.announceType)
        .sort(),
    ).toEqual(["cross", "new"]);
  });
});

describe("rankPapers: order and limit", () => {
  it("orders by score, highest first", () => {
    const kw = [
      { term: "alpha", weight: 1 },
      { term: "beta", weight: 2 },
    ];
    const a = makePaper({ id: "2606.00001", title: "x", abstract: "alpha" });
    const b = makePaper({ id: "2606.00002", title: "x", abstract: "alpha beta" });
    const c = makePaper({ id: "2606.00003", title: "x", abstract: "beta" });
    expect(ids(rankPapers([a, b, c], makeProfile({ keywords: kw })))).toEqual([b.id, c.id, a.id]);
  });

  it("breaks score ties by title score: the keyword in the title wins", () => {
    // Both score 2: one has the keyword in the title (1 + 1×1), one has two abstract-only keywords (1 + 1).
    const kw = [
      { term: "alpha", weight: 1 },
      { term: "beta", weight: 1 },
    ];
    const abstractOnly = makePaper({ id: "2606.00009", title: "x", abstract: "alpha beta" });
    const titled = makePaper({ id: "2606.00001", title: "alpha", abstract: "" });
    const ranked = rankPapers([abstractOnly, titled], makeProfile({ keywords: kw, titleWeight: 1 }));
    expect(ranked.map((r) => r.score)).toEqual([2, 2]);
    expect(ids(ranked)).toEqual([titled.id, abstractOnly.id]);
  });

  it("breaks remaining ties by newest id: 2606.30639 before 2606.30638, modern before old-style", () => {
    const order = ["2607.00001", "2606.30639", "2606.30638", "2606.03000", "1501.00001", "0704.0001", "math/0703999", "hep-th/0101001", "hep-th/9912999", "hep-th/9901001"];
    const shuffled = [order[5], order[2], order[9], order[0], order[7], order[3], order[1], order[8], order[4], order[6]].map((id) =>
      makePaper({ id: id!, title: "same" }),
    );
    expect(ids(rankPapers(shuffled, makeProfile()))).toEqual(order);
  });

  it("keeps only the top `limit` papers", () => {
    const kw = [{ term: "alpha", weight: 1 }];
    const low = [1, 2, 3].map(() => makePaper({ title: "x", abstract: "alpha" }));
    const high = [1, 2].map(() => makePaper({ title: "alpha", abstract: "alpha" }));
    const ranked = rankPapers([...low, ...high], makeProfile({ keywords: kw, limit: 2 }));
    expect(ids(ranked).sort()).toEqual(ids(rankPapers(high, makeProfile({ keywords: kw }))).sort());
    expect(rankPapers([...low, ...high], makeProfile({ keywords: kw, limit: 4 }))).toHaveLength(4);
  });
});

describe("idSortKey and compareRanked", () => {
  it("idSortKey grows with newer ids", () => {
    expect(idSortKey("2606.30639")).toBeGreaterThan(idSortKey("2606.30638"));
    expect(idSortKey("2607.00001")).toBeGreaterThan(idSortKey("2606.99999"));
    expect(idSortKey("1501.00001")).toBeGreaterThan(idSortKey("1412.9999"));
    expect(idSortKey("0704.0001")).toBeGreaterThan(idSortKey("math/0703999"));
    expect(idSortKey("hep-th/0101001")).toBeGreaterThan(idSortKey("hep-th/9912999"));
  });

  it("compareRanked puts the higher score, then higher title score, then newer id first", () => {
    const r = (id: string, score: number, titleScore: number): RankedPaper => ({ paper: makePaper({ id }), score, titleScore, matches: [] });
    expect(compareRanked(r("2606.00001", 2, 0), r("2606.00002", 1, 0))).toBeLessThan(0);
    expect(compareRanked(r("2606.00001", 2, 1), r("2606.00002", 2, 0))).toBeLessThan(0);
    expect(compareRanked(r("2606.00002", 2, 1), r("2606.00001", 2, 1))).toBeLessThan(0);
    expect(compareRanked(r("2606.00001", 2, 1), r("2606.00002", 2, 1))).toBeGreaterThan(0);
  });
});

describe("rankDays", () => {
  const kw = [{ term: "alpha", weight: 1 }];
  const day = (date: string, n: number) => ({
    date,
    papers: Array.from({ length: n }, (_, i) => makePaper({ announced: date, title: i === 0 ? "alpha" : "x", abstract: "alpha" })),
  });

  it("ranks each day separately, newest day first, the top `limit` of each", () => {
    const days = [day("2026-06-26", 3), day("2026-06-30", 3), day("2026-06-29", 1)];
    const ranked = rankDays(days, makeProfile({ keywords: kw, limit: 2 }));
    expect(ranked.map((d) => d.date)).toEqual(["2026-06-30", "2026-06-29", "2026-06-26"]);
    expect(ranked.map((d) => d.papers.length)).toEqual([2, 1, 2]);
    for (const d of ranked) {
      expect(d.papers.every((r) => r.paper.announced === d.date)).toBe(true);
      expect(d.papers[0]!.paper.title).toBe("alpha");
    }
  });

  it("keeps a day whose papers all fail, with no papers", () => {
    const ranked = rankDays([{ date: "2026-06-30", papers: [makePaper({ title: "x", abstract: "y" })] }], makeProfile({ keywords: kw }));
    expect(ranked).toEqual([{ date: "2026-06-30", papers: [] }]);
  });
});

describe("the shipped config's profile over the real cs.AI day", () => {
  const { profile } = getConfig();
  let papers: Paper[];
  let ranked: RankedPaper[];

  // An independent reading of the profile: prefix matching at a word start, words joined by spaces or hyphens.
  const pattern = (term: string) =>
    new RegExp(
      `(?<![\\p{L}\\p{N}])${term
        .split(/[\s-]+/)
        .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[\\s\\-\\u2010-\\u2015]+")}`,
      "iu",
    );
  const has = (term: string, text: string) => pattern(term).test(text);

  beforeAll(() => {
    expect(profile.match).toBe("prefix");
    papers = parseFixture(dayFixture("cs.AI")).papers;
    ranked = rankPapers(papers, profile);
  });

  it("fills the limit from a full day", () => {
    expect(ranked).toHaveLength(profile.limit);
  });

  it("keeps only the configured announce types and no paper with an excluded term", () => {
    for (const r of ranked) {
      expect(profile.announceTypes).toContain(r.paper.announceType);
      for (const term of profile.exclude) {
        expect(has(term, r.paper.title) || has(term, r.paper.abstract)).toBe(false);
      }
    }
  });

  it("each score and title score is recomputed exactly from its matches", () => {
    for (const r of ranked) {
      const a = r.matches.reduce((s, m) => s + m.weight, 0);
      const t = r.matches.filter((m) => m.inTitle).reduce((s, m) => s + m.weight, 0);
      expect(r.score).toBeCloseTo(a + profile.titleWeight * t, 6);
      expect(r.titleScore).toBeCloseTo(t, 6);
      expect(r.score).toBeGreaterThanOrEqual(profile.minScore);
    }
  });

  it("each paper's matches are exactly the keywords found in its title and abstract", () => {
    for (const r of ranked) {
      const expected = profile.keywords
        .map((k) => ({ term: k.term, weight: k.weight, inTitle: has(k.term, r.paper.title), inAbstract: has(k.term, r.paper.abstract) }))
        .filter((m) => m.inTitle || m.inAbstract);
      expect(r.matches).toEqual(expected);
    }
  });

  it("is sorted: score desc, then title score desc, then newest id", () => {
    for (let i = 1; i < ranked.length; i++) {
      const a = ranked[i - 1]!;
      const b = ranked[i]!;
      expect(compareRanked(a, b)).toBeLessThan(0);
      expect(a.score).toBeGreaterThanOrEqual(b.score);
      if (a.score === b.score) {
        expect(a.titleScore).toBeGreaterThanOrEqual(b.titleScore);
        if (a.titleScore === b.titleScore) expect(a.paper.id > b.paper.id).toBe(true);
      }
    }
  });

  it("is exactly the top of an independent scoring of the whole day", () => {
    const scored = papers
      .filter((p) => profile.announceTypes.includes(p.announceType))
      .filter((p) => !profile.exclude.some((t) => has(t, p.title) || has(t, p.abstract)))
      .map((p) => {
        let a = 0;
        let t = 0;
        for (const k of profile.keywords) {
          const inTitle = has(k.term, p.title);
          if (inTitle || has(k.term, p.abstract)) a += k.weight;
          if (inTitle) t += k.weight;
        }
        return { id: p.id, matched: a > 0, score: a + profile.titleWeight * t, t };
      })
      .filter((s) => s.matched && s.score >= profile.minScore)
      .sort((x, y) => y.score - x.score || y.t - x.t || (x.id < y.id ? 1 : -1));
    expect(scored.length).toBeGreaterThan(profile.limit);
    expect(ids(ranked)).toEqual(scored.slice(0, profile.limit).map((s) => s.id));
  });
});

describe("matchRanges: where a keyword matched, for highlighting", () => {
  it("follows the match mode: prefix starts at a word, word also ends at one, substring anywhere", () => {
    const text = "RLHF for world models; RL and LLMs";
    const show = (ranges: [number, number][]) => ranges.map(([a, b]) => text.slice(a, b));
    expect(show(matchRanges(text, ["RL"], "prefix"))).toEqual(["RL", "RL"]);
    expect(show(matchRanges(text, ["RL"], "word"))).toEqual(["RL"]);
    expect(show(matchRanges(text, ["rl"], "substring"))).toEqual(["RL", "rl", "RL"]);
    expect(show(matchRanges(text, ["LLM"], "prefix"))).toEqual(["LLM"]);
    expect(matchRanges(text, ["LLM"], "word")).toEqual([]);
  });

  it("multi-word keywords match across spaces and hyphens, and overlapping matches merge", () => {
    const text = "A multi-agent system of multi agents";
    const show = (ranges: [number, number][]) => ranges.map(([a, b]) => text.slice(a, b));
    expect(show(matchRanges(text, ["multi agent"], "prefix"))).toEqual(["multi-agent", "multi agent"]);
    expect(show(matchRanges(text, ["multi", "multi-agent system"], "prefix"))).toEqual(["multi-agent system", "multi"]);
  });

  it("agrees with ranking on every fixture paper: a paper matches a keyword exactly when a range is found", () => {
    const papers = parseFixture(dayFixture("cs.AI")).papers.slice(0, 60);
    for (const mode of ["prefix", "word", "substring"] as const) {
      for (const term of ["LLM", "agent", "RL", "multi agent", "Inference", "reason"]) {
        for (const paper of papers) {
          const matched = compileMatcher(term, mode).test(paper.title, paper.title.toLowerCase());
          expect(matchRanges(paper.title, [term], mode).length > 0, `${mode} ${term} ${paper.title}`).toBe(matched);
        }
      }
    }
  });

  it("keywords with regular-expression characters are literal", () => {
    expect(matchRanges("C++ and (a+b)", ["C++", "(a+b)"], "substring")).toEqual([[0, 3], [8, 13]]);
  });
});

describe("firstInOrder: the top of a list without sorting all of it", () => {
  it("gives what a stable sort gives, equal items in their order, for any limit", () => {
    // Items compared by their score alone, so that many are equal and only their order tells them apart.
    const item = fc.record({ score: fc.integer({ min: 0, max: 6 }), id: fc.nat() });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 300 }), fc.integer({ min: 0, max: 320 }), (items, limit) => {
        const byScore = (a: { score: number }, b: { score: number }) => b.score - a.score;
        const expected = limit > 0 ? [...items].sort(byScore).slice(0, limit) : [];
        expect(firstInOrder([...items], limit, byScore)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
