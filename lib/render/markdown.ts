// Pure: a summary's Markdown (model output: untrusted) → HTML safe to put in any feed or page.
// markdown-it with raw HTML off escapes every tag; links are kept only for http(s) and mailto URLs (no
// javascript:, data:, relative or protocol-relative ones). Images show as their alt text: no tracking
// pixels. GFM tables and strikethrough stay.
import MarkdownIt from "markdown-it";
import { stripInvalidXmlChars } from "../text";
import { escapeHtml } from "./escape";

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

export function renderMarkdown(markdown: string): string {
  return stripInvalidXmlChars(md.render(markdown));
}
