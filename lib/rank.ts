// Pure ranking: the old bot's score (A + title_weight × T), with word-aware matching, exclusions,
// min_score, an announce-type filter, a deterministic order and a per-day limit.
//
// Matching runs in one pass per text: a profile's keywords and exclusions are compiled once (and kept, by
// their terms and mode) into one Aho–Corasick automaton over the lower-cased text, which reports every
// occurrence of every term; the word-boundary checks then run per occurrence. A text of Latin-1 characters
// (nearly all of arXiv's) is read as it is, each character through its lower case's column; any other is
// lower-cased once, and kept while the paper lives. A day ranked by many profiles (custom
// feeds) can instead be ranked from an index of its words (PaperIndex), with the same results.
import { LruCache } from "./lru";
import { ANNOUNCE_TYPES, type AnnouncementDay, type AnnounceType, type KeywordMatch, type MatchMode, type Paper, type RankProfile, type RankedPaper } from "./types";

interface Matcher {
  /** Whether the keyword occurs in `text` (`lower` is `text.toLowerCase()`, computed once per paper). */
  test: (text: string, lower: string) => boolean;
}

const WORD_CHAR = "[\\p{L}\\p{N}]";
const WORD_CHAR_RE = /[\p{L}\p{N}]/u;

/** Whether `s[i]` is a letter or digit (ASCII answered without a regular expression: it is the hot path). */
function isWordCharAt(s: string, i: number): boolean {
  if (i < 0 || i >= s.length) return false;
  const c = s.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return WORD_CHAR_RE.test(s[i]!);
}

/** Whether `s` is not empty and every code unit of it a letter or digit, by isWordCharAt's rule. */
/** isWordCharAt(s, i) for the code unit c = s.charCodeAt(i), read already. */
function isWordCode(c: number, s: string, i: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return WORD_CHAR_RE.test(s[i]!);
}

function isAllWordChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isWordCharAt(s, i)) return false;
  return s.length > 0;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Spaces, hyphens and Unicode dashes: what separates the words of a keyword. */
const SEPARATORS = /[\s\-\u2010-\u2015]+/;

/**
 * How one term is looked for: `needle` in the lower-cased text, then, for a one-word keyword, the word
 * boundaries at that occurrence (in the lower-cased text), or, for a multi-word keyword, `pattern` over
 * the original text (the needle, its first word, is only a cheap test before it).
 */
interface TermPlan {
  needle: string;
  /** 0: anywhere; 1: starting at a word boundary; 2: also ending at one. */
  edges: 0 | 1 | 2;
  pattern?: RegExp;
}

/**
 * "substring" is the old bot exactly: case-insensitive substring, so "RL" matches "world".
 * "prefix" starts at a word boundary ("RL" matches "RLHF", not "world"; "LLM" matches "LLMs").
 * "word" also ends at one. In those two, the words of a keyword match across spaces and hyphens.
 */
function planTerm(term: string, mode: MatchMode): TermPlan {
  const lowerTerm = term.toLowerCase();
  if (mode === "substring") return { needle: lowerTerm, edges: 0 };
  const words = lowerTerm.split(SEPARATORS).filter(Boolean);
  if (words.length === 1) return { needle: words[0]!, edges: mode === "word" ? 2 : 1 };
  const body = words.map(escapeRegExp).join("[\\s\\-\\u2010-\\u2015]+");
  const pattern = new RegExp(`(?<!${WORD_CHAR})${body}${mode === "word" ? `(?!${WORD_CHAR})` : ""}`, "iu");
  return { needle: words[0] ?? lowerTerm, edges: 0, pattern };
}

/** Whether an occurrence of a needle at [start, end) of the lower-cased text has the boundaries asked. */
function hasEdges(lower: string, start: number, end: number, edges: 0 | 1 | 2): boolean {
  return edges === 0 || (!isWordCharAt(lower, start - 1) && !(edges === 2 && isWordCharAt(lower, end)));
}

/** One term's matcher on its own, by the same rules as ranking (which matches all of a profile's terms at once). */
export function compileMatcher(term: string, mode: MatchMode): Matcher {
  const { needle, edges, pattern } = planTerm(term, mode);
  if (pattern) return { test: (text, lower) => lower.includes(needle) && pattern.test(text) };
  if (edges === 0) return { test: (_text, lower) => lower.includes(needle) };
  return {
    test: (_text, lower) => {
      for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, i + 1)) {
        if (hasEdges(lower, i, i + needle.length, edges)) return true;
      }
      return false;
    },
  };
}

const SEPARATOR = "[\\s\\-\\u2010-\\u2015]+";

/**
 * Where keywords occur in `text`, by the same rules as matching, as sorted [start, end) ranges with
 * overlaps merged: for highlighting what made a paper rank.
 */
export function matchRanges(text: string, terms: readonly string[], mode: MatchMode): [number, number][] {
  const found: [number, number][] = [];
  for (const term of terms) {
    const words = term.split(/[\s\-\u2010-\u2015]+/).filter(Boolean);
    if (words.length === 0) continue;
    const body = mode === "substring" ? escapeRegExp(term) : words.map(escapeRegExp).join(SEPARATOR);
    const pattern =
      mode === "substring" ? body : `(?<!${WORD_CHAR})${body}${mode === "word" ? `(?!${WORD_CHAR})` : ""}`;
    for (const m of text.matchAll(new RegExp(pattern, "giu"))) if (m[0]) found.push([m.index, m.index + m[0].length]);
  }
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const range of found) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

/** Transition-table entries (4 bytes each) an automaton may take; a larger term set is matched term by term. */
const MAX_TABLE = 1 << 22;

/**
 * Aho–Corasick over the needles of a term set, as a full transition table (every state × every character
 * class): a text costs one table read per character. Characters in no needle share class 0, whose column
 * leads back to the root.
 */
