// lib/rank.ts matches every profile's terms in one pass per text; test/helpers/rank-reference.ts is the
// ranking as it was, one matcher per term. They must agree exactly: on every fixture, with the shipped and
// legacy keyword lists, with hundreds of the fixtures' own words, with the terms that make matching hard
// (several words, hyphens, regular-expression characters, non-ASCII, prefixes of each other, duplicates),
// in every match mode, with and without exclusions; and on random texts and terms.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../lib/config";
import * as rank from "../../lib/rank";
import { MATCH_MODES, type AnnouncementDay, type AnnounceType, type Keyword, type Paper, type RankProfile } from "../../lib/types";
import { ALL_TYPES, makePaper, makeProfile, parseFixture } from "../helpers/fixtures";
import * as reference from "../helpers/rank-reference";

// `npm run test:fuzz` (FUZZ_RUNS=2000) compares every paper of every fixture and many more random cases; the
// default run compares an even spread of each fixture's papers (the reference is slow: one pass per term).
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const EVERY_PAPER = RUNS >= 1000;
const PROPERTY_TIMEOUT = 20_000 + RUNS * 20;

const FIXTURE_FILES = [
  ...readdirSync(new URL("../fixtures/arxiv/day/", import.meta.url)).map((f) => `day/${f}`),
  ...readdirSync(new URL("../fixtures/arxiv/real/", import.meta.url)).map((f) => `real/${f}`),
  "rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml",
].filter((f) => f.endsWith(".xml"));

/** At most `n` of the papers, evenly spread (all of them when fuzzing). */
function spread(papers: readonly Paper[], n: number): Paper[] {
  if (EVERY_PAPER || papers.length <= n) return [...papers];
  const step = papers.length / n;
  return Array.from({ length: n }, (_, i) => papers[Math.floor(i * step)]!);
}

