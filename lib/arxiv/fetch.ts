// I/O: one HTTP request for one category's RSS, classified into what the caller must do with it.
// Politeness (one request at a time, one every 3 s) is the caller's job: see polite.ts.
import type { Paper } from "../types";
import { parseArxivRssBytes } from "./parse";

export type UnavailableReason =
  | "http-error"
  | "rate-limited"
  /** HTTP 503: down for maintenance or overloaded, which asks every client to hold off. */
  | "overloaded"
  | "timeout"
  | "network"
  | "malformed"
  | "too-large"
  | "wrong-feed";

export type FetchOutcome =
  | { kind: "feed"; date?: string; papers: Paper[]; skipped: number }
  | { kind: "unknown-category"; message: string }
  | { kind: "unavailable"; reason: UnavailableReason; message: string; retryAfterSeconds?: number };

export interface FetchFeedOptions {
  baseUrl: string;
  timeoutMs: number;
  userAgent: string;
  fetch: typeof fetch;
}

// arXiv caps a feed at 2,000 items (about 4 MB); anything much larger is not one of its feeds.
export const MAX_FEED_BYTES = 8 * 1024 * 1024;

export async function fetchCategoryFeed(category: string, options: FetchFeedOptions): Promise<FetchOutcome> {
  const url = `${options.baseUrl}/${category}`;
  let response: Response;
  let body: Uint8Array;
  try {
    response = await options.fetch(url, {
      headers: { "User-Agent": options.userAgent, Accept: "application/rss+xml, application/xml;q=0.9, */*;q=0.1" },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: "follow",
      cache: "no-store",
    });
    body = await readBody(response);
  } catch (err) {
    return classifyError(err, options.timeoutMs);
  }

  if (saysRateExceeded(body)) {
    return {
      kind: "unavailable",
      reason: "rate-limited",
      message: `arXiv said "Rate exceeded" (HTTP ${response.status})`,
      retryAfterSeconds: retryAfter(response),
    };
  }
  // arXiv answers an unknown category with HTTP 400 and a feed titled "Feed error for query".
  const parsed = response.ok || response.status === 400 ? parseArxivRssBytes(body) : undefined;
  if (parsed?.kind === "unknown-category") return parsed;
  if (!response.ok) {
    return {
      kind: "unavailable",
      reason: response.status === 429 ? "rate-limited" : response.status === 503 ? "overloaded" : "http-error",
      message: `arXiv answered HTTP ${response.status}`,
      retryAfterSeconds: retryAfter(response),
    };
  }
  if (!parsed || parsed.kind === "malformed") {
    return { kind: "unavailable", reason: "malformed", message: `arXiv sent an unreadable feed: ${parsed?.message}` };
  }
  if (parsed.papers.length === 0 && parsed.skipped > 0) {
    return { kind: "unavailable", reason: "malformed", message: `none of the feed's ${parsed.skipped} items could be read` };
  }
  return checkFeedIsFor(category.split("+"), parsed);
}

/**
 * A feed must be the one asked for: a channel that names other categories, or items mostly from
 * elsewhere (a cache or proxy mixing URLs up), is a fault, never papers for this category. The odd item
 * of no asked category is dropped and counted as skipped.
 */
export function checkFeedIsFor(asked: readonly string[], feed: Extract<FetchOutcome, { kind: "feed" }> & { channelCategories?: string[] }): FetchOutcome {
  const askedSet = new Set(asked.map((c) => c.toLowerCase()));
  const named = feed.channelCategories?.map((c) => c.toLowerCase());
  if (named && (named.length !== askedSet.size || !named.every((c) => askedSet.has(c)))) {
    return {
      kind: "unavailable",
      reason: "wrong-feed",
      message: `arXiv sent the feed of ${feed.channelCategories!.join("+").slice(0, 60)} for ${asked.join("+")}`,
    };
  }
  // An archive (`math`) covers its categories (`math.CO`).
  const belongs = (category: string) => {
    const c = category.toLowerCase();
    return askedSet.has(c) || askedSet.has(c.slice(0, c.indexOf(".")));
  };
  const papers = feed.papers.filter((p) => p.categories.some(belongs));
  const foreign = feed.papers.length - papers.length;
  if (foreign > 0 && foreign * 2 >= feed.papers.length) {
    return {
      kind: "unavailable",
      reason: "wrong-feed",
      message: `${foreign} of the feed's ${feed.papers.length} papers are not in ${asked.join("+")}`,
    };
  }
  const { channelCategories: _named, ...rest } = feed;
  return foreign ? { ...rest, papers, skipped: feed.skipped + foreign } : rest;
}

class BodyTooLargeError extends Error {}

async function readBody(response: Response): Promise<Uint8Array> {
  const bytes = await readBodyBytesCapped(response, MAX_FEED_BYTES);
  if (bytes === undefined) throw new BodyTooLargeError(`over ${MAX_FEED_BYTES} bytes`);
  return bytes;
}

const UTF8 = new TextDecoder("utf-8");

/** Whether the body is the throttling answer ("Rate exceeded."): only its first words are read as text. */
function saysRateExceeded(body: Uint8Array): boolean {
  return /^\s*Rate exceeded/i.test(UTF8.decode(body.subarray(0, 1024)));
}

/** The body as UTF-8 text (a byte order mark taken off), or undefined as soon as it proves larger than `maxBytes`. */
export async function readBodyCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const bytes = await readBodyBytesCapped(response, maxBytes);
  return bytes && UTF8.decode(bytes);
}

/** The body's bytes, or undefined as soon as it proves larger than `maxBytes` (declared or read). */
async function readBodyBytesCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (Number(response.headers.get("content-length")) > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function classifyError(err: unknown, timeoutMs: number): FetchOutcome {
  if (err instanceof BodyTooLargeError) {
    return { kind: "unavailable", reason: "too-large", message: `arXiv's answer was too large (${err.message})` };
  }
  const name = (err as Error)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return { kind: "unavailable", reason: "timeout", message: `arXiv did not answer within ${timeoutMs} ms` };
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return { kind: "unavailable", reason: "network", message: `arXiv could not be reached (${detail})` };
}

/** Retry-After in seconds (delta or HTTP date), if the upstream sent one. */
function retryAfter(response: Response): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