interface Automaton {
  /** For each code unit below 0x800, where its class's column starts in `delta` (class × states). */
  lowColumn: Int32Array;
  /**
   * For each code unit up to U+00FF, its lower case's column: a text of such characters is scanned as it
   * is, as if lower-cased (see foldable).
   */
  foldedColumn: Int32Array;
  /** The same for the code units above that occur in some needle; any other is in class 0. */
  highColumn: Map<number, number>;
  /** The next state, delta[column + state]; complemented (~state, negative) when that state ends a needle. */
  delta: Int32Array;
  /** The terms whose needle ends at state s (its own and its suffixes'): outTerms[outStart[s] … outStart[s + 1]). */
  outStart: Int32Array;
  outTerms: Int32Array;
}

/** The automaton of these (term, non-empty needle) pairs, or undefined when its table would be too large. */
function buildAutomaton(needles: readonly (readonly [number, string])[]): Automaton | undefined {
  const lowClass = new Int32Array(0x800);
  const highClass = new Map<number, number>();
  const classOf = (c: number) => (c < 0x800 ? lowClass[c]! : (highClass.get(c) ?? 0));
  let width = 1;
  let length = 0;
  for (const [, needle] of needles) {
    length += needle.length;
    for (let i = 0; i < needle.length; i++) {
      const c = needle.charCodeAt(i);
      if (classOf(c) !== 0) continue;
      if (c < 0x800) lowClass[c] = width++;
      else highClass.set(c, width++);
    }
  }
  // Every state but the root is some needle's character: a bound on the table known before building.
  if ((length + 1) * width > MAX_TABLE) return undefined;

  // The trie of the needles.
  const children: Map<number, number>[] = [new Map()];
  const own: number[][] = [[]];
  for (const [term, needle] of needles) {
    let s = 0;
    for (let i = 0; i < needle.length; i++) {
      const k = classOf(needle.charCodeAt(i));
      let next = children[s]!.get(k);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        own.push([]);
        children[s]!.set(k, next);
      }
      s = next;
    }
    own[s]!.push(term);
  }

  // States renumbered breadth first and the table laid out class by class: the shallow states, where a
  // scan spends most of its time, then share a few cache lines per class. Breadth first also completes
  // each state's failure (shallower) before the state.
  const states = children.length;
  const order = [0];
  for (let q = 0; q < order.length; q++) for (const child of children[order[q]!]!.values()) order.push(child);
  const number = new Int32Array(states);
  order.forEach((old, q) => (number[old] = q));
  const delta = new Int32Array(states * width);
  const fail = new Int32Array(states);
  for (let q = 0; q < states; q++) {
    if (q !== 0) for (let k = 1; k < width; k++) delta[k * states + q] = delta[k * states + fail[q]!]!;
    for (const [k, old] of children[order[q]!]!) {
      const child = number[old]!;
      fail[child] = delta[k * states + q]!;
      delta[k * states + q] = child;
    }
  }
  const out = new Array<number[]>(states);
  for (let q = 0; q < states; q++) out[q] = q === 0 ? own[0]! : own[order[q]!]!.concat(out[fail[q]!]!);
  const outStart = new Int32Array(states + 1);
  for (let q = 0; q < states; q++) outStart[q + 1] = outStart[q]! + out[q]!.length;
  const outTerms = new Int32Array(outStart[states]!);
  for (let q = 0; q < states; q++) outTerms.set(out[q]!, outStart[q]!);
  for (let i = 0; i < delta.length; i++) if (outStart[delta[i]! + 1] !== outStart[delta[i]!]) delta[i] = ~delta[i]!;
  const lowColumn = lowClass.map((k) => k * states);
  return {
    lowColumn,
    foldedColumn: Int32Array.from(LATIN1_LOWER, (lower) => lowColumn[lower]!),
    highColumn: new Map([...highClass].map(([c, k]) => [c, k * states])),
    delta,
    outStart,
    outTerms,
  };
}

const IN_TITLE = 1;
const IN_ABSTRACT = 2;

/** Each code unit up to U+00FF, lower-cased: one such code unit each (Latin-1 has no longer lower case). */
const LATIN1_LOWER = Uint16Array.from({ length: 0x100 }, (_, c) => String.fromCharCode(c).toLowerCase().charCodeAt(0));
const PAST_LATIN1 = /[^\u0000-\u00FF]/;

/** The state nextEnd stopped in. */
let endState = 0;

/**
 * Runs the automaton over bytes[from … n) from state `s`: the first position where a needle ends (its
 * state, uncomplemented, in endState), else n. A function of its own, small, for the tightest loop.
 */
function nextEnd(delta: Int32Array, column: Int32Array, bytes: Uint8Array, from: number, n: number, s: number): number {
  for (let i = from; i < n; i++) {
    s = delta[column[bytes[i]!]! + s]!;
    if (s < 0) {
      endState = ~s;
      return i;
    }
  }
  return n;
}

let latin1Scratch = Buffer.allocUnsafe(4096);

/** A foldable text's characters as bytes, one each, at the start of a buffer reused for every text. */
function latin1Bytes(text: string): Uint8Array {
  if (text.length > latin1Scratch.length) latin1Scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(text.length)));
  latin1Scratch.write(text, 0, "latin1");
  return latin1Scratch;
}

/**
 * Whether `text` can be scanned as it is, each character looked up as its lower case: when it has no
 * character past U+00FF, `text.toLowerCase()` is exactly that, one character for each, in place (no
 * context, no expansion: those are İ and Σ, and past), and a letter's lower case is a letter. The test
 * costs next to nothing on text V8 keeps one byte a character, which is how papers are parsed.
 */
function foldable(text: string): boolean {
  return !PAST_LATIN1.test(text);
}

/**
 * A profile's keywords (terms 0 … keywordCount − 1) and exclusions (the rest), compiled once. `scan` finds
 * them all in one text; what it found for one paper is in `flags` and `touched` until the next `begin`.
 */
