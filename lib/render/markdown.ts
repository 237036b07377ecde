// Pure: a summary's Markdown (model output: untrusted) → HTML safe to put in any feed or page.
// markdown-it with raw HTML off escapes every tag; links are kept only for http(s) and mailto URLs (no
// javascript:, data:, relative or protocol-relative ones). Images show as their alt text: no tracking
// pixels. GFM tables and strikethrough stay. For the page, TeX math becomes MathML and headings move
// below the paper's own.
import MarkdownIt from "markdown-it";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import { stripInvalidXmlChars } from "../text";
import { escapeHtml } from "./escape";
import { splitMath, texToMathml } from "./math";

export interface MarkdownOptions {
  /** Added to every heading's level (capped at h6), so a summary's `#` sits below the page's headings. */
  headingOffset?: number;
  /** Render `$…$`, `$$…$$`, `\(…\)` and `\[…\]` as MathML (feeds keep the TeX: few readers show MathML). */
  math?: boolean;
}

interface RenderEnv {
  headingOffset?: number;
}

function createRenderer(math: boolean): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  md.validateLink = (url) => /^(https?:\/\/|mailto:)/i.test(url.trim());
  md.renderer.rules.image = (tokens, idx, options, env, self) =>
    escapeHtml(self.renderInlineAsText(tokens[idx]!.children ?? [], options, env));
  const defaultLinkOpen =
    md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  const heading = (tokens: { tag: string }[], idx: number, env: RenderEnv) => {
    const token = tokens[idx]!;
    const level = Number(token.tag.slice(1));
    if (env.headingOffset && level) token.tag = `h${Math.min(6, level + env.headingOffset)}`;
  };
  md.renderer.rules.heading_open = (tokens, idx, options, env: RenderEnv, self) => {
    heading(tokens, idx, env);
    return self.renderToken(tokens, idx, options);
  };
  md.renderer.rules.heading_close = (tokens, idx, options, env: RenderEnv, self) => {
    heading(tokens, idx, env);
    return self.renderToken(tokens, idx, options);
  };
  if (math) {
    // Before "escape", which would otherwise eat the backslash of \( and \[.
    md.inline.ruler.before("escape", "math", mathRule);
    md.renderer.rules.math = (tokens, idx) => {
      const token = tokens[idx]!;
      return texToMathml(token.content, token.info === "display") ?? `<code class="tex">${escapeHtml(token.markup)}</code>`;
    };
  }
  return md;
}

/** Inline TeX where a formula starts here, by the same rules as titles and abstracts (splitMath). */
function mathRule(state: StateInline, silent: boolean): boolean {
  const start = state.pos;
  const c = state.src[start];
  if (c !== "$" && !(c === "\\" && (state.src[start + 1] === "(" || state.src[start + 1] === "["))) return false;
  // A formula ends within its paragraph: only the rest of this inline block is read.
  const first = splitMath(state.src.slice(start))[0];
  if (first?.kind !== "math") return false;
  if (!silent) {
    const token = state.push("math", "math", 0);
    token.content = first.tex;
    token.markup = first.source;
    token.info = first.display ? "display" : "inline";
  }
  state.pos = start + first.source.length;
  return true;
}

const feedRenderer = createRenderer(false);
const pageRenderer = createRenderer(true);

export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  const md = options.math ? pageRenderer : feedRenderer;
  const env: RenderEnv = { headingOffset: options.headingOffset };
  return stripInvalidXmlChars(md.render(markdown, env));
}
