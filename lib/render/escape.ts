// Pure: one function per output context. Every text from arXiv, a model or the store reaches a feed, a page
// or a document only through one of these (after lib/text.ts has cleaned it).
//
// The `feed` package serializes with xml-js, which has quirks of its own that the xmlJs* functions undo:
// text nodes are first "desanitized" (`&amp;` → `&`) and then escaped, so a literal `&amp;` would come out
// as `&`; attribute values get only `"` escaped; a CDATA section gets only its *first* `]]>` split.

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text inside an HTML (or XML) element. Quotes stay as they are: they mean nothing there, and readers that
 * show an RSS title as plain text would otherwise show `&#39;` for every apostrophe.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>]/g, (c) => HTML_ESCAPES[c]!);
}

/** A quoted HTML attribute value. */
export function escapeHtmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Text inside an XML element we write ourselves (OPML). */
export const escapeXmlText = escapeHtml;

/** A double-quoted XML attribute value we write ourselves. */
export function escapeXmlAttr(value: string): string {
  return value.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]!);
}

/** An http(s) URL as given, or undefined for anything else (`javascript:`, `data:`, relative, broken). */
export function safeHttpUrl(value: string | undefined): string | undefined {
  if (!value || !/^https?:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A text node for xml-js: it escapes `&`, `<` and `>` itself, after turning `&amp;` back into `&`. */
export function xmlJsText(value: string): string {
  return value.replace(/&/g, "&amp;");
}

/**
 * CDATA content for xml-js, as the list of sections it writes one after another. No section contains
 * `]]>`: each is split between `]]` and `>`, so the reader joins them back into the literal text.
 */
export function xmlJsCdata(value: string): string[] {
  // The split's look-behind costs a regular-expression step at every character; most texts have no `]]>`.
  return value.includes("]]>") ? value.split(/(?<=\]\])(?=>)/) : [value];
}

/**
 * Plain text inside Markdown (a title in a link, an author list, an abstract): every character that could
 * start markup is backslash-escaped, so text reads as itself and never as a link, emphasis or HTML.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/[\\`*_[\]<>|~]/g, "\\$&")
    .replace(/&(?=#?[a-zA-Z0-9]+;)/g, "&amp;")
    .replace(/^(\d+)([.)])/, "$1\\$2")
    .replace(/^[#+\-=]/, "\\$&");
}

/** TeX inside `$…$` in Markdown: kept as TeX, but no `<` or `>` that an HTML sanitizer could read as a tag. */
export function markdownMathSource(tex: string): string {
  return tex.replace(/</g, "\\lt ").replace(/>/g, "\\gt ");
}

/**
 * Markdown written by a model, embedded in a document we own: raw HTML is turned into text (so it cannot
 * close our <details> block or add elements), code spans and fenced blocks are left as written.
 */
export function neutralizeMarkdownHtml(markdown: string): string {
  const parts = markdown.split(/(^```[\s\S]*?^```[ \t]*$|`[^`\n]*`)/m);
  return parts.map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;"))).join("");
}