class TermSet {
  readonly size: number;
  /** Per keyword: IN_TITLE | IN_ABSTRACT, for the current paper. */
  readonly flags: Uint8Array;
  /** The keywords with flags set for the current paper, in the order found. */
  readonly touched: number[] = [];
  /** Bytes this set holds, roughly: what the cache of compiled sets counts. */
  readonly bytes: number;

  /** How each term is looked for. */
  readonly plans: readonly TermPlan[];
  /**
   * Whether a PaperIndex can answer every term: each needle is letters and digits only, so that each of
   * its occurrences lies inside one word of a text.
   */
  readonly indexable: boolean;
  private readonly edges: Uint8Array;
  private readonly needleLength: Int32Array;
  private readonly patterns: (RegExp | undefined)[];
  /** Terms whose needle is empty: present in every text. */
  private readonly always: number[] = [];
  /**
   * The automaton, or without one (a huge term set) one matcher per term: made at the first scan (a set
   * ranked only from indexes never needs them).
   */
  private engine: { automaton?: Automaton; matchers?: Matcher[] } | undefined;
  private readonly terms: readonly string[];
  private readonly mode: MatchMode;
  /** The text (`stamp`) in which each term has been settled: found, or its pattern tested. */
  private readonly settled: Int32Array;
  private stamp = 0;

  constructor(
    terms: readonly string[],
    readonly keywordCount: number,
    mode: MatchMode,
  ) {
    const plans = terms.map((term) => planTerm(term, mode));
    this.plans = plans;
    this.indexable = plans.every((p) => isAllWordChars(p.needle));
    this.size = plans.length;
    this.flags = new Uint8Array(keywordCount);
    this.edges = Uint8Array.from(plans, (p) => p.edges);
    this.needleLength = Int32Array.from(plans, (p) => p.needle.length);
    this.patterns = plans.map((p) => p.pattern);
    this.settled = new Int32Array(plans.length);
    plans.forEach((p, t) => p.needle || this.always.push(t));
    this.terms = terms;
    this.mode = mode;
    // The automaton's table at most (see buildAutomaton), four bytes an entry.
    const needles = plans.map((p) => p.needle);
    const width = new Set(needles.join("")).size + 1;
    const length = needles.reduce((sum, needle) => sum + needle.length, 0);
    this.bytes = 64 * plans.length + 4 * Math.min(MAX_TABLE, (length + 1) * width);
  }

  private compiled(): { automaton?: Automaton; matchers?: Matcher[] } {
    if (!this.engine) {
      const needles: [number, string][] = [];
      this.plans.forEach((p, t) => p.needle && needles.push([t, p.needle]));
      const automaton = buildAutomaton(needles);
      this.engine = automaton ? { automaton } : { matchers: this.terms.map((term) => compileMatcher(term, this.mode)) };
    }
    return this.engine;
  }

  /**
   * How many times a scan reads a paper's characters, for sizing slices of work: none without terms, once
   * with the automaton, once per term without it, and once more for each multi-word keyword's pattern.
   */
  get passes(): number {
    if (this.size === 0) return 0;
    return (this.compiled().automaton ? 1 : this.size) + this.patterns.filter(Boolean).length;
  }

  /** Forgets the previous paper's keywords. */
  begin(): void {
    for (const t of this.touched) this.flags[t] = 0;
    this.touched.length = 0;
  }

  /**
   * Finds the terms in one text of the paper (`lower` is `text.toLowerCase()`, or undefined when the text
   * is foldable); false as soon as an exclusion is found.
   */
  scan(text: string, lower: string | undefined, where: number): boolean {
    const { automaton, matchers } = this.compiled();
    if (matchers) return this.scanEach(text, lower ?? text.toLowerCase(), where, matchers);
    if (++this.stamp === 0x7fffffff) {
      this.settled.fill(0);
      this.stamp = 1;
    }
    const { settled } = this;
    this.left = this.size;
    for (const t of this.always) {
      settled[t] = this.stamp;
      this.left--;
      if (!this.settle(t, text, where)) return false;
    }
    const { delta, highColumn, lowColumn, foldedColumn } = automaton!;
    let s = 0;
    if (lower === undefined) {
      // A foldable text is read as it is, a byte a character, through its lower cases' columns: the same
      // states, and the same boundaries (a letter of it is a letter lower-cased). Bytes, because in this
      // loop, which is most of ranking, reading a typed array takes about half the time charCodeAt does.
      const bytes = latin1Bytes(text);
      for (let i = 0, n = text.length; (i = nextEnd(delta, foldedColumn, bytes, i, n, s)) < n; i++) {
        s = endState;
        const done = this.ended(automaton!, s, i, text, text, where);
        if (done !== undefined) return done;
      }
    } else {
      for (let i = 0, n = lower.length; i < n; i++) {
        const c = lower.charCodeAt(i);
        s = delta[(c < 0x800 ? lowColumn[c]! : (highColumn.get(c) ?? 0)) + s]!;
        if (s >= 0) continue;
        s = ~s;
        const done = this.ended(automaton!, s, i, lower, text, where);
        if (done !== undefined) return done;
      }
    }
    return true;
  }

  /** Terms not settled in the current text (see scan). */
  private left = 0;

  /**
   * At a state where needles end, at `subject[i]`: settles those that occur here, with the boundaries
   * their terms ask. What scan returns when it is done with the text (an exclusion found, every term
   * settled), else undefined.
   */
  private ended(automaton: Automaton, s: number, i: number, subject: string, text: string, where: number): boolean | undefined {
    const { settled, edges, needleLength, stamp } = this;
    const { outStart, outTerms } = automaton;
    const end = outStart[s + 1]!;
    for (let o = outStart[s]!; o < end; o++) {
      const t = outTerms[o]!;
      if (settled[t] === stamp) continue;
      const e = edges[t]! as 0 | 1 | 2;
      if (e !== 0 && !hasEdges(subject, i + 1 - needleLength[t]!, i + 1, e)) continue;
      settled[t] = stamp;
      if (!this.settle(t, text, where)) return false;
      if (--this.left === 0) return true;
    }
    return undefined;
  }

