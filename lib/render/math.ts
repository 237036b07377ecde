// Pure: TeX math in arXiv titles, abstracts and summaries → MathML markup, rendered on the server by temml.
// The TeX comes from anyone who can post to arXiv, so every formula is bounded before temml sees it and its
// markup is checked against an allowlist after: anything unexpected and the caller shows the source text.
import temml from "temml";
import { LruCache } from "../lru";
import { escapeHtmlAttr } from "./escape";

export type MathSegment =
  | { kind: "text"; text: string }
  /** `source` is the formula as written, delimiters included: what to show when it does not render. */
  | { kind: "math"; tex: string; display: boolean; source: string };

/** Longer than this is not a formula but a runaway delimiter, or an attempt on the renderer. */
export const MAX_TEX_LENGTH = 2_000;

/**
 * Real formulas come out at under 10 KB of markup; a hostile one of 2,000 characters can reach 150 KB
 * (1,700 empty array cells), which would bloat the page and flush the cache.
 */
const MAX_MARKUP_LENGTH = 50_000;

/** The text a segment was cut from: joining every segment's source gives back the input. */
export function sourceOf(segment: MathSegment): string {
  return segment.kind === "text" ? segment.text : segment.source;
}

// ---------------------------------------------------------------------------------------------------------
// Splitting. TeX reads `\x` as one token, so `\$` is an escaped dollar and `\\$` a line break then a dollar.
// Reading the whole text once in those pairs tells, for every position, whether a `$`, `\)` or `\]` there is
// a delimiter, whatever mode the scan is in; each opener then pairs with the next such closer, which keeps
// the split linear however many openers go unmatched.

interface Delimiters {
  dollars: number[];
  parenCloses: number[];
  bracketCloses: number[];
}

function findDelimiters(text: string): Delimiters {
  const found: Delimiters = { dollars: [], parenCloses: [], bracketCloses: [] };
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$") found.dollars.push(i);
    else if (text[i] === "\\") {
      if (text[i + 1] === ")") found.parenCloses.push(i);
      else if (text[i + 1] === "]") found.bracketCloses.push(i);
      i++;
    }
  }
  return found;
}

/** The first position in `sorted` after `from`, or -1: a cursor, since the scan only moves forward. */
function nextAfter(sorted: number[], cursor: { at: number }, from: number): number {
  while (cursor.at < sorted.length && sorted[cursor.at]! <= from) cursor.at++;
  return cursor.at < sorted.length ? sorted[cursor.at]! : -1;
}

/** What any formula needs: something in it, a sane length, and no blank line (a paragraph ends math). */
function plausibleFormula(tex: string): boolean {
  return tex.trim() !== "" && tex.length <= MAX_TEX_LENGTH && !/\n[ \t]*\n/.test(tex);
}

/**
 * A `$…$` pair that reads as math rather than two prices, by Pandoc's rule (the one the summaries'
 * Markdown follows): no space just inside either dollar ("costs $5 and $10, or $ 2 each"). The closing
 * dollar may be followed by a digit ("$\sim$10%"), but not when the formula starts with one too: two
 * prices ("$5/$10", "US$100-US$200").
 */
function plausibleDollarPair(tex: string, after: string | undefined): boolean {
  if (/^\s|\s$/.test(tex)) return false;
  return !(/^[0-9]/.test(tex) && after !== undefined && /[0-9]/.test(after));
}

/**
 * Splits plain text (a title or abstract as arXiv writes it) into text and TeX math:
 * $…$ and \(…\) inline, $$…$$ and \[…\] display. Unmatched delimiters, escaped dollars (\$),
 * empty formulas ($$ with nothing inside used as two dollars), and a "$" pair that is clearly
 * money ("costs $5 and $10") stay text. Joining all segments' source text back gives the input exactly.
 */
export function splitMath(text: string): MathSegment[] {
  const { dollars, parenCloses, bracketCloses } = findDelimiters(text);
  const cursors = { dollar: { at: 0 }, paren: { at: 0 }, bracket: { at: 0 } };
  const segments: MathSegment[] = [];
  let textStart = 0;
  const emit = (start: number, end: number, open: number, close: number, display: boolean) => {
    if (textStart < start) segments.push({ kind: "text", text: text.slice(textStart, start) });
    segments.push({ kind: "math", tex: text.slice(start + open, end), display, source: text.slice(start, end + close) });
    textStart = end + close;
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") {
      const kind = text[i + 1];
      if (kind === "(" || kind === "[") {
        const closes = kind === "(" ? parenCloses : bracketCloses;
        const end = nextAfter(closes, kind === "(" ? cursors.paren : cursors.bracket, i + 1);
        if (end !== -1 && plausibleFormula(text.slice(i + 2, end))) {
          emit(i, end, 2, 2, kind === "[");
          i = end + 2;
          continue;
        }
      }
      i += 2; // any other `\x` is text, and its x cannot open anything (`\$` is a dollar sign)
      continue;
    }
    if (c === "$") {
      const end = nextAfter(dollars, cursors.dollar, text[i + 1] === "$" ? i + 1 : i);
      if (text[i + 1] === "$") {
        // `$$…$$` closes at the next dollar only if another follows it; otherwise the first dollar is
        // text and the second may still open an inline formula ("$$x$" reads as "$" then $x$).
        if (end !== -1 && text[end + 1] === "$" && plausibleFormula(text.slice(i + 2, end))) {
          emit(i, end, 2, 2, true);
          i = end + 2;
        } else i += 1;
        continue;
      }
      if (end !== -1) {
        const tex = text.slice(i + 1, end);
        if (plausibleFormula(tex) && plausibleDollarPair(tex, text[end + 1])) {
          emit(i, end, 1, 1, false);
          i = end + 1;
          continue;
        }
        // Not a pair: this dollar is text, and the next one may open a formula of its own.
        i = end;
        continue;
      }
    }
    i++;
  }
  if (textStart < text.length) segments.push({ kind: "text", text: text.slice(textStart) });
  return segments;
}

