// Pure: a summary's Markdown (model output: untrusted) → HTML safe to put in any feed or page.
// markdown-it with raw HTML off escapes every tag, and its link check refuses javascript:, vbscript:,
// file: and data: URLs; images are off too (no tracking pixels). GFM tables and strikethrough stay.
import MarkdownIt from "markdown-it";
import { stripInvalidXmlChars } from "../text";

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
md.disable("image");

const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(markdown: string): string {
  return stripInvalidXmlChars(md.render(markdown));
}