  /** A term's needle was found where it must be: a keyword is marked, unless its pattern says otherwise. */
  private settle(t: number, text: string, where: number): boolean {
    const pattern = this.patterns[t];
    if (pattern && !pattern.test(text)) return true;
    if (t >= this.keywordCount) return false;
    this.mark(t, where);
    return true;
  }

  private mark(t: number, where: number): void {
    if (this.flags[t] === 0) this.touched.push(t);
    this.flags[t]! |= where;
  }

  private scanEach(text: string, lower: string, where: number, matchers: Matcher[]): boolean {
    for (let t = this.keywordCount; t < matchers.length; t++) if (matchers[t]!.test(text, lower)) return false;
    for (let t = 0; t < this.keywordCount; t++) if (matchers[t]!.test(text, lower)) this.mark(t, where);
    return true;
  }
}

/** Compiled term sets by their terms and mode: a feed's ranking is redone when its papers change. */
const termSets = new LruCache<TermSet>(64, 32 << 20);

function termSetOf(profile: RankProfile): TermSet {
  const terms = profile.keywords.map((k) => k.term).concat(profile.exclude);
  const key = JSON.stringify([profile.match, profile.keywords.length, terms]);
  let set = termSets.get(key);
  if (!set) {
    set = new TermSet(terms, profile.keywords.length, profile.match);
    termSets.set(key, set, set.bytes);
  }
  return set;
}

interface Lowered {
  title: string;
  abstract: string;
  titleLower: string;
  abstractLower: string;
}

/** Each paper's texts lower-cased, while the paper lives (papers are shared by every feed that shows them). */
const loweredTexts = new WeakMap<Paper, Lowered>();

function lowered(paper: Paper): Lowered {
  let l = loweredTexts.get(paper);
  if (!l || l.title !== paper.title || l.abstract !== paper.abstract) {
    const { title, abstract } = paper;
    l = { title, abstract, titleLower: title.toLowerCase(), abstractLower: abstract.toLowerCase() };
    loweredTexts.set(paper, l);
  }
  return l;
}

interface CompiledProfile {
  terms: TermSet;
  profile: RankProfile;
  /** The keywords' weights, by term index. */
  weights: Float64Array;
}

function compileProfile(profile: RankProfile): CompiledProfile {
  return { terms: termSetOf(profile), profile, weights: Float64Array.from(profile.keywords, (k) => k.weight) };
}

/** Scores one paper, or returns undefined when the profile filters it out. */
function scorePaper(paper: Paper, compiled: CompiledProfile): RankedPaper | undefined {
  const { profile, terms } = compiled;
  if (!profile.announceTypes.includes(paper.announceType)) return undefined;
  terms.begin();
  if (terms.size > 0) {
    const { title, abstract } = paper;
    const l = foldable(title) && foldable(abstract) ? undefined : lowered(paper);
    if (!terms.scan(title, l?.titleLower, IN_TITLE) || !terms.scan(abstract, l?.abstractLower, IN_ABSTRACT)) return undefined;
  }
  return scoreMatches(paper, profile, terms.touched, terms.flags, 0);
}

/**
 * A paper's score from the keywords found in it (`touched`, in any order; sorted here), where
 * `flags[base + t]` says where keyword t was found; undefined when the profile filters it out.
 */
function scoreMatches(paper: Paper, profile: RankProfile, touched: number[], flags: Uint8Array, base: number): RankedPaper | undefined {
  if (profile.keywords.length > 0 && touched.length === 0) return undefined;

  // In keyword order, as the matches are listed and the weights added: an insertion sort, as a paper
  // matches a few keywords, where sort() makes a copy to sort in for every paper.
  for (let i = 1; i < touched.length; i++) {
    const t = touched[i]!;
    let j = i - 1;
    for (; j >= 0 && touched[j]! > t; j--) touched[j + 1] = touched[j]!;
    touched[j + 1] = t;
  }
  const matches: KeywordMatch[] = [];
  let any = 0;
  let inTitleTotal = 0;
  for (const t of touched) {
    const { term, weight } = profile.keywords[t]!;
    const found = flags[base + t]!;
    const inTitle = (found & IN_TITLE) !== 0;
    matches.push({ term, weight, inTitle, inAbstract: (found & IN_ABSTRACT) !== 0 });
    any += weight;
    if (inTitle) inTitleTotal += weight;
  }

  const score = roundScore(any + profile.titleWeight * inTitleTotal);
  if (score < profile.minScore) return undefined;
  return { paper, score, titleScore: roundScore(inTitleTotal), matches };
}