// ---------------------------------------------------------------------------------------------------------
// Rendering.

const TEMML_OPTIONS = {
  // Keep the TeX in <annotation encoding="application/x-tex"> (copy-paste, assistive tools, a reader that
  // wants the source); alttext is added below.
  annotate: true,
  // Throw instead of temml's red error <span>: the caller shows the source text itself.
  throwOnError: true,
  // No \class, \style, \includegraphics and the like. (\href and \url do not exist in temml at all.)
  trust: false,
  // arXiv TeX is often sloppy in ways LaTeX forgives (units, unterminated % comments); render it anyway.
  strict: false,
  // Caps, in em and in pt, on \rule, \kern, \raisebox and the other sized commands.
  maxSize: [10, 100] as [number, number],
  // Real formulas need a handful of macro expansions (\implies, \dots, \ce); this stops loops early.
  maxExpand: 300,
} as const;

/**
 * User macro definitions. No arXiv abstract needs one, and with them a formula of under 2,000 characters
 * can expand to tens of megabytes in about ten expansions (`\def\e#1{#1#1…}\e{\e{…}}`), which maxExpand
 * does not see. temml has no \csname, no `^^` notation and no built-in that defines a macro, so these
 * names can only be typed, and refusing them here refuses every definition.
 */
const DEFINITION = /\\(?:[gex]?def|let|futurelet|(?:re)?newcommand|providecommand|(?:re)?newenvironment|global)(?![A-Za-z@])/;

/**
 * Characters that break an XML feed (C0 controls, lone surrogates, U+FFFE/F) or disguise and reorder text
 * (C1 controls, bidirectional marks, embeddings, overrides and isolates, the BOM, noncharacters,
 * interlinear annotations, tag characters): `\char"202E` would bring one back into cleaned text. The
 * invisible operators (U+2061 after \log) and U+200B are temml's own, and stay. With the u flag, a
 * surrogate in D800–DFFF is a lone one: a pair is one astral character.
 */
const FORBIDDEN_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u206F\uD800-\uDFFF\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF\u{E0000}-\u{E007F}]/u;
/** The same without the u flag, so also every astral character: a first look 25 times faster. */
const MAYBE_FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u206F\uD800-\uDFFF\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF]/;

/**
 * The presentation elements temml writes. Not <a> (\ref and \eqref write one even untrusted), nor
 * <maction> (\toggle, \mathtip), nor anything else: a formula that needs one shows as text.
 */
const ELEMENTS = new Set([
  "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
  "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
  "mphantom", "menclose", "mmultiscripts", "mprescripts", "none",
]);

