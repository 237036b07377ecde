// Pure: the text we show, cleaned once. Everything that comes from arXiv, a model or a stored value goes
// through cleanText (or cleanLine for titles, names and other one-line fields) before it is rendered.

// What never belongs in shown text: characters XML 1.0 forbids (C0 controls but tab/newline/return, lone
// surrogates, U+FFFE/U+FFFF), DEL and the C1 controls, noncharacters, and the invisible format characters
// that can disguise or reorder what a reader sees: bidirectional marks, embeddings, overrides and isolates
// (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width space, word joiner and invisible operators, the
// deprecated format controls, the BOM, the soft hyphen, the Mongolian vowel separator, interlinear
// annotations and tag characters. ZWJ and ZWNJ stay: scripts and emoji need them.
const UNSHOWABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u206F\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF]|\uDB40[\uDC00-\uDC7F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Characters XML 1.0 forbids, and nothing else: for text we made ourselves (rendered Markdown).
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripInvalidXmlChars(value: string): string {
  return value.replace(INVALID_XML_CHARS, "");
}

// Every character either pass of cleanText can take out or change (UNSHOWABLE's, any surrogate, and the
// line ends), in one class: text without any is clean, and one scan for them is far cheaper than the
// passes (most text is clean already: the parser cleaned it before the store, the renderer cleans again).
const MAYBE_UNCLEAN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028\u2029\u202A-\u202E\u2060-\u206F\uD800-\uDFFF\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF]/;
// And what cleanLine changes besides: any white space but a single inner U+0020 (`\s` is also what trim removes).
const MAYBE_UNCLEAN_LINE = new RegExp(`${MAYBE_UNCLEAN.source}|[^\\S ]|  |^ | $`);

/** Multi-line text (an abstract, a summary): unshowable characters removed, line ends as `\n`. */
export function cleanText(value: string): string {
  if (!MAYBE_UNCLEAN.test(value)) return value;
  return value.replace(UNSHOWABLE, "").replace(/\r\n?|[\u2028\u2029]/g, "\n");
}

/** One-line text (a title, a name, a category): cleaned, whitespace runs as one space, trimmed. */
export function cleanLine(value: string): string {
  if (!MAYBE_UNCLEAN_LINE.test(value)) return value;
  return cleanText(value).replace(/\s+/g, " ").trim();
}