// Weights like 0.1 add up to 0.30000000000000004; scores are shown and compared at 1e-6.
function roundScore(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Where a word occurs, in PaperIndex's postings: a paper's position, twice, plus 1 when in its abstract. */
const IN_ABSTRACT_BIT = 1;

/**
 * One day's papers as the words of their lower-cased titles and abstracts: maximal runs of letters and
 * digits, by the rule the word boundaries follow, each word listed once per text. A needle of letters and
 * digits only occurs in a text exactly when one of the text's words equals it (a one-word keyword,
 * "word"), starts with it ("prefix") or contains it ("substring", and a multi-word keyword's first word,
 * after which its pattern runs on those texts alone). So a profile ranks the day from a search of its
 * distinct words (a few percent of its characters) and the texts they list, instead of a scan of every
 * character: what a custom feed over papers already ranked once needs. lib/feed.ts decides when a
 * union's days are indexed.
 */
export class PaperIndex {
  /** Bytes the index holds, roughly (for the cache that keeps it). */
  readonly bytes: number;
  /** The distinct words, sorted by code unit. */
  private readonly words: string[];
  /** Each paper's announce type as indexed, and as its bit (announceTypeBit). */
  private readonly typeNames: readonly AnnounceType[];
  readonly announceTypes: Uint8Array;
  /** The texts of words[r]: postings[postingStart[r]] … postings[postingStart[r + 1] − 1], in text order. */
  readonly postingStart: Int32Array;
  readonly postings: Int32Array;
  /** The words joined by "\n" (a non-word character: no needle spans two), and where each starts in it. */
  private joined: { text: string; starts: Int32Array } | undefined;

  /** Made by IndexBuilder.finish. */
  constructor(
    readonly papers: readonly Paper[],
    /** The texts the words were read from: a paper changed since is ranked by scanning. */
    private readonly titles: readonly string[],
    private readonly abstracts: readonly string[],
    /** Each paper's id, and its idSortKey. */
    private readonly ids: readonly string[],
    readonly sortKeys: Float64Array,
    words: WordTable,
    pairWord: Int32Array,
    pairText: Int32Array,
    pairs: number,
  ) {
    // Words renumbered in sorted order (by code unit), so that a word, or the words starting with a
    // needle, are found by binary search; postings grouped by word (a counting sort: each word's stay in
    // text order).
    const count = words.words.length;
    const order = Array.from({ length: count }, (_, w) => w).sort((a, b) => (words.words[a]! < words.words[b]! ? -1 : 1));
    const rankOf = new Int32Array(count);
    for (let r = 0; r < count; r++) rankOf[order[r]!] = r;
    this.words = order.map((w) => words.words[w]!);
    this.postingStart = new Int32Array(count + 1);
    for (let k = 0; k < pairs; k++) this.postingStart[rankOf[pairWord[k]!]! + 1]!++;
    for (let r = 0; r < count; r++) this.postingStart[r + 1]! += this.postingStart[r]!;
    this.postings = new Int32Array(pairs);
    const cursor = this.postingStart.slice(0, count);
    for (let k = 0; k < pairs; k++) this.postings[cursor[rankOf[pairWord[k]!]!]!++] = pairText[k]!;
    this.typeNames = papers.map((p) => p.announceType);
    this.announceTypes = Uint8Array.from(this.typeNames, announceTypeBit);
    // The words (as strings, and joined once a needle is sought inside words), the postings, the papers' slots.
    this.bytes = 256 + 41 * papers.length + 56 * count + 4 * (count + pairs);
  }

  /** Whether every paper's id, title, abstract and announce type are still those the index was made from. */
  isCurrent(): boolean {
    const { papers, ids, titles, abstracts, typeNames } = this;
    for (let p = 0; p < papers.length; p++) {
      const paper = papers[p]!;
      if (paper.id !== ids[p] || paper.title !== titles[p] || paper.abstract !== abstracts[p] || paper.announceType !== typeNames[p]) return false;
    }
    return true;
  }

  /** The title (field 0) or abstract (field 1) of paper p as indexed, by its text id 2p + field. */
  text(textId: number): string {
    return (textId & IN_ABSTRACT_BIT ? this.abstracts : this.titles)[textId >> 1]!;
  }

  /**
   * The words (their positions) in which `plan`'s needle occurs as the plan asks, put in `out` (emptied
   * first): anywhere in the word (edges 0, or a pattern's first word), at its start (1), or as the whole
   * word (2). The texts holding word r are postings[postingStart[r]] … postings[postingStart[r + 1] − 1],
   * each 2p + field.
   */
  wordsOf(plan: TermPlan, out: number[]): number[] {
    out.length = 0;
    const { words } = this;
    const { needle } = plan;
    if (plan.pattern || plan.edges === 0) {
      this.joined ??= joinWords(words);
      const { text, starts } = this.joined;
      for (let at = text.indexOf(needle), r = 0; at >= 0; at = text.indexOf(needle, starts[r + 1]!)) {
        r = upperBound(starts, at) - 1;
        out.push(r);
      }
      return out;
    }
    let r = lowerBound(words, needle);
    if (plan.edges === 2) {
      if (words[r] === needle) out.push(r);
      return out;
    }
    for (; r < words.length && words[r]!.startsWith(needle); r++) out.push(r);
    return out;
  }
}

/** The words joined by "\n", and where each starts in the text (the last entry: its length). */
function joinWords(words: readonly string[]): { text: string; starts: Int32Array } {
  const starts = new Int32Array(words.length + 1);
  for (let r = 0; r < words.length; r++) starts[r + 1] = starts[r]! + words[r]!.length + 1;
  return { text: `${words.join("\n")}\n`, starts };
}

/** The first position in sorted `words` whose word is not below `word`. */
function lowerBound(words: readonly string[], word: string): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (words[mid]! < word) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position in ascending `values` whose value is above `value`. */
function upperBound(values: Int32Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Reads papers' words one paper at a time (so that a large day can be indexed in slices), then the index. */
export class IndexBuilder {
  private readonly titles: string[] = [];
  private readonly abstracts: string[] = [];
  private readonly words = new WordTable();
  /** Each word of each text once: (word, text) pairs in text order. */
  private pairWord = new Int32Array(4096);
  private pairText = new Int32Array(4096);
  private pairs = 0;

  constructor(private readonly papers: readonly Paper[]) {}

  /** Whether every paper has been read. */
  get done(): boolean {
    return this.titles.length === this.papers.length;
  }

  /** Reads the next paper's words; returns how many characters that was (the work done). */
  readNext(): number {
    const p = this.titles.length;
    const l = lowered(this.papers[p]!);
    this.titles.push(l.title);
    this.abstracts.push(l.abstract);
    const { words } = this;
    for (let field = 0; field < 2; field++) {
      const text = field === 0 ? l.titleLower : l.abstractLower;
      const textId = 2 * p + field;
      for (let i = 0, end = text.length; i < end; ) {
        let c = text.charCodeAt(i);
        if (!isWordCode(c, text, i)) {
          i++;
          continue;
        }
        const from = i;
        let hash = 0;
        do {
          hash = (Math.imul(hash, 31) + c) | 0;
          if (++i === end) break;
          c = text.charCodeAt(i);
        } while (isWordCode(c, text, i));
        const w = words.idOf(text, from, i, hash);
        if (words.lastText[w] === textId + 1) continue;
        words.lastText[w] = textId + 1;
        if (this.pairs === this.pairWord.length) {
          this.pairWord = grow(this.pairWord);
          this.pairText = grow(this.pairText);
        }
        this.pairWord[this.pairs] = w;
        this.pairText[this.pairs++] = textId;
      }
    }
    return l.titleLower.length + l.abstractLower.length;
  }

  finish(): PaperIndex {
    while (!this.done) this.readNext();
    const ids = this.papers.map((paper) => paper.id);
    const sortKeys = Float64Array.from(ids, idSortKey);
    return new PaperIndex(this.papers, this.titles, this.abstracts, ids, sortKeys, this.words, this.pairWord, this.pairText, this.pairs);
  }
}

/** Doubles a typed array's room. */
function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}

/** Distinct words by id, found by their hash without cutting each occurrence out of its text. */
class WordTable {
  readonly words: string[] = [];
  /** Per word, the last text (id + 1) that listed it. */
  lastText = new Int32Array(1024);
  private slots = new Int32Array(2048).fill(-1);
  private hashes = new Int32Array(1024);

  /** The id of the word text[from, to), whose hash is `hash`, added when new. */
  idOf(text: string, from: number, to: number, hash: number): number {
    const { words, hashes } = this;
    const length = to - from;
    const mask = this.slots.length - 1;
    for (let slot = (hash ^ (hash >>> 15)) & mask; ; slot = (slot + 1) & mask) {
      const w = this.slots[slot]!;
      if (w < 0) {
        const id = words.length;
        words.push(text.slice(from, to));
        if (id === this.hashes.length) {
          this.hashes = grow(this.hashes);
          this.lastText = grow(this.lastText);
        }
        this.hashes[id] = hash;
        this.slots[slot] = id;
        if (2 * words.length > this.slots.length) this.rehash();
        return id;
      }
      if (hashes[w] === hash && words[w]!.length === length && text.startsWith(words[w]!, from)) return w;
    }
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let w = 0; w < this.words.length; w++) {
      const hash = this.hashes[w]!;
      let slot = (hash ^ (hash >>> 15)) & mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & mask;
      this.slots[slot] = w;
    }
  }
}