/** Two announcement days of a fixture's papers, so that the days' order and per-day limits count too. */
function daysOf(papers: readonly Paper[]): AnnouncementDay<Paper>[] {
  const half = Math.ceil(papers.length / 2);
  return [
    { date: "2026-06-29", papers: papers.slice(half) },
    { date: "2026-06-30", papers: papers.slice(0, half) },
  ];
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** 500 words of the fixtures' own titles and abstracts: half as often as they occur (so duplicates), half from the vocabulary. */
function fixtureWords(): string[] {
  const next = random(20261001);
  const tokens = FIXTURE_FILES.flatMap((f) => parseFixture(f).papers.flatMap((p) => `${p.title} ${p.abstract}`.split(/[^\p{L}\p{N}]+/u))).filter(Boolean);
  const vocabulary = [...new Set(tokens)];
  return Array.from({ length: 500 }, (_, i) => (i % 2 ? tokens : vocabulary)[Math.floor(next() * (i % 2 ? tokens : vocabulary).length)]!);
}

const legacy = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/legacy-config/${name}`, import.meta.url), "utf8")) as { keywords: string[]; exclude_keywords: string[]; min_score?: number };

const weighted = (terms: readonly string[], weights: readonly number[] = [1]): Keyword[] =>
  terms.map((term, i) => ({ term, weight: weights[i % weights.length]! }));

interface KeywordSet {
  name: string;
  keywords: Keyword[];
  exclude: string[];
  /** Fewer papers in the default run for the big sets. */
  papers: number;
  profile?: Partial<RankProfile>;
}

const HARD_TERMS = [
  // several words, hyphens and Unicode dashes
  "large language model", "language model", "multi-agent", "multi agent", "mixture-of-experts", "reinforcement learning",
  "chain of thought", "chain-of-thought", "state space model", "vision–language", "fine-tuning", "real-time", "zero-shot", "in-context learning",
  "- -", " ", "—",
  // regular-expression characters
  "C++", "(RL)", "a.b", "[CLS]", "$", "^", "x*", "\\d", "?", "|", "{2}", "e.g.", "i.e.", "+", ".", "(", "k-NN", "3D", "2.5",
  // non-ASCII: accents, letters whose lower case is longer (İ), case pairs that are not one-to-one (ß/ẞ, σ/ς/Σ, K/k, ſ), ligatures, CJK, astral
  "é", "naïve", "Schrödinger", "İstanbul", "İ", "ß", "STRASSE", "ẞ", "σ", "Σ", "ς", "\u212A", "ſ", "ﬁ", "数据", "Ω", "µ", "→", "Ä", "🤖", "𝐀",
  // prefixes of each other, and duplicates differing in case
  "LLM", "LLMs", "L", "LL", "llm", "Llm", "model", "models", "modeling", "mod", "Model", "MODEL", "learn", "learning", "learner", "a", "an", "the",
];

const keywordSets = (): KeywordSet[] => {
  const shipped = getConfig().profile;
  const earlier = legacy("config-earlier.json");
  const last = legacy("config-last.json");
  return [
    { name: "config.json's", keywords: shipped.keywords, exclude: shipped.exclude, papers: 160 },
    { name: "config.json's, as the shipped profile", keywords: shipped.keywords, exclude: shipped.exclude, papers: 160, profile: { ...shipped } },
    { name: "config-earlier.json's", keywords: weighted(earlier.keywords), exclude: earlier.exclude_keywords, papers: 100, profile: { minScore: earlier.min_score } },
    { name: "config-last.json's", keywords: weighted(last.keywords), exclude: last.exclude_keywords, papers: 60 },
    { name: "500 words of the fixtures", keywords: weighted(fixtureWords(), [1, 0.1, 0.2, 2.5]), exclude: ["survey", "quantum", "a", "protein folding"], papers: 25 },
    { name: "hard terms", keywords: weighted(HARD_TERMS, [1, 0.1, 0.2, 3]), exclude: ["survey", "review", "C++", "graph neural", "İ", "🤖"], papers: 80 },
  ];
};

describe("rankDays is exactly the reference's on every fixture, keyword set, mode, with and without exclusions", () => {
  const sets = keywordSets();
  const cases = FIXTURE_FILES.flatMap((file) => sets.map((set) => [file, set.name, set] as const));
  // With every paper (test:fuzz), the largest fixture by 500 words takes seconds against the reference.
  it.each(cases)("%s × %s keywords, scanned and from an index", { timeout: EVERY_PAPER ? 60_000 : 5_000 }, (file, _name, set) => {
    const days = daysOf(spread(parseFixture(file).papers, set.papers));
    const indexes = rank.indexDays(days);
    for (const match of MATCH_MODES) {
      for (const exclude of [[], set.exclude]) {
        const profile = makeProfile({ keywords: set.keywords, exclude, limit: 10_000, announceTypes: ALL_TYPES, ...set.profile, match });
        const expected = reference.rankDays(days, profile);
        expect(rank.rankDays(days, profile), `${match}, ${exclude.length} exclusions`).toStrictEqual(expected);
        expect(rank.rankDays(days, profile, indexes), `${match}, ${exclude.length} exclusions, indexed`).toStrictEqual(expected);
      }
    }
  });

  it("an index filters announce types as the reference does, for every set of them", () => {
    const days = daysOf(spread(parseFixture(FIXTURE_FILES.at(-1)!).papers, 300));
    const indexes = rank.indexDays(days);
    const subsets = ALL_TYPES.reduce<AnnounceType[][]>((acc, type) => acc.concat(acc.map((s) => [...s, type])), [[]]);
    expect(subsets).toHaveLength(16);
    for (const announceTypes of subsets) {
      const profile = makeProfile({ keywords: weighted(["model", "agent", "LLM"]), limit: 50, announceTypes });
      const expected = reference.rankDays(days, profile);
      expect(rank.rankDays(days, profile, indexes), announceTypes.join(",")).toStrictEqual(expected);
    }
  });

  it("rankDaysInSlices and rankPapers agree with the reference too", async () => {
    const papers = spread(parseFixture(FIXTURE_FILES.at(-1)!).papers, 200);
    const profile = makeProfile({ keywords: weighted(HARD_TERMS), exclude: ["survey"], limit: 40 });
    expect(await rank.rankDaysInSlices(daysOf(papers), profile, async () => {})).toStrictEqual(reference.rankDays(daysOf(papers), profile));
    expect(rank.rankPapers(papers, profile)).toStrictEqual(reference.rankPapers(papers, profile));
  });

  it("a term set too large for one automaton is matched term by term, with the same results", () => {
    const next = random(7);
    const alphabet = [..."abcdefghijklmnopqrstuvwxyz0123456789éèàçüößñαβγδεζηθλμπσφχψωабвгдежзийклмнопрстуфхцчшщэюя"];
    const long = Array.from({ length: 400 }, () => Array.from({ length: 260 }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""));
    const papers = spread(parseFixture(FIXTURE_FILES.at(-1)!).papers, 30);
    for (const match of MATCH_MODES) {
      const profile = makeProfile({ keywords: weighted([...long, "model", "large language model", "agent"]), exclude: [long[3]!, "survey"], match });
      expect(rank.rankDays(daysOf(papers), profile)).toStrictEqual(reference.rankDays(daysOf(papers), profile));
    }
  });

  it("a paper's cached lower-cased text, and an index of it, follow a change of its title or abstract", () => {
    const paper = makePaper({ title: "Agents", abstract: "Nothing." });
    const profile = makeProfile({ keywords: weighted(["agent", "LLM"]) });
    expect(rank.rankPapers([paper], profile)[0]!.matches.map((m) => m.term)).toEqual(["agent"]);
    const days = [{ date: "2026-06-30", papers: [paper] }];
    const indexes = rank.indexDays(days);
    paper.title = "LLM serving";
    paper.abstract = "Agents everywhere.";
    expect(rank.rankPapers([paper], profile)).toStrictEqual(reference.rankPapers([paper], profile));
    // An index made before the change is not used.
    expect(rank.rankDays(days, profile, indexes)).toStrictEqual(reference.rankDays(days, profile));
  });

  it("an index is not used once a paper's id changed (ties are broken by id)", () => {
    const papers = [makePaper({ id: "2606.00002", title: "x" }), makePaper({ id: "2606.00001", title: "x" })];
    const days = [{ date: "2026-06-30", papers }];
    const indexes = rank.indexDays(days);
    const profile = makeProfile({ keywords: weighted(["x"]) });
    papers[1]!.id = "2606.00009";
    expect(rank.rankDays(days, profile, indexes)).toStrictEqual(reference.rankDays(days, profile));
  });

  it("an index is not used once a paper's announce type changed", () => {
    const papers = [makePaper({ id: "2606.00002", title: "x", announceType: "new" }), makePaper({ id: "2606.00001", title: "x", announceType: "new" })];
    const days = [{ date: "2026-06-30", papers }];
    const indexes = rank.indexDays(days);
    const profile = makeProfile({ keywords: weighted(["x"]), announceTypes: ["new"] });
    papers[1]!.announceType = "replace";
    const ranked = rank.rankDays(days, profile, indexes);
    expect(ranked).toStrictEqual(reference.rankDays(days, profile));
    expect(ranked[0]!.papers.map((r) => r.paper.id)).toEqual(["2606.00002"]);
  });

  it("two sliced rankings of the same terms at once (one compiled set, shared) each get their own results", async () => {
    const papers = spread(parseFixture(FIXTURE_FILES.at(-1)!).papers, 400);
    const keywords = weighted(["model", "agent", "graph", "LLM"]);
    const a = makeProfile({ keywords, limit: 50 });
    const b = makeProfile({ keywords: weighted(["model", "agent", "graph", "LLM"], [2, 1]), titleWeight: 3, limit: 20 });
    const [ra, rb] = await Promise.all([rank.rankDaysInSlices(daysOf(papers), a), rank.rankDaysInSlices(daysOf(papers), b)]);
    expect(ra).toStrictEqual(reference.rankDays(daysOf(papers), a));
    expect(rb).toStrictEqual(reference.rankDays(daysOf(papers), b));
  });
});

// Random texts and terms from a small alphabet heavy in what is hard (separators, case pairs that are not
// one-to-one, letters whose lower case is longer, astral letters), so that terms often occur in the texts.
const PIECES = [
  "a", "b", "ab", "A", "B", "l", "L", "m", " ", "-", "\u2010", "\u2014", "\n", ".", "+", "(", ")", "1", "é", "É", "İ", "ı", "i", "\u0307",
  "ß", "ẞ", "ss", "σ", "Σ", "ς", "\u212A", "k", "ſ", "s", "ﬁ", "fi", "𝐀", "🤖", "\uD835", "Ω", "ω", "_",
];
const pieceText = (maxLength: number) => fc.array(fc.constantFrom(...PIECES), { maxLength }).map((p) => p.join(""));
const anyText = fc.oneof({ weight: 4, arbitrary: pieceText(30) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) });

const randomCase = fc
  .record({
    texts: fc.array(fc.tuple(anyText, anyText), { minLength: 1, maxLength: 4 }),
    terms: fc.array(fc.oneof(pieceText(4), fc.string({ unit: "binary", maxLength: 3 })), { maxLength: 6 }),
    picks: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 8 })), { maxLength: 4 }),
    exclude: fc.array(pieceText(3), { maxLength: 2 }),
    weights: fc.array(fc.constantFrom(0.1, 0.2, 1, 2.5), { minLength: 1, maxLength: 3 }),
    titleWeight: fc.constantFrom(0, 0.5, 2),
    minScore: fc.constantFrom(0, 0.3, 1),
  })
  .map((c) => {
    // Some terms cut from the texts themselves, so that most cases have matches.
    const all = c.texts.flat();
    const cut = c.picks.map(([which, at, length]) => {
      const text = all[which % all.length]!;
      const start = text.length ? at % text.length : 0;
      return text.slice(start, start + length);
    });
    return { ...c, terms: [...c.terms, ...cut] };
  });

// Texts of Latin-1 only, which ranking reads as they are (each character through its lower case), and
// terms from the same characters, in any case.
const LATIN1_PIECES = ["a", "A", "ab", "AB", "é", "É", "àö", "ÀÖ", "ÿ", "Þ", "þ", "ß", "µ", "ª", "×", "÷", " ", "-", "\u00A0", "\n", "1", "."];
const latin1Char = fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c));
const latin1Text = (maxLength: number) =>
  fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LATIN1_PIECES) }, { weight: 1, arbitrary: latin1Char }), { maxLength }).map((p) => p.join(""));
const latin1Case = fc.record({
  texts: fc.array(fc.tuple(latin1Text(30), latin1Text(30)), { minLength: 1, maxLength: 4 }),
  terms: fc.array(latin1Text(3), { minLength: 1, maxLength: 6 }),
  exclude: fc.array(latin1Text(2), { maxLength: 2 }),
  weights: fc.array(fc.constantFrom(0.1, 1, 2.5), { minLength: 1, maxLength: 3 }),
});

// Terms an index can answer (letters and digits, words apart in "prefix" and "word"), over the same texts.
const WORD_PIECES = ["a", "b", "ab", "A", "l", "L", "m", "1", "é", "É", "ı", "i", "ß", "ẞ", "ss", "σ", "Σ", "ς", "\u212A", "k", "ſ", "s", "ﬁ", "Ω"];
const wordTerm = fc.array(fc.constantFrom(...WORD_PIECES), { minLength: 1, maxLength: 3 }).map((p) => p.join(""));
const indexableCase = fc
  .record({
    texts: fc.array(fc.tuple(anyText, anyText), { minLength: 1, maxLength: 6 }),
    terms: fc.array(fc.oneof(wordTerm, fc.tuple(wordTerm, fc.constantFrom(" ", "-", " - ", "\u2014"), wordTerm).map((t) => t.join(""))), { minLength: 1, maxLength: 6 }),
    exclude: fc.array(wordTerm, { maxLength: 2 }),
    weights: fc.array(fc.constantFrom(0.1, 1, 2.5), { minLength: 1, maxLength: 3 }),
  });

describe("random texts and terms: the same scores and matches as the reference", { timeout: PROPERTY_TIMEOUT }, () => {
  it("rankDays from an index, with terms it can answer, in every mode", () => {
    fc.assert(
      fc.property(indexableCase, (c) => {
        const days = [{ date: "2026-06-30", papers: c.texts.map(([title, abstract]) => makePaper({ title, abstract })) }];
        const indexes = rank.indexDays(days);
        for (const match of MATCH_MODES) {
          const oneWord = match === "substring" ? c.terms.filter((t) => !/[\s\u2014-]/.test(t)) : c.terms;
          const profile = makeProfile({ keywords: weighted(oneWord, c.weights), exclude: c.exclude, match });
          expect(rank.indexCanRank(profile)).toBe(true);
          expect(rank.rankDays(days, profile, indexes)).toStrictEqual(reference.rankDays(days, profile));
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("texts of Latin-1 only, in every mode", () => {
    fc.assert(
      fc.property(latin1Case, (c) => {
        const papers = c.texts.map(([title, abstract]) => makePaper({ title, abstract }));
        for (const match of MATCH_MODES) {
          const profile = makeProfile({ keywords: weighted(c.terms, c.weights), exclude: c.exclude, match });
          expect(rank.rankPapers(papers, profile)).toStrictEqual(reference.rankPapers(papers, profile));
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("rankPapers, and rankDays from an index, in every mode", () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        const papers = c.texts.map(([title, abstract]) => makePaper({ title, abstract }));
        const days = [{ date: "2026-06-30", papers }];
        const indexes = rank.indexDays(days);
        for (const match of MATCH_MODES) {
          const profile = makeProfile({ keywords: weighted(c.terms, c.weights), exclude: c.exclude, match, titleWeight: c.titleWeight, minScore: c.minScore });
          expect(rank.rankPapers(papers, profile)).toStrictEqual(reference.rankPapers(papers, profile));
          expect(rank.rankDays(days, profile, indexes)).toStrictEqual(reference.rankDays(days, profile));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("compileMatcher, term by term", () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        for (const match of MATCH_MODES) {
          for (const term of c.terms) {
            const ours = rank.compileMatcher(term, match);
            const theirs = reference.compileMatcher(term, match);
            for (const text of c.texts.flat()) expect(ours.test(text, text.toLowerCase())).toBe(theirs.test(text, text.toLowerCase()));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
