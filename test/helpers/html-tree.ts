// Whether HTML can run anything, judged on the tree a browser builds from it (parse5 parses as browsers
// do), not on its text: only the elements and attributes our renderers write may appear, and a link only
// to http(s) or mailto.
import { parseFragment } from "parse5";

// MathML from the TeX renderer (temml): presentation elements, no links or scripts.
const MATHML = new Set([
  "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
  "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
  "menclose", "merror", "mmultiscripts", "mprescripts", "none", "mlabeledtr",
]);
const MATHML_ATTRIBUTES = new Set([
  "accent", "alttext", "class", "display", "displaystyle", "encoding", "fence", "form", "height", "linethickness", "lspace",
  "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "rspace",
  "scriptlevel", "separator", "stretchy", "style", "symmetric", "width", "depth", "voffset", "columnalign", "rowspacing",
]);

const ELEMENTS = new Set([
  "p", "br", "b", "strong", "em", "i", "s", "del", "a", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
  "blockquote", "pre", "code", "hr", "table", "thead", "tbody", "tr", "th", "td", "span", ...MATHML,
]);

/** Attributes that can never run code, by element ("*" for every element). */
const ATTRIBUTES: Record<string, Set<string>> = {
  "*": new Set(["title", "class"]),
  a: new Set(["href", "rel"]),
  ol: new Set(["start"]),
  td: new Set(["style"]),
  th: new Set(["style"]),
};

interface Node {
  nodeName: string;
  tagName?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  content?: Node;
}

function visit(node: Node, problems: string[]): void {
  if (node.tagName !== undefined) {
    const tag = node.tagName.toLowerCase();
    if (!ELEMENTS.has(tag)) problems.push(`element <${tag}>`);
    const math = MATHML.has(tag);
    for (const { name, value } of node.attrs ?? []) {
      const allowed = ATTRIBUTES["*"]!.has(name) || ATTRIBUTES[tag]?.has(name) || (math && MATHML_ATTRIBUTES.has(name));
      if (!allowed) problems.push(`attribute ${name} on <${tag}>`);
      // Table alignment is the one style markdown-it writes; MathML layout styles load nothing.
      const styleOk = math ? !/url\(|expression\(|@import|\\/i.test(value) : /^text-align:(left|right|center)$/.test(value);
      if (name === "style" && !styleOk) problems.push(`style ${JSON.stringify(value)}`);
      if (name === "href") {
        // Browsers ignore whitespace and control characters inside a scheme.
        const squeezed = value.replace(/[\u0000-\u0020\u007F-\u009F]/g, "").toLowerCase();
        if (!/^(https?:\/\/|mailto:)/.test(squeezed)) problems.push(`link to ${JSON.stringify(value.slice(0, 80))}`);
      }
    }
  }
  for (const child of node.childNodes ?? []) visit(child, problems);
  if (node.content) visit(node.content, problems);
}

/** What in `html` a browser would run or load; empty when it is inert. */
export function unsafeHtml(html: string): string[] {
  const problems: string[] = [];
  visit(parseFragment(html) as unknown as Node, problems);
  return problems;
}

/** Every href in `html`, as the browser reads it. */
export function hrefsOf(html: string): string[] {
  const hrefs: string[] = [];
  const walk = (node: Node) => {
    for (const a of node.attrs ?? []) if (a.name === "href") hrefs.push(a.value);
    for (const child of node.childNodes ?? []) walk(child);
  };
  walk(parseFragment(html) as unknown as Node);
  return hrefs;
}

const RUNNABLE_ELEMENTS = new Set(["script", "iframe", "frame", "object", "embed", "applet", "base", "meta", "link", "style", "svg", "img", "video", "audio", "source"]);

/**
 * What in a whole page could run or load anything: scripts and embedding elements, event handlers, style
 * attributes, and links, sources or form actions to anything but http(s), mailto or a same-site path.
 */
export function runnableHtml(html: string, allowedElements: readonly string[] = []): string[] {
  const problems: string[] = [];
  const walk = (node: Node) => {
    const tag = node.tagName?.toLowerCase();
    if (tag && RUNNABLE_ELEMENTS.has(tag) && !allowedElements.includes(tag)) problems.push(`element <${tag}>`);
    for (const { name, value } of node.attrs ?? []) {
      if (/^on/i.test(name)) problems.push(`attribute ${name} on <${tag}>`);
      if (name === "style") problems.push(`style attribute on <${tag}>`);
      if (["href", "src", "action", "formaction", "xlink:href"].includes(name)) {
        const squeezed = value.replace(/[\u0000-\u0020\u007F-\u009F]/g, "").toLowerCase();
        if (!/^(https?:\/\/|mailto:|\/(?!\/)|#|\?)/.test(squeezed)) problems.push(`${name}=${JSON.stringify(value.slice(0, 80))}`);
      }
    }
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parseFragment(html) as unknown as Node);
  return problems;
}