/**
 * What rankIndexed works in, kept between calls (a call runs to its end: nothing else uses them meanwhile),
 * so that a ranking allocates little more than its result, and so that its loops and comparisons need no
 * closure made per call: such a closure's optimized code lives only as long as a closure that uses it,
 * so that any full collection between two rankings discards it. They keep the largest size asked, a day's
 * papers × a profile's keywords (at most 500) bytes for the flags: a few MB at the very most.
 */
const scratch = {
  /** Where keyword t was found in paper p: flags[p × keywords + t]. */
  flags: new Uint8Array(1024),
  excluded: new Uint8Array(1024),
  /** The term whose pattern was last tested on each text (plus one): a text listed by several words is tested once. */
  tested: new Int32Array(1024),
  /** Each paper's keywords found, as a list: its first node (plus one, 0: none), each node's term and next. */
  first: new Int32Array(1024),
  term: new Int32Array(1024),
  next: new Int32Array(1024),
  scores: new Float64Array(1024),
  titleScores: new Float64Array(1024),
  /** The index's words a term is found in. */
  words: [] as number[],
  /** The index whose papers indexedOrder compares, while rankIndexed orders them. */
  ordered: undefined as PaperIndex | undefined,
};

/** An announce type as one bit of a byte, 0 for a type arXiv does not have. */
function announceTypeBit(type: AnnounceType): number {
  const at = ANNOUNCE_TYPES.indexOf(type);
  return at < 0 ? 0 : 1 << at;
}

/** `array` if it holds `length`, else a larger one of the same kind (its contents not kept). */
function room<T extends Uint8Array | Int32Array | Float64Array>(array: T, length: number, make: (length: number) => T): T {
  return array.length >= length ? array : make(Math.max(length, 2 * array.length));
}

/**
 * The same ranking as rankWith, from an index of the day's papers rather than a scan of their texts.
 * Scores are numbers until the top `limit` are known: only those become ranked papers.
 */
