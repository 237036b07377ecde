// A paper's full text from arXiv's HTML version, fetched under the same politeness as the feeds, then
// reduced to plain text and cut to a token budget.
import type { Paper } from "../types";
import { readBodyCapped } from "../arxiv/fetch";
import { withArxivTurn, type PoliteDeps } from "../arxiv/polite";

export type FullTextResult =
  | { kind: "text"; text: string }
  /** arXiv has no HTML version of this paper: summarize the abstract. */
  | { kind: "none" }
  /** Could not be fetched now (down, timeout; or `busy`: arXiv's gate was taken): try again later. */
  | { kind: "later"; message: string; busy?: boolean };

export interface FullTextDeps {
  polite: PoliteDeps;
  fetch: typeof fetch;
  baseUrl: string;
  timeoutMs: number;
  maxWaitMs: number;
  userAgent: string;
  maxChars: number;
}

const MAX_HTML_BYTES = 20 * 1024 * 1024;

export async function fetchFullText(paper: Paper, deps: FullTextDeps): Promise<FullTextResult> {
  const url = `${deps.baseUrl}/${paper.id}v${paper.version}`;
  const turn = await withArxivTurn(deps.polite, deps.polite.now() + deps.maxWaitMs, async () => {
    try {
      const res = await deps.fetch(url, {
        headers: { "User-Agent": deps.userAgent, Accept: "text/html" },
        signal: AbortSignal.timeout(deps.timeoutMs),
        redirect: "follow",
        cache: "no-store",
      });
      if (res.status === 404) return { kind: "none" } as const;
      if (!res.ok) return { kind: "later", message: `arXiv HTML answered HTTP ${res.status}` } as const;
      const html = await readBodyCapped(res, MAX_HTML_BYTES);
      return html === undefined ? ({ kind: "none" } as const) : ({ kind: "html", html } as const);
    } catch (err) {
      return { kind: "later", message: `arXiv HTML could not be fetched (${(err as Error)?.name ?? err})` } as const;
    }
  });
  if (!turn.ran) return { kind: "later", message: "arXiv is busy with other requests", busy: true };
  const result = turn.value;
  if (result.kind !== "html") return result;
  const text = cutToBudget(htmlToText(result.html), deps.maxChars);
  return text.length >= 200 ? { kind: "text", text } : { kind: "none" };
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", ndash: "–", mdash: "—", hellip: "…" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

/** Pure: arXiv's (LaTeXML) HTML → the article's text, formulas as their TeX, without page furniture. */
export function htmlToText(html: string): string {
  let s = html;
  const article = /<article\b[\s\S]*?<\/article>/i.exec(s);
  if (article) s = article[0];
  s = s
    .replace(/<(script|style|nav|header|footer|noscript|svg|button|form)\b[\s\S]*?<\/\1>/gi, " ")
    // The references are long and add nothing a summary needs.
    .replace(/<section\b[^>]*\bltx_bibliography\b[\s\S]*$/i, " ")
    .replace(/<math\b[^>]*\balttext="([^"]*)"[\s\S]*?<\/math>/gi, (_, tex: string) => ` ${tex} `)
    .replace(/<(br|\/p|\/div|\/section|\/h[1-6]|\/li|\/tr|\/figcaption|\/table)\b[^>]*>/gi, "\n")
    .replace(/<[^>]+>/g, " ");
  return decodeEntities(s)
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n[\s]*/g, "\n")
    .trim();
}

/** At most `maxChars`: cut at a paragraph's end when one is near the limit, else at the limit. */
export function cutToBudget(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const lastBreak = cut.lastIndexOf("\n");
  return lastBreak > maxChars * 0.8 ? cut.slice(0, lastBreak) : cut;
}