/** Attributes whose value is a keyword, a number or a length. Not id (\label would clobber the page's). */
const PLAIN_ATTRIBUTES = new Set([
  "display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace", "width", "height", "depth",
  "voffset", "minsize", "maxsize", "symmetric", "largeop", "movablelimits", "accent", "scriptlevel", "displaystyle",
  "notation", "columnalign", "rowspacing", "linethickness", "mathsize", "mathcolor", "mathbackground", "linebreak",
]);
const PLAIN_VALUE = /^[-#%.,\w ]*$/;

/** The CSS properties temml writes inline, and the values it writes there: no url(), no other function. */
const STYLE_PROPERTIES = new Set([
  "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "margin-left", "width", "height",
  "left", "right", "bottom", "border", "border-top", "border-right", "border-bottom", "border-left", "color",
  "text-align", "font-family", "font-style", "font-weight", "display", "justify-content", "math-depth",
]);
const STYLE_VALUE = /^[-#%.,' \w]*$/;
const STYLE_EXCEPTIONS: Record<string, RegExp> = {
  position: /^(relative|absolute)$/, // \rlap and friends, inside their own box
  transform: /^scaleX\(-1\)$/, // \reflectbox
};

/** Roughly how many em each unit is; a formula wider or taller than MAX_EM would break the page. */
const EM_PER_UNIT: Record<string, number> = {
  em: 1, ex: 0.5, mu: 1 / 18, pt: 0.1, bp: 0.1, px: 1 / 16, pc: 1.2, mm: 0.284, cm: 2.84, in: 7.2,
};
const MAX_EM = 20;
const LENGTH = /(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(em|ex|mu|pt|bp|px|pc|mm|cm|in|%)/gi;

/**
 * Every length is within bounds, negative ones too (temml caps only positive sizes, and its cm, mm and in
 * conversions are inverted, so `\hspace{1000cm}` passes its maxSize untouched).
 */
function lengthsWithinBounds(value: string): boolean {
  LENGTH.lastIndex = 0;
  for (let length; (length = LENGTH.exec(value)); ) {
    const size = Math.abs(Number(length[1]));
    const unit = length[2]!.toLowerCase();
    if (unit === "%" ? size > 100 : size * EM_PER_UNIT[unit]! > MAX_EM) return false;
  }
  return true;
}

function safeStyle(style: string): boolean {
  if (!lengthsWithinBounds(style)) return false;
  return style
    .split(";")
    .filter((declaration) => declaration !== "")
    .every((declaration) => {
      const colon = declaration.indexOf(":");
      if (colon <= 0) return false;
      const property = declaration.slice(0, colon);
      const value = declaration.slice(colon + 1);
      const exception = STYLE_EXCEPTIONS[property];
      return exception ? exception.test(value) : STYLE_PROPERTIES.has(property) && STYLE_VALUE.test(value);
    });
}

function safeAttribute(element: string, name: string, value: string): boolean {
  switch (name) {
    case "class":
      return /^[-\w ]*$/.test(value);
    case "style":
      return safeStyle(value);
    case "encoding":
      return element === "annotation" && value === "application/x-tex";
    case "title":
      return true; // \texttip's text, escaped by temml like every attribute value
    default:
      return PLAIN_ATTRIBUTES.has(name) && PLAIN_VALUE.test(value) && lengthsWithinBounds(value);
  }
}

// temml writes `<name attr="value" …>`, `</name>` and escaped text, nothing else: anything that does not
// tokenize exactly so (the single-quoted href of \ref's <a>, say) is refused along with what it means.
const TOKEN = /<([a-z]+)((?: [a-z]+="[^"<]*")*)>|<\/([a-z]+)>|[^<]+/y;
const ATTRIBUTE = / ([a-z]+)="([^"]*)"/g;

/** Whether temml's markup is one balanced <math> element made only of allowlisted parts. */
function safeMathml(markup: string): boolean {
  if ((MAYBE_FORBIDDEN.test(markup) && FORBIDDEN_CHARS.test(markup)) || !markup.startsWith("<math")) return false;
  const open: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < markup.length) {
    if (open.length === 0 && TOKEN.lastIndex > 0) return false; // something after </math>
    const token = TOKEN.exec(markup);
    if (!token) return false;
    const [, start, attributes, end] = token;
    if (start !== undefined) {
      if (!ELEMENTS.has(start)) return false;
      // exec, not matchAll: matchAll copies the regex, which is most of this function's time.
      ATTRIBUTE.lastIndex = 0;
      for (let attribute; (attribute = ATTRIBUTE.exec(attributes!)); ) {
        if (!safeAttribute(start, attribute[1]!, attribute[2]!)) return false;
      }
      open.push(start);
    } else if (end !== undefined && open.pop() !== end) return false;
  }
  return open.length === 0;
}

/** The markup, or undefined: temml throws ParseError on bad TeX, and RangeError on very deep nesting. */
function render(tex: string, display: boolean): string | undefined {
  if (tex.length > MAX_TEX_LENGTH || tex.trim() === "" || DEFINITION.test(tex)) return undefined;
  let markup: string;
  try {
    markup = temml.renderToString(tex, { ...TEMML_OPTIONS, displayMode: display });
  } catch {
    return undefined;
  }
  // equation and align number their rows with a CSS counter in an empty HTML <span>: an abstract's
  // equation numbers mean nothing, and the allowlist stays MathML only.
  markup = markup.replaceAll('<span class="tml-eqn"></span>', "");
  if (markup.length > MAX_MARKUP_LENGTH || !safeMathml(markup)) return undefined;
  // alttext: the TeX again, where MathML-unaware tools (and our own fulltext reader) look for it.
  return `<math alttext="${escapeHtmlAttr(tex)}"${markup.slice("<math".length)}`;
}

// The same formulas are rendered on every page view. A miss that failed is cached too (as null), so a
// hostile formula costs its render once, not once per view. Sizes are in UTF-16 units, keys included.
const cache = new LruCache<string | null>(5_000, 4_000_000);

/**
 * MathML markup for one formula (a <math> element, display="block" when display), with the TeX kept
 * (alttext and annotation), or undefined when temml cannot parse it or its markup is not plainly inert.
 */
export function texToMathml(tex: string, display: boolean): string | undefined {
  if (tex.length > MAX_TEX_LENGTH) return undefined; // before the cache: no 2 MB keys
  const key = (display ? "D" : "I") + tex;
  const cached = cache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const markup = render(tex, display);
  cache.set(key, markup ?? null, key.length + (markup?.length ?? 0));
  return markup;
}