function rankIndexed(index: PaperIndex, compiled: CompiledProfile): RankedPaper[] {
  const { profile, terms, weights } = compiled;
  const { papers, postingStart, postings } = index;
  const n = papers.length;
  const keywords = terms.keywordCount;
  const flags = (scratch.flags = room(scratch.flags, n * keywords, (l) => new Uint8Array(l)));
  const excluded = (scratch.excluded = room(scratch.excluded, n, (l) => new Uint8Array(l)));
  const first = (scratch.first = room(scratch.first, n, (l) => new Int32Array(l)));
  flags.fill(0, 0, n * keywords);
  excluded.fill(0, 0, n);
  first.fill(0, 0, n);
  const hasPattern = terms.plans.some((plan) => plan.pattern);
  const tested = hasPattern ? (scratch.tested = room(scratch.tested, 2 * n, (l) => new Int32Array(l))) : scratch.tested;
  if (hasPattern) tested.fill(0, 0, 2 * n);
  let nodes = 0;
  // Exclusions first, so that the keywords skip what they exclude.
  for (let t = terms.size - 1; t >= 0; t--) {
    const plan = terms.plans[t]!;
    const { pattern } = plan;
    // A loop over the words, not a callback for each: see scratch.
    const words = index.wordsOf(plan, scratch.words);
    for (let w = 0; w < words.length; w++) {
      const r = words[w]!;
      for (let k = postingStart[r]!, end = postingStart[r + 1]!; k < end; k++) {
        const textId = postings[k]!;
        const p = textId >> 1;
        if (excluded[p]) continue;
        if (pattern) {
          if (tested[textId] === t + 1) continue;
          tested[textId] = t + 1;
          if (!pattern.test(index.text(textId))) continue;
        }
        if (t >= keywords) {
          excluded[p] = 1;
          continue;
        }
        const at = p * keywords + t;
        if (flags[at] === 0) {
          if (nodes === scratch.term.length) {
            scratch.term = grow(scratch.term);
            scratch.next = grow(scratch.next);
          }
          scratch.term[nodes] = t;
          scratch.next[nodes] = first[p]!;
          first[p] = ++nodes;
        }
        flags[at]! |= textId & IN_ABSTRACT_BIT ? IN_ABSTRACT : IN_TITLE;
      }
    }
  }
  const { term, next } = scratch;
  const scores = (scratch.scores = room(scratch.scores, n, (l) => new Float64Array(l)));
  const titleScores = (scratch.titleScores = room(scratch.titleScores, n, (l) => new Float64Array(l)));
  const passing: number[] = [];
  let allowed = 0;
  for (const type of profile.announceTypes) allowed |= announceTypeBit(type);
  const types = index.announceTypes;
  for (let p = 0; p < n; p++) {
    if ((keywords > 0 && first[p] === 0) || excluded[p] || (types[p]! & allowed) === 0) continue;
    // In keyword order, as scoreMatches adds them.
    let any = 0;
    let inTitleTotal = 0;
    for (let node = first[p]!; node !== 0; node = next[node - 1]!) {
      const t = term[node - 1]!;
      any += weights[t]!;
      if (flags[p * keywords + t]! & IN_TITLE) inTitleTotal += weights[t]!;
    }
    const score = roundScore(any + profile.titleWeight * inTitleTotal);
    if (score < profile.minScore) continue;
    scores[p] = score;
    titleScores[p] = roundScore(inTitleTotal);
    passing.push(p);
  }
  let top: number[];
  scratch.ordered = index;
  try {
    top = firstInOrder(passing, profile.limit, indexedOrder);
  } finally {
    scratch.ordered = undefined;
  }
  const ranked: RankedPaper[] = [];
  for (const p of top) {
    const matches: KeywordMatch[] = [];
    for (const t of keywordsOf(p, first, term, next)) {
      const { term, weight } = profile.keywords[t]!;
      const where = flags[p * keywords + t]!;
      matches.push({ term, weight, inTitle: (where & IN_TITLE) !== 0, inAbstract: (where & IN_ABSTRACT) !== 0 });
    }
    ranked.push({ paper: papers[p]!, score: scores[p]!, titleScore: titleScores[p]!, matches });
  }
  return ranked;
}

/** rankIndexed's order of papers a and b of scratch.ordered, by their position: compareRanked's. */
function indexedOrder(a: number, b: number): number {
  const { scores, titleScores } = scratch;
  const { sortKeys, papers } = scratch.ordered!;
  return (
    scores[b]! - scores[a]! ||
    titleScores[b]! - titleScores[a]! ||
    sortKeys[b]! - sortKeys[a]! ||
    (papers[a]!.id < papers[b]!.id ? 1 : papers[a]!.id > papers[b]!.id ? -1 : 0)
  );
}

/**
 * Paper p's keywords found, from its list in rankIndexed's scratch, in keyword order: the list's newest
 * node first, and the keywords are found last to first.
 */
function keywordsOf(p: number, first: Int32Array, term: Int32Array, next: Int32Array): number[] {
  const out: number[] = [];
  for (let node = first[p]!; node !== 0; node = next[node - 1]!) out.push(term[node - 1]!);
  return out;
}

/** Whether a PaperIndex can rank by this profile (else rankDays scans, index or not). */
export function indexCanRank(profile: RankProfile): boolean {
  return termSetOf(profile).indexable;
}

/** Indexes of a union's days, by the papers array of each: what rankDays may rank from instead of scanning. */
export type DayIndexes = ReadonlyMap<readonly Paper[], PaperIndex>;

/** An index of each day's papers. */
export function indexDays(days: readonly AnnouncementDay<Paper>[]): Map<readonly Paper[], PaperIndex> {
  return new Map(days.map((day) => [day.papers, new IndexBuilder(day.papers).finish()]));
}

/** indexDays, giving the event loop a turn every slice of work (as rankDaysInSlices does). */
export async function indexDaysInSlices(
  days: readonly AnnouncementDay<Paper>[],
  yieldTurn: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): Promise<Map<readonly Paper[], PaperIndex>> {
  const indexes = new Map<readonly Paper[], PaperIndex>();
  for (const day of days) {
    const builder = new IndexBuilder(day.papers);
    // Reading words costs some three scans' worth a character; sorting and grouping them, a few more.
    let work = 0;
    while (!builder.done) {
      work += PAPER_WORK + 3 * builder.readNext();
      if (work >= SLICE_WORK) {
        await yieldTurn();
        work = 0;
      }
    }
    indexes.set(day.papers, builder.finish());
    await yieldTurn();
  }
  return indexes;
}

/** The day's index, when there is one that can answer this profile (and its papers have not changed). */
function usableIndex(papers: readonly Paper[], compiled: CompiledProfile, indexes: DayIndexes | undefined): PaperIndex | undefined {
  const index = indexes?.get(papers);
  return index && compiled.terms.indexable && index.isCurrent() ? index : undefined;
}

/** Sortable number for "newer id first": yymm, then the sequence number. Old-style ids sort before 2007. */
export function idSortKey(id: string): number {
  const modern = /^(\d{2})(\d{2})\.(\d{4,5})$/.exec(id);
  if (modern) return (2000 + Number(modern[1])) * 1e10 + Number(modern[2]) * 1e8 + Number(modern[3]);
  const old = /\/(\d{2})(\d{2})(\d{3})$/.exec(id);
  if (old) {
    const yy = Number(old[1]);
    return (yy >= 91 ? 1900 + yy : 2000 + yy) * 1e10 + Number(old[2]) * 1e8 + Number(old[3]);
  }
  return 0;
}

export function compareRanked(a: RankedPaper, b: RankedPaper): number {
  return (
    b.score - a.score ||
    b.titleScore - a.titleScore ||
    idSortKey(b.paper.id) - idSortKey(a.paper.id) ||
    (a.paper.id < b.paper.id ? 1 : a.paper.id > b.paper.id ? -1 : 0)
  );
}

/** The top `limit` by compareRanked, each id's sort key computed once rather than at every comparison. */
function topRanked(ranked: readonly RankedPaper[], limit: number): RankedPaper[] {
  // Loops and a comparison of the module's, not callbacks made per call: see scratch.
  const keyed: KeyedRanked[] = [];
  for (const r of ranked) keyed.push({ r, key: idSortKey(r.paper.id) });
  const top: RankedPaper[] = [];
  for (const k of firstInOrder(keyed, limit, keyedOrder)) top.push(k.r);
  return top;
}

interface KeyedRanked {
  r: RankedPaper;
  key: number;
}

/** compareRanked, with each id's sort key computed before. */
function keyedOrder({ r: a, key: ka }: KeyedRanked, { r: b, key: kb }: KeyedRanked): number {
  return b.score - a.score || b.titleScore - a.titleScore || kb - ka || (a.paper.id < b.paper.id ? 1 : a.paper.id > b.paper.id ? -1 : 0);
}

/**
 * The first `limit` of `items` (which it may reorder) as a stable sort by `compare` would put them. A day
 * has hundreds of papers that pass and a feed shows some tens: those are kept in order as they are met,
 * each newcomer placed by binary search, instead of sorting them all.
 */
export function firstInOrder<T>(items: T[], limit: number, compare: (a: T, b: T) => number): T[] {
  if (limit <= 0) return [];
  if (limit * 4 >= items.length) return items.sort(compare).slice(0, limit);
  const top: T[] = [];
  for (const item of items) {
    if (top.length === limit && compare(item, top[limit - 1]!) >= 0) continue;
    // After every kept item it does not come before: as a stable sort keeps equals in their order.
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(item, top[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, item);
    if (top.length > limit) top.pop();
  }
  return top;
}

/** Ranks one announcement day's papers: filter, score, order, keep the top `limit`. */
export function rankPapers(papers: readonly Paper[], profile: RankProfile): RankedPaper[] {
  return rankWith(papers, compileProfile(profile));
}

function rankWith(papers: readonly Paper[], compiled: CompiledProfile): RankedPaper[] {
  const ranked: RankedPaper[] = [];
  for (const paper of papers) {
    const r = scorePaper(paper, compiled);
    if (r) ranked.push(r);
  }
  return topRanked(ranked, compiled.profile.limit);
}

/**
 * Work between two yields to the event loop, in characters scanned (a scan reads each character of a
 * paper's title and abstract once, whatever the number of terms): some 5 ms.
 */
const SLICE_WORK = 1_000_000;
/** What a paper costs besides its characters (filtering, scoring, sorting), in the same unit. */
const PAPER_WORK = 100;

/**
 * rankDays, giving the event loop a turn every slice of work: an expensive custom feed then delays the
 * other requests of the process by one slice, not by all of its ranking. Same result as rankDays.
 */
export async function rankDaysInSlices(
  days: readonly AnnouncementDay<Paper>[],
  profile: RankProfile,
  yieldTurn: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
  indexes?: DayIndexes,
): Promise<AnnouncementDay<RankedPaper>[]> {
  const compiled = compileProfile(profile);
  let passes: number | undefined;
  const result: AnnouncementDay<RankedPaper>[] = [];
  let work = 0;
  for (const day of newestFirst(days)) {
    // From an index, a day is a few lookups, some tens of microseconds: counted like its papers' filtering
    // and scoring alone, so that the days of a feed take one turn together rather than one each.
    const index = usableIndex(day.papers, compiled, indexes);
    if (index) {
      result.push({ date: day.date, papers: rankIndexed(index, compiled) });
      work += PAPER_WORK * day.papers.length;
    } else {
      const ranked: RankedPaper[] = [];
      passes ??= compiled.terms.passes;
      for (const paper of day.papers) {
        const r = scorePaper(paper, compiled);
        if (r) ranked.push(r);
        work += PAPER_WORK + passes * (paper.title.length + paper.abstract.length);
        if (work >= SLICE_WORK) {
          await yieldTurn();
          work = 0;
        }
      }
      result.push({ date: day.date, papers: topRanked(ranked, profile.limit) });
    }
    if (work >= SLICE_WORK) {
      await yieldTurn();
      work = 0;
    }
  }
  // One turn at the end, as before: a ranking never runs on into its caller's work in the same turn.
  if (work > 0) await yieldTurn();
  return result;
}

/**
 * Ranks each day separately (the top `limit` of every day), newest day first; a day with an index in
 * `indexes` is ranked from it, with the same result.
 */
export function rankDays(
  days: readonly AnnouncementDay<Paper>[],
  profile: RankProfile,
  indexes?: DayIndexes,
): AnnouncementDay<RankedPaper>[] {
  const compiled = compileProfile(profile);
  return newestFirst(days).map((day) => {
    const index = usableIndex(day.papers, compiled, indexes);
    return { date: day.date, papers: index ? rankIndexed(index, compiled) : rankWith(day.papers, compiled) };
  });
}

function newestFirst<T extends { date: string }>(days: readonly T[]): T[] {
  return [...days].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
